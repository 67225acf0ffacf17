#include "cnaf/waf/transforms/transforms.h"

#include <cstdint>

#include "cnaf/waf/simd.h"

namespace defender::cnaf::waf {
namespace {

void blank(std::string& out, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to && i < out.size(); ++i)
    if (out[i] != '\n') out[i] = ' ';
}

}  // namespace

bool looks_like_prose(std::string_view text) {
  // A line break counts between two lines of text: a newline before or after a single line
  // ("`id`\n") makes no paragraph, and must not make code look like a post.
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  const std::size_t last = text.find_last_not_of(" \t\r\n");
  // Sixteen bytes at a time; six blanks decide it.
  std::size_t spaces = 0, i = first;
  for (; i + 16 <= last + 1; i += 16) {
    const simd::Bytes v = simd::load(text.data() + i);
    if (simd::bits(simd::equal(v, '\n')) != 0) return true;
    for (std::uint32_t m = simd::bits(simd::equal(v, ' ')); m != 0; m &= m - 1) ++spaces;
    if (spaces >= 6) return true;
  }
  for (; i <= last && spaces < 6; ++i) {
    if (text[i] == '\n') return true;
    spaces += text[i] == ' ';
  }
  return spaces >= 6;
}

bool mask_code(std::string_view in, std::string& out) {
  out.assign(in.data(), in.size());
  bool changed = false;
  std::size_t i = 0;
  std::size_t next_nl = in.find('\n');       // cached: each search moves forward only
  bool blocks_closed = true;                  // false once a <pre>/<code> has no closing tag
  std::size_t code_eol = std::string_view::npos;  // end of the last indented code line masked
  while (i < in.size()) {
    if (next_nl != std::string_view::npos && next_nl < i) next_nl = in.find('\n', i);
    const char c0 = in[i];
    // HTML <pre>/<code> whose content holds no raw tag: escaped code shown as text.
    if (c0 == '<' && blocks_closed && (in.compare(i, 5, "<code") == 0 || in.compare(i, 4, "<pre") == 0)) {
      const bool pre = in.compare(i, 4, "<pre") == 0;
      const std::size_t open_end = in.find('>', i);
      const std::size_t close = in.find(pre ? "</pre>" : "</code>", i);
      if (close == std::string_view::npos || open_end == std::string_view::npos) blocks_closed = false;
      if (open_end != std::string_view::npos && close != std::string_view::npos && open_end < close) {
        const std::string_view content = in.substr(open_end + 1, close - open_end - 1);
        // Nested <code> inside <pre> is fine; any other tag keeps the block live.
        bool raw_tag = false;
        for (std::size_t k = content.find('<'); k != std::string_view::npos; k = content.find('<', k + 1))
          raw_tag |= content.compare(k, 5, "<code") != 0 && content.compare(k, 6, "</code") != 0;
        if (!raw_tag) {
          blank(out, open_end + 1, close);
          changed = true;
          i = close;
          continue;
        }
      }
    }
    if (c0 != '`' && c0 != '~' && c0 != '[' && c0 != ' ' && c0 != '\t') {
      ++i;
      continue;
    }
    // Markdown fences: ``` or ~~~ up to the closing fence (or the end).
    if ((in.compare(i, 3, "```") == 0 || in.compare(i, 3, "~~~") == 0) &&
        (i == 0 || in[i - 1] == '\n')) {
      const std::size_t close = in.find(in.substr(i, 3), i + 3);
      const std::size_t end = close == std::string_view::npos ? in.size() : close + 3;
      blank(out, i, end);
      changed = true;
      i = end;
      continue;
    }
    // Markdown inline code: `...` on one line.
    if (in[i] == '`') {
      const std::size_t line_end = next_nl == std::string_view::npos ? in.size() : next_nl;
      const std::size_t close = in.substr(0, line_end).find('`', i + 1);
      const std::size_t nl = next_nl;
      if (close != std::string_view::npos && close > i + 1 && (nl == std::string_view::npos || close < nl) &&
          close - i < 400) {
        blank(out, i, close + 1);
        changed = true;
        i = close + 1;
        continue;
      }
    }
    // BBCode [code]...[/code].
    if (in.compare(i, 6, "[code]") == 0 || in.compare(i, 6, "[CODE]") == 0 ||
        in.compare(i, 6, "[code=") == 0) {
      std::size_t close = in.find("[/code]", i + 6);
      if (close == std::string_view::npos) close = in.find("[/CODE]", i + 6);
      const std::size_t end = close == std::string_view::npos ? in.size() : close + 7;
      blank(out, i, end);
      changed = true;
      i = end;
      continue;
    }
    // Markdown indented code: a line starting with four blanks or a tab, after a blank line
    // or another indented code line (an indented line right after text continues that
    // paragraph: "src=j\n\ta\n\t\tv..." is not code).
    if (i > 0 && in[i - 1] == '\n' && (in.compare(i, 4, "    ") == 0 || in[i] == '\t')) {
      bool after_blank = true;  // the line before: blanks only (or none)
      for (std::size_t k = i - 1; k > 0 && in[k - 1] != '\n'; --k) {
        const char p = in[k - 1];
        if (p != ' ' && p != '\t' && p != '\r') {
          after_blank = false;
          break;
        }
      }
      if (after_blank || code_eol == i - 1) {
        std::size_t eol = next_nl;
        if (eol == std::string_view::npos) eol = in.size();
        blank(out, i, eol);
        changed = true;
        code_eol = eol;
        i = eol;
        continue;
      }
    }
    ++i;
  }
  return changed;
}

}  // namespace defender::cnaf::waf
