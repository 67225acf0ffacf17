#include "tests/supervisor/scripted_app.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/supervisor/rasp_fixture.h"

namespace defender::testing {

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

ScriptedApp::ScriptedApp(const std::string& folder, const std::string& policy, const std::vector<std::string>& env,
                         const std::vector<std::string>& extra_flags)
    : folder_(folder), fifo_(folder + "/commands"), statuses_(folder + "/statuses") {
  std::filesystem::create_directories(folder);
  if (::mkfifo(fifo_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo: " + std::string(std::strerror(errno)));
  write_policy(policy);
  // `read` reopens the FIFO for every line; a signal (SIGHUP, trapped) interrupting that open
  // only means reading again.
  const std::string script = "trap \"echo hup >> " + sh_quote(folder + "/hups") + "\" HUP; " +
                             "while :; do read -r line < " + sh_quote(fifo_) + " || continue; " +
                             "[ \"$line\" = quit ] && exit 0; $line >/dev/null 2>&1; echo \"$?\" >> " +
                             sh_quote(statuses_) + "; done";
  std::vector<std::string> argv{defender_bin(), "rasp", "--no-dns", "--no-cnaf", "--policy", folder + "/policy.yaml"};
  if (std::find(extra_flags.begin(), extra_flags.end(), "--metrics-listen") == extra_flags.end()) {
    argv.insert(argv.end(), {"--metrics-listen", ""});
  }
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.insert(argv.end(), {"--", "sh", "-c", script});
  std::vector<std::string> all_env{"DATA_FOLDER=" + folder};
  all_env.insert(all_env.end(), env.begin(), env.end());
  process_ = std::make_unique<Process>(argv, all_env);
}

ScriptedApp::~ScriptedApp() {
  if (process_->running()) {
    process_->signal(SIGTERM);
    process_->wait(20s);
  }
}

void ScriptedApp::write_policy(const std::string& policy) const {
  const std::string path = folder_ + "/policy.yaml";
  const std::string temporary = path + ".new";
  std::ofstream(temporary) << policy;
  std::filesystem::rename(temporary, path);
}

bool ScriptedApp::send(const std::string& line) {
  int fd = -1;
  // The shell may be between two reads (no reader: ENXIO) for a moment.
  if (!eventually([&] {
        fd = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return fd >= 0 || !process_->running();
      }, 20s) || fd < 0) {
    return false;
  }
  const std::string text = line + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return written;
}

int ScriptedApp::exec(const std::string& command) {
  const std::size_t before = statuses().size();
  if (!send(command) || !eventually([&] { return statuses().size() > before; }, 20s)) return -1;
  return statuses()[before];
}

std::size_t ScriptedApp::hangups() const {
  const std::string text = read_file(folder_ + "/hups");
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

bool ScriptedApp::quit() { return send("quit"); }

std::vector<int> ScriptedApp::statuses() const {
  std::vector<int> out;
  std::istringstream in(read_file(statuses_));
  int status = 0;
  while (in >> status) out.push_back(status);
  return out;
}

std::vector<nlohmann::json> ScriptedApp::events() const { return read_events(folder_ + "/events.jsonl"); }

bool ScriptedApp::has_event(const std::function<bool(const nlohmann::json&)>& match) const {
  for (const auto& event : events()) {
    if (match(event)) return true;
  }
  return false;
}

}  // namespace defender::testing
