// bench_exec_loop N [PROGRAM]: fork+exec PROGRAM (default /bin/true) N times, one after the
// other, and print "execs=N seconds=S per_second=R". Run bare and under `defender rasp` to
// compare (bench/supervisor/run.sh).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

extern char** environ;

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 2000;
  const char* program = argc > 2 ? argv[2] : "/bin/true";
  char* args[] = {const_cast<char*>(program), nullptr};
  const auto start = std::chrono::steady_clock::now();
  long failed = 0;
  for (long i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      execve(program, args, environ);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("execs=%ld failed=%ld seconds=%.3f per_second=%.0f\n", count, failed, seconds, count / seconds);
  return failed == 0 ? 0 : 1;
}
