// exec_probe: a helper the supervisor tests run as (or under) the app. Each mode makes one
// kind of exec and reports the outcome on stdout ("exec ok" never prints: the exec replaced us).
//   execve PATH [ARGS...]       execve(PATH)
//   execveat DIR NAME           execveat(open(DIR), NAME)
//   emptypath PATH              execveat(open(PATH, O_PATH), "", AT_EMPTY_PATH)
//   memfd SRC                   copy SRC into a memfd and execveat it with AT_EMPTY_PATH
//   selfexe                     execve("/proc/self/exe", {"exec_probe", "hello"})
//   hello                       prints "hello"
//   mark FILE                   appends "ran\n" to FILE (the "denied" program of the race)
//   race ALLOWED DENIED FILE N  N children, each with a thread flipping the exec path between
//                               ALLOWED and DENIED while the main thread execs it; prints how
//                               many times DENIED ran (lines in FILE)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

extern char** environ;

namespace {

int report(const char* what) {
  const int error = errno;
  std::printf("%s: %s\n", what, strerrorname_np(error));
  std::fflush(stdout);
  return error == ENOENT ? 127 : 126;
}

int execveat_call(int dirfd, const char* path, char* const* argv, int flags) {
  return static_cast<int>(::syscall(SYS_execveat, dirfd, path, argv, environ, flags));
}

int race(const char* allowed, const char* denied, const char* mark_file, int count) {
  for (int i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      static char path[4096];
      std::strncpy(path, allowed, sizeof path - 1);
      std::atomic<bool> stop{false};
      std::thread flipper([&] {
        while (!stop.load(std::memory_order_relaxed)) {
          std::strncpy(path, denied, sizeof path - 1);
          std::strncpy(path, allowed, sizeof path - 1);
        }
      });
      char* argv[] = {const_cast<char*>("x"), const_cast<char*>("mark"), const_cast<char*>(mark_file), nullptr};
      execve(path, argv, environ);
      stop = true;
      flipper.join();
      _exit(126);
    }
    int status = 0;
    waitpid(pid, &status, 0);
  }
  FILE* file = std::fopen(mark_file, "r");
  int ran = 0;
  if (file != nullptr) {
    int c;
    while ((c = std::fgetc(file)) != EOF) ran += c == '\n';
    std::fclose(file);
  }
  std::printf("ran_denied=%d\n", ran);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string mode = argv[1];
  if (mode == "hello") {
    std::printf("hello\n");
    return 0;
  }
  if (mode == "mark" && argc >= 3) {
    FILE* file = std::fopen(argv[2], "a");
    if (file != nullptr) {
      std::fputs("ran\n", file);
      std::fclose(file);
    }
    return 0;
  }
  if (mode == "execve" && argc >= 3) {
    execv(argv[2], argv + 2);
    return report("execve");
  }
  if (mode == "execveat" && argc >= 4) {
    const int dir = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return report("open");
    char* args[] = {argv[3], nullptr};
    execveat_call(dir, argv[3], args, 0);
    return report("execveat");
  }
  if (mode == "emptypath" && argc >= 3) {
    const int fd = open(argv[2], O_PATH | O_CLOEXEC);
    if (fd < 0) return report("open");
    char* args[] = {argv[2], nullptr};
    execveat_call(fd, "", args, AT_EMPTY_PATH);
    return report("execveat(AT_EMPTY_PATH)");
  }
  if (mode == "memfd" && argc >= 3) {
    const int src = open(argv[2], O_RDONLY | O_CLOEXEC);
    const int mem = memfd_create("probe", 0);  // not CLOEXEC: fexecve of a script needs it open
    if (src < 0 || mem < 0) return report("open/memfd_create");
    char buffer[65536];
    ssize_t n;
    while ((n = read(src, buffer, sizeof buffer)) > 0) {
      if (write(mem, buffer, static_cast<std::size_t>(n)) != n) return report("write");
    }
    char* args[] = {const_cast<char*>("probe"), nullptr};
    execveat_call(mem, "", args, AT_EMPTY_PATH);
    return report("execveat(memfd)");
  }
  if (mode == "selfexe") {
    char* args[] = {const_cast<char*>("exec_probe"), const_cast<char*>("hello"), nullptr};
    execv("/proc/self/exe", args);
    return report("execve(/proc/self/exe)");
  }
  if (mode == "race" && argc >= 6) return race(argv[2], argv[3], argv[4], std::atoi(argv[5]));
  std::fprintf(stderr, "exec_probe: bad mode\n");
  return 2;
}
