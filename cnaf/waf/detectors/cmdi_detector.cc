// Command injection: shell syntax that starts a new command where the application expected a
// plain argument. The value is shell-folded first (quotes, backslashes and ${IFS} removed),
// then a command start (value start, or after ; | || & && newline ` $( <( >( {) must be
// followed by a known program, optionally with its path or a glob standing for it, and by
// what a shell argument looks like. Only the first command start of a value counts, and only
// near the start: prose and code posts with pipelines deep inside stay clean. Anywhere in a
// value that is not free text: command substitutions, substring expansions, commands run
// through a variable assigned before. Whole statements: Windows batch FOR/IF, shell aliases,
// PowerShell cmdlets and downloads.
#include <algorithm>
#include <array>
#include <optional>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

constexpr std::string_view kCommands[] = {
    "ansible", "ansible-doc", "ansible-galaxy", "ansible-pull", "apt", "apt-get", "awk", "base32",
    "base64", "bash", "bcdboot", "bitsadmin", "busybox", "bzip2", "cat", "cd",
    "certutil", "chmod", "chown", "chroot", "cmd", "cmd.exe", "column", "composer",
    "copy", "cp", "cpan", "crash", "crontab", "cscript", "csh", "curl",
    "dash", "dd", "del", "dig", "dir", "dmesg", "dnf", "docker",
    "echo", "env", "eval", "ex", "exec", "expr", "false", "fetch",
    "find", "ftp", "gcc", "gdb", "gem", "getent", "grep", "gunzip",
    "head", "hostname", "icacls", "id", "iex", "ifconfig", "ipconfig", "irb", "irm", "iwmi", "iwr", "jjs",
    "journalctl", "jrunscript", "kill", "killall", "ksh", "kubectl", "lastlog", "less",
    "ls", "lsof", "lua", "lwp-download", "lwp-request", "lynx", "mkfifo", "mknod",
    "more", "mshta", "msiexec", "mv", "mysql", "nc", "nc.exe", "ncat",
    "net", "netcat", "netstat", "nl", "nmap", "node", "nohup", "npm",
    "nslookup", "od", "openssl", "passwd", "perl", "php", "ping", "pip",
    "pip3", "powershell", "powershell.exe", "printenv", "printf", "ps", "psql", "pwd",
    "pwsh", "python", "python2", "python3", "reboot", "reg", "regedit", "regsvr32",
    "rev", "rm", "rmt", "rsync", "ruby", "rundll32", "sc", "schtasks",
    "scp", "screen", "sed", "service", "set", "sftp", "sh", "shutdown",
    "sleep", "smbclient", "socat", "sqlite3", "ssh", "strace", "su", "sudo",
    "systemctl", "systeminfo", "tac", "tail", "takeown", "tar", "taskkill", "tasklist",
    "tclsh", "tcsh", "telnet", "tftp", "timeout", "tmux", "top", "touch",
    "true", "type", "uname", "unxz", "useradd", "ver", "vi", "vim",
    "visudo", "vssadmin", "watch", "wget", "who", "whoami", "wish", "wmic",
    "wscript", "xargs", "xterm", "xxd", "yum", "zcat", "zsh",
};

constexpr bool sorted() {
  for (std::size_t i = 1; i < std::size(kCommands); ++i)
    if (!(kCommands[i - 1] < kCommands[i])) return false;
  return true;
}
static_assert(sorted());

bool known_command(std::string_view w) {
  return std::binary_search(std::begin(kCommands), std::end(kCommands), w);
}

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

bool meta(char c) {
  return c == ';' || c == '|' || c == '&' || c == '>' || c == '<' || c == '`' || c == ')' ||
         c == '\n' || c == '}' || c == '$';
}

// At s[p] (a command start), reads [path/]program and what follows. Returns the end of the
// match or npos.
std::size_t command_at(std::string_view s, std::size_t p, bool strict_args) {
  bool brace = false;
  while (p < s.size() && (s[p] == ' ' || s[p] == '{' || s[p] == '(' || s[p] == '\t' || (brace && s[p] == ','))) {
    brace |= s[p] == '{';
    ++p;
  }
  const std::size_t begin = p;
  // Optional path: /bin/, /usr/bin/, c:/windows/system32/ ... or a glob standing for one.
  std::size_t last_slash = std::string_view::npos;
  bool glob = false;
  std::size_t q = p;
  while (q < s.size() && (word_char(s[q]) || s[q] == '/' || s[q] == '?' || s[q] == '*' ||
                          s[q] == '[' || s[q] == ']' || s[q] == ':' || s[q] == '\\')) {
    if (s[q] == '/' || s[q] == '\\') last_slash = q;
    glob |= s[q] == '?' || s[q] == '*' || s[q] == '[';
    ++q;
  }
  const std::size_t word_begin = last_slash == std::string_view::npos ? p : last_slash + 1;
  const std::string_view word = s.substr(word_begin, q - word_begin);
  if (word.empty()) return std::string_view::npos;
  const bool has_path = last_slash != std::string_view::npos;
  if (glob && has_path && s[begin] == '/') {  // /???/c?t, /b[i]n/ca*: a program, globbed
    const std::string_view path = s.substr(begin, q - begin);
    const bool program_like = path.size() <= 32 && path.find('=') == std::string_view::npos &&
                              path.find("?") != 0;
    if (program_like && (q >= s.size() || s[q] == ' ' || meta(s[q]) || s[q] == ','))
      return q;
    return std::string_view::npos;
  }
  if (!known_command(word)) return std::string_view::npos;
  if (has_path && s[begin] != '/' && !(s.size() > begin + 2 && s[begin + 1] == ':'))
    return std::string_view::npos;  // "foo/cat" is a relative path, not a program
  // What follows: end, shell syntax, or an argument that looks like one.
  if (q >= s.size() || meta(s[q]) || (brace && s[q] == ',')) return q;
  if (s[q] != ' ' && s[q] != '\t') return std::string_view::npos;
  std::size_t a = q;
  while (a < s.size() && (s[a] == ' ' || s[a] == '\t')) ++a;
  if (a >= s.size()) return q;
  const char c = s[a];
  if (c == '-' || c == '/' || c == '$' || c == '~' || c == '\\' || c == '>' || c == '<' ||
      c == '|' || c == '&' || c == ';' || c == '`' || (c >= '0' && c <= '9') ||
      (c == '.' && a + 1 < s.size() && (s[a + 1] == '/' || s[a + 1] == '.')))
    return a + 1;
  if (s.substr(a, 7) == "http://" || s.substr(a, 8) == "https://" || s.substr(a, 6) == "ftp://")
    return a + 8;
  if (a + 2 < s.size() && s[a + 1] == ':' && (s[a + 2] == '\\' || s[a + 2] == '/') &&
      (!strict_args || (c >= 'a' && c <= 'z')))
    return a + 3;  // c:\...
  return std::string_view::npos;
}

// Start-of-value commands need an argument that makes them dangerous by themselves.
bool dangerous_invocation(std::string_view s) {
  static constexpr std::string_view kPrefixes[] = {
      "bash -c", "bash -i", "sh -c", "sh -i", "zsh -c", "ksh -c", "nc -e", "nc -c", "nc -l",
      "ncat -e", "ncat -c", "netcat -e", "python -c", "python3 -c", "python2 -c", "perl -e",
      "ruby -e", "php -r", "node -e", "powershell -", "powershell.exe -", "pwsh -", "cmd /c",
      "powershell c:", "powershell.exe c:", "powershell \"", "powershell iex", "powershell invoke-",
      "cmd.exe /c", "cmd /k", "wget http", "wget ftp", "curl http", "curl ftp", "rm -rf",
      "certutil -urlcache", "/bin/sh", "/bin/bash", "cat /etc/", "cat /proc/", "type c:", "dd if=",
      "bitsadmin /transfer", "socat tcp", "socat exec", "mkfifo /tmp",
  };
  if (s.empty()) return false;
  for (const auto p : kPrefixes)  // (the first byte first: most values start with none of them)
    if (p[0] == s[0] && s.substr(0, p.size()) == p) return true;
  return false;
}

// Windows batch control statements: FOR [/X [opts]] %V IN (...) DO cmd, and IF [/I] [NOT]
// EXIST|DEFINED|ERRORLEVEL|CMDEXTVERSION ..., IF a==b cmd, IF a GEQ b cmd.
bool batch_statement(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '&' || s[i] == '|' || s[i] == ';' || s[i] == '@')) ++i;
  const auto blanks = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  const auto word = [&](std::string_view w) {
    if (s.compare(i, w.size(), w) != 0) return false;
    const std::size_t e = i + w.size();
    if (e < s.size() && s[e] != ' ' && s[e] != '\t' && s[e] != '/') return false;
    i = e;
    blanks();
    return true;
  };
  // One operand: "quoted", (parenthesised), {braced}, or a run up to a blank or "==".
  const auto operand = [&] {
    const std::size_t b = i;
    if (i < s.size() && (s[i] == '"' || s[i] == '(' || s[i] == '{')) {
      const char close = s[i] == '"' ? '"' : s[i] == '(' ? ')' : '}';
      const std::size_t e = s.find(close, i + 1);
      if (e == std::string_view::npos || e > i + 64) return false;
      i = e + 1;
      return true;
    }
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s.compare(i, 2, "==") != 0 && i < b + 64) ++i;
    return i > b;
  };
  if (word("for")) {
    for (int k = 0; k < 6 && i < s.size() && s[i] == '/'; ++k) {  // /f /l /r /d and their option
      while (i < s.size() && s[i] != ' ') ++i;
      blanks();
      if (i < s.size() && s[i] != '%' && s[i] != '/') {  // "tokens=..." or a folder
        if (s[i] == '"') {
          const std::size_t q = s.find('"', i + 1);
          i = q == std::string_view::npos ? s.size() : q + 1;
        } else {
          while (i < s.size() && s[i] != ' ') ++i;
        }
        blanks();
      }
    }
    if (i >= s.size() || s[i] != '%') return false;  // %G, %%G, %@, %~
    while (i < s.size() && s[i] != ' ') ++i;
    blanks();
    if (!word("in") && s.compare(i, 3, "in(") != 0) return false;
    const std::size_t open = s.find('(', i);
    const std::size_t close = open == std::string_view::npos ? open : s.find(')', open);
    if (close == std::string_view::npos) return false;
    i = close + 1;
    blanks();
    return s.compare(i, 2, "do") == 0 && (i + 2 >= s.size() || s[i + 2] == ' ' || s[i + 2] == '@');
  }
  if (word("if")) {
    if (s.find_last_not_of(" \t\r\n") == s.rfind(':')) return false;  // Python: "if a == b:"
    word("/i");
    word("not");
    if (i >= s.size()) return false;
    if (word("exist") || word("defined") || word("errorlevel") || word("cmdextversion")) return true;
    const char c = s[i];
    const std::size_t first = i;
    if (!operand()) return false;
    const std::string_view lhs = s.substr(first, i - first);
    bool attached = false, compared = false;
    if (s.compare(i, 2, "==") == 0) {
      i += 2;
      attached = true;
      compared = operand();
    } else {
      blanks();
      if (s.compare(i, 2, "==") == 0) {
        i += 2;
        blanks();
        compared = operand();
      } else {
        for (const std::string_view op : {"equ", "neq", "lss", "leq", "gtr", "geq"})
          if (word(op)) compared = operand();
      }
    }
    // "if (2 geq 15) echo": the comparison inside the parentheses.
    if (!compared && c == '(') {
      for (const std::string_view op : {" equ ", " neq ", " lss ", " leq ", " gtr ", " geq "})
        compared |= lhs.find(op) != std::string_view::npos;
    }
    if (!compared) return false;
    blanks();
    if (i >= s.size()) return false;
    // "if a==b cmd": only batch writes this (Lua and Ruby go on with "then" / "and").
    if (attached && c != '(') {
      for (const std::string_view w : {"then", "and ", "or ", "else", "&&", "||"})
        if (s.compare(i, w.size(), w) == 0) return false;
      return true;
    }
    // Spaced comparisons are also Ruby and Lua: a batch command must follow.
    for (const std::string_view cmd : {"echo", "@echo", "goto", "cmd", "set", "call", "cd", "del", "copy", "start",
                                       "exit", "type", "dir", "move", "ren", "mkdir", "rd", "pause", "("}) {
      if (s.compare(i, cmd.size(), cmd) == 0 &&
          (cmd == "(" || i + cmd.size() >= s.size() || s[i + cmd.size()] == ' '))
        return true;
    }
    return false;
  }
  return false;
}

// "a=nc&&$a -nlvp 555", "c=cat;$c /etc/passwd": a variable assigned, then expanded where a
// command starts. Names are collected from assignments that open a command.
bool assigned_command(std::string_view s) {
  std::array<std::string_view, 8> names{};
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ';' || s[i] == '&' || s[i] == '|' || s[i] == '\n')) ++i;
    const std::size_t b = i;
    if (i < s.size() && s[i] == '$' && count > 0) {  // an expansion in command position
      std::size_t e = i + 1;
      if (e < s.size() && s[e] == '{') ++e;
      const std::size_t nb = e;
      while (e < s.size() && word_char(s[e]) && s[e] != '.' && s[e] != '-') ++e;
      const std::string_view name = s.substr(nb, e - nb);
      for (std::size_t k = 0; k < count; ++k)
        if (names[k] == name) return true;
    }
    std::size_t e = i;
    while (e < s.size() && ((s[e] >= 'a' && s[e] <= 'z') || (s[e] >= '0' && s[e] <= '9') || s[e] == '_')) ++e;
    if (e > b && e < s.size() && s[e] == '=' && !(s[b] >= '0' && s[b] <= '9')) {
      // name=value then a separator: a shell assignment ("a=1&b=2" in a URL has no '&&' or ';').
      std::size_t v = e + 1;
      while (v < s.size() && s[v] != ' ' && s[v] != ';' && s[v] != '&' && s[v] != '|' && s[v] != '\n') ++v;
      const bool separated = v < s.size() && (s[v] == ';' || s[v] == '\n' || s.compare(v, 2, "&&") == 0 ||
                                              s.compare(v, 2, "||") == 0);
      if (separated && count < names.size()) names[count++] = s.substr(b, e - b);
      i = v;
      continue;
    }
    // Any other command: skip to the next separator.
    while (i < s.size() && s[i] != ';' && s[i] != '&' && s[i] != '|' && s[i] != '\n') ++i;
  }
  return false;
}

// "alias name=value": a shell alias defined, to run a command under another name.
bool alias_definition(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == ';' || s[i] == '&' || s[i] == '|')) ++i;
  if (s.compare(i, 6, "alias ") != 0) return false;
  i += 6;
  while (i < s.size() && s[i] == ' ') ++i;
  while (i < s.size() && (s[i] == '-' || s[i] == '+')) {  // -p, -gmr, +m, +g+
    while (i < s.size() && s[i] != ' ') ++i;
    while (i < s.size() && s[i] == ' ') ++i;
  }
  const std::size_t b = i;
  while (i < s.size() && s[i] != '=' && s[i] != ' ' && i < b + 32) ++i;
  return i > b && i < s.size() && s[i] == '=';
}

// The first word of the raw value was glued from quoted or escaped pieces ("ti''me",
// "'cscli'", "w\hoami") and reads as a program once folded: nobody writes plain words so.
bool glued_command(std::string_view raw_lower, std::string_view folded) {
  std::size_t e = 0;
  while (e < raw_lower.size() && raw_lower[e] != ' ' && raw_lower[e] != ';' && raw_lower[e] != '|' &&
         raw_lower[e] != '&')
    ++e;
  const std::string_view first = raw_lower.substr(0, e);
  std::size_t quotes = 0;
  for (const char c : first) quotes += c == '\'' || c == '"';
  // Balanced quotes (ti''me, 'cscli'), a backslash (w\hoami) or a '$' glue; a lone
  // apostrophe is English ("I'd").
  const bool glued = (quotes >= 2 && quotes % 2 == 0) || first.find('\\') != std::string_view::npos ||
                     first.find('$') != std::string_view::npos || first.find("``") != std::string_view::npos ||
                     first.find("()") != std::string_view::npos;
  if (!glued) return false;
  std::size_t f = 0;
  while (f < folded.size() && folded[f] != ' ' && folded[f] != ';' && folded[f] != '|' && folded[f] != '&' &&
         folded[f] != '\n')
    ++f;
  std::string_view w = folded.substr(0, f);
  const std::size_t slash = w.rfind('/');
  if (slash != std::string_view::npos) w = w.substr(slash + 1);
  return known_command(w) && w.size() >= 2;
}

}  // namespace

bool detect_cmdi(const Inspected& v, Scratch& scratch, Hit& hit) {
  if (v.text.size() < 2) return false;
  if (v.lower.starts_with("data:image/") || v.lower.starts_with("data:application/")) return false;
  // Quotes, backslashes and '$' are what shell obfuscation is made of; without them the
  // folded text is the lower-case text (blank runs aside), so skip the copy.
  std::string_view s = v.lower;
  if (v.has(kQuote | kDquote | kBackslash | kDollar | kBacktick) ||
      (v.has(kLt | kGt) && v.lower.find("()") != std::string_view::npos)) {
    std::string& folded = scratch.a;
    std::string& lower = scratch.b;
    shell_fold(v.text, folded);
    to_lower(folded, lower);
    s = lower;
  }
  // The needle lists below are searched only for needles whose characters and bigrams all
  // occur in `s` (the value's own, or the folded text's when folding changed it).
  std::uint32_t s_mask = v.mask;
  const Bigrams* s_bigrams = v.bigrams;
  std::optional<Bigrams> folded_bigrams;
  if (s.data() != v.lower.data()) {
    s_mask = char_mask(s);
    s_bigrams = &folded_bigrams.emplace(s);
  }
  // Anywhere: reverse-shell idioms and IFS obfuscation (which only shells read).
  static constexpr NeedleSet kAnywhere(std::to_array<std::string_view>({
      "/dev/tcp/", "/dev/udp/", "0>&1", ">& /dev/", "nc -e /bin/", "| sh -i", "|sh -i",
      "%comspec%", "/bin/sh -i", "/bin/bash -i", "<<<", "${shell}", "$shell -c", ":|:&",
      "-wrapper sh,"}));
  if (kAnywhere.find(s, s_mask, s_bigrams, [](std::size_t, std::size_t) { return true; })) {
    hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "reverse shell or shell obfuscation"};
    return true;
  }
  // Substring expansions build characters a filter blocks: ${PATH:0:1} is '/'.
  for (std::size_t p = v.lower.find("${"); p != std::string_view::npos; p = v.lower.find("${", p + 2)) {
    std::size_t k = p + 2;
    while (k < v.lower.size() && k < p + 34 && (word_char(v.lower[k]) && v.lower[k] != '.' && v.lower[k] != '-')) ++k;
    if (k > p + 2 && k + 1 < v.lower.size() && v.lower[k] == ':' && v.lower[k + 1] >= '0' && v.lower[k + 1] <= '9') {
      std::size_t e = k + 1;
      while (e < v.lower.size() && ((v.lower[e] >= '0' && v.lower[e] <= '9') || v.lower[e] == ':')) ++e;
      if (e < v.lower.size() && v.lower[e] == '}') {
        hit = Hit{p, std::min<std::size_t>(v.text.size() - p, 64), "shell substring expansion"};
        return true;
      }
    }
  }
  if (v.lower.find("${ifs") != std::string_view::npos || v.lower.find("$ifs") != std::string_view::npos) {
    hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "shell ${IFS} obfuscation"};
    return true;
  }
  std::size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\t')) ++start;
  // Batch syntax quotes its operands ("%1"==""): read it before shell folding.
  std::size_t raw_start = 0;
  while (raw_start < v.lower.size() && (v.lower[raw_start] == ' ' || v.lower[raw_start] == '\t')) ++raw_start;
  if (batch_statement(v.lower.substr(raw_start))) {
    hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "Windows batch statement"};
    return true;
  }
  if ((v.has(kEq) && v.has(kDollar) && assigned_command(s)) ||
      (s.substr(start).starts_with("find ") && s.find(" -exec") != std::string_view::npos)) {
    hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "command run through a variable or find -exec"};
    return true;
  }
  if (alias_definition(s.substr(start))) {
    hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "shell alias definition"};
    return true;
  }
  // PowerShell: cmdlets and .NET calls that fetch or run code.
  {
    static constexpr NeedleSet kPowerShell(std::to_array<std::string_view>({
        "invoke-expression", "invoke-webrequest", "invoke-restmethod", "invoke-command", "invoke-wmimethod",
        "invoke-mimikatz", "invoke-shellcode", "net.webclient", "downloadstring(", "downloadfile(",
        "-encodedcommand", "frombase64string(", "start-process ", "set-mppreference"}));
    // (the first occurrence of each, as a word or after a '.')
    if (kPowerShell.find(s, s_mask, s_bigrams, [&](std::size_t, std::size_t p) {
          return p == 0 || !word_char(s[p - 1]) || s[p - 1] == '.';
        })) {
      hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "PowerShell command"};
      return true;
    }
  }
  // (gluing takes two quotes, a backslash, '$', "``" or "()")
  if (v.has(kQuote | kDquote | kBackslash | kDollar | kBacktick | kParen)) {
    std::size_t r = 0;
    while (r < v.lower.size() && v.lower[r] == ' ') ++r;
    if (glued_command(v.lower.substr(r), s.substr(start))) {
      hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "obfuscated command name"};
      return true;
    }
  }
  {
    // A program at the very start, then a command separator: "id;", "time; ansible ...".
    std::size_t e = start;
    while (e < s.size() && (word_char(s[e]) || s[e] == '/')) ++e;
    std::size_t f = e;
    while (f < s.size() && s[f] == ' ') ++f;
    std::string_view w = s.substr(start, e - start);
    if (const std::size_t sl = w.rfind('/'); sl != std::string_view::npos) w = w.substr(sl + 1);
    if (!w.empty() && f < s.size() && (s[f] == ';' || (s[f] == '|' && f + 1 < s.size() && s[f + 1] == '|') ||
                                       (s[f] == '&' && f + 1 < s.size() && s[f + 1] == '&')) &&
        known_command(w)) {
      hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "command then a separator"};
      return true;
    }
    // "name() { ... }": a shell function definition.
    if (e > start && s.compare(e, 2, "()") == 0) {
      std::size_t g = e + 2;
      while (g < s.size() && s[g] == ' ') ++g;
      if (g < s.size() && s[g] == '{') {
        hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "shell function definition"};
        return true;
      }
    }
  }
  {
    // Wrappers that run the command after them: time, nohup, env, sudo, strace, xargs, timeout.
    std::string_view rest = s.substr(start);
    for (int k = 0; k < 3; ++k) {
      bool wrapped = false;
      for (const std::string_view wr : {"time ", "nohup ", "env ", "sudo ", "strace ", "xargs ", "timeout 1 "}) {
        if (rest.starts_with(wr)) {
          rest.remove_prefix(wr.size());
          wrapped = true;
        }
      }
      if (!wrapped) break;
      if (dangerous_invocation(rest) || command_at(rest, 0, true) != std::string_view::npos) {
        hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "wrapped shell command"};
        return true;
      }
    }
    // A non-free-text value ending by piping into a shell: "... | rev | sh".
    if (!looks_like_prose(s) && (s.ends_with("| sh") || s.ends_with("|sh") || s.ends_with("| bash") || s.ends_with("|bash"))) {
      hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "pipe into a shell"};
      return true;
    }
  }
  if (dangerous_invocation(s.substr(start))) {
    hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "shell command"};
    return true;
  }
  // A value that is a path to a program: /bin/id, /usr/bin/whoami.
  if (s.size() > start && s[start] == '/') {
    const std::size_t e = command_at(s, start, true);
    if (e != std::string_view::npos && s.substr(start).find('/', 1) != std::string_view::npos &&
        (s.substr(start, 5) == "/bin/" || s.substr(start, 9) == "/usr/bin/" ||
         s.substr(start, 6) == "/sbin/" || s.substr(start, 10) == "/usr/sbin/" ||
         s.substr(start, 15) == "/usr/local/bin/" || s.substr(start, e - start).find_first_of("?*[") != std::string_view::npos)) {
      hit = Hit{0, std::min<std::size_t>(v.text.size(), 64), "path to a program"};
      return true;
    }
  }
  if (!v.has(kSemi | kPipe | kAmp | kBacktick | kDollar | kNewline | kBrace | kLt | kGt))
    return false;
  // Command substitution anywhere in a value that is not free text: "$(printf ...|rev)",
  // "`id`", after any padding. jQuery's "$(document)" names no program.
  if (v.has(kDollar | kBacktick) && !looks_like_prose(v.lower)) {
    const std::size_t last_paren = s.rfind(')'), last_tick = s.rfind('`');
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::size_t after = std::string_view::npos;
      if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '(' && (i + 2 >= s.size() || s[i + 2] != '(')) after = i + 2;
      else if (s[i] == '`') after = i + 1;
      if (after == std::string_view::npos) continue;
      while (after < s.size() && s[after] == ' ') ++after;
      std::size_t e = after;
      while (e < s.size() && (word_char(s[e]) || s[e] == '/')) ++e;
      std::string_view w = s.substr(after, e - after);
      if (const std::size_t sl = w.rfind('/'); sl != std::string_view::npos) w = w.substr(sl + 1);
      if (w.size() < 2 || !known_command(w)) continue;
      if (e < s.size() && s[e] != ' ' && s[e] != ')' && s[e] != '`' && s[e] != ';' && s[e] != '|') continue;
      // The substitution closes, as a shell needs it to.
      const std::size_t last = s[i] == '$' ? last_paren : last_tick;
      if (last == std::string_view::npos || last < e) continue;
      hit = Hit{i, std::min<std::size_t>(64, v.text.size() - std::min(i, v.text.size())), "command substitution"};
      return true;
    }
  }
  // The first command start, if near the beginning (an argument then syntax).
  constexpr std::size_t kNear = 48;
  std::size_t words = 0;
  std::size_t separators = 0;
  for (std::size_t i = 0; i < s.size() && i < kNear + 8; ++i) {
    const char c = s[i];
    if (c == ' ') {
      ++words;
      if (words > 3) break;
      continue;
    }
    std::size_t after = std::string_view::npos;
    if (c == ';' || c == '\n' || c == '`') {
      after = i + 1;
    } else if (c == '|' || c == '&') {
      after = (i + 1 < s.size() && s[i + 1] == c) ? i + 2 : i + 1;
    } else if ((c == '$' || c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == '(') {
      after = i + 2;
    } else if (c == '{' && i + 1 < s.size() && s.find(',', i) != std::string_view::npos &&
               s.find(',', i) < i + 16) {
      after = i;  // {cat,/etc/passwd}, {,cat,/etc/passwd}: command_at reads the brace list
    }
    if (after == std::string_view::npos) continue;
    while (after < s.size() && (s[after] == ';' || s[after] == '|' || s[after] == '&' || s[after] == ' '))
      ++after;  // ";|id", "&& | dir"
    std::size_t e = command_at(s, after, c == '&');
    if (e == std::string_view::npos && i == start) {
      // The value opens with the separator: nothing else could explain it. Any argument.
      std::size_t p = after;
      while (p < s.size() && (s[p] == ' ' || s[p] == '{' || s[p] == '(')) ++p;
      std::size_t q = p;
      while (q < s.size() && (word_char(s[q]) || s[q] == '/')) ++q;
      std::string_view w = s.substr(p, q - p);
      if (const std::size_t sl = w.rfind('/'); sl != std::string_view::npos) w = w.substr(sl + 1);
      if (!w.empty() && known_command(w) && (q >= s.size() || s[q] == ' ')) e = q;
    }
    if (e != std::string_view::npos) {
      hit = Hit{0, std::min<std::size_t>(std::max(e, i + 1), 96), "command after shell syntax"};
      if (hit.pos + hit.len > v.text.size()) hit.len = v.text.size() - hit.pos;
      return true;
    }
    if (++separators >= 3) break;  // the first few separators near the start only
  }
  return false;
}

}  // namespace defender::cnaf::waf
