// Helpers for tests that drive real processes and sockets: temp folders, free loopback ports,
// the defender binary run to completion or kept running in the background.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace defender::testing {

using namespace std::chrono_literals;

std::string defender_bin();  // $DEFENDER_BIN, else the one this build made
std::string source_dir();    // $DEFENDER_SOURCE_DIR, else this checkout
std::string shared_dir();    // $DEFENDER_SHARED_DIR, else ../shared beside the checkout

// A fresh folder under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name (creating folders) and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, then released).
std::uint16_t free_port(int socket_type = 1 /* SOCK_STREAM */);
// Polls until something accepts TCP connections on 127.0.0.1:port.
bool wait_for_tcp_port(std::uint16_t port, std::chrono::milliseconds timeout = 10s);

struct RunResult {
  int status = -1;  // exit code, or 128+N after death by signal N, -1 when timed out
  std::string out;
  std::string err;
};
// Runs argv to completion (killed after `timeout`), with `input` on stdin and `env` added.
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s,
              const std::string& input = "", const std::vector<std::string>& env = {});

// A child process running in the background; stdout/stderr go to files that tests can read
// while it runs. Killed (SIGKILL) and reaped on destruction if still running.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Exit status (or 128+N) once it ended, nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string out() const;
  std::string err() const;
  // Polls stdout and stderr until `needle` appears.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout = 10s) const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace defender::testing
