#include "reload_pace.h"

#include <time.h>

#include <algorithm>

namespace swkit::detail {

int64_t process_cpu_ns(pid_t pid) {
  clockid_t clock = CLOCK_PROCESS_CPUTIME_ID;
  if (pid != 0 && clock_getcpuclockid(pid, &clock) != 0) return -1;
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t step_pause_ms(int64_t step_cpu_ns, bool traffic, int percent) {
  if (!traffic || percent >= 100 || percent <= 0 || step_cpu_ns <= 0) return 0;
  // cpu / (cpu + pause) <= percent / 100
  const int64_t pause_ns = step_cpu_ns * (100 - percent) / percent;
  return std::min<int64_t>(kMaxStepPauseMs, (pause_ns + 999999) / 1000000);
}

}  // namespace swkit::detail
