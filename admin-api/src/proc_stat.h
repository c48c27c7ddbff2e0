// What /proc says about a process: resident memory, CPU time, uptime, state.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>

namespace swkit::admin {

struct ProcSample {
  bool ok = false;
  char state = '?';  // R, S, D, Z, ...
  int64_t rss_bytes = 0;
  double cpu_seconds = 0;  // user + system
  double uptime = 0;       // seconds since the process started
};

ProcSample read_proc(pid_t pid);

// CPU % per pid between two calls (since the process started on the first call), for
// /v1/workers and swctl's live view. Thread safe: the admin endpoint serves on several threads.
class CpuTracker {
 public:
  double percent(pid_t pid, const ProcSample& now);

 private:
  struct Last {
    double cpu_seconds;
    double uptime;
  };
  std::mutex mu_;
  std::map<pid_t, Last> last_;
};

}  // namespace swkit::admin
