// bench_start_probe: prints the CLOCK_REALTIME microseconds at which it started, then, with
// "sleep N", sleeps N seconds (an idle app for the memory figure).
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::printf("started_us=%lld\n", static_cast<long long>(now.tv_sec) * 1000000LL + now.tv_nsec / 1000);
  std::fflush(stdout);
  if (argc > 2 && std::strcmp(argv[1], "sleep") == 0) sleep(static_cast<unsigned>(std::atoi(argv[2])));
  return 0;
}
