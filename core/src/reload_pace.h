// Pacing of rolling reloads under traffic (the reload_cpu_percent setting, docs/supervisor.md
// "Pacing under traffic"). The manager measures the CPU each rolling step costs (its own fork and
// bookkeeping, the successor's start-up through onWorkerStart, the old worker's teardown) and, when
// the workers handled requests during the step, waits before the next step long enough that the
// reload's work takes at most that share of one CPU (up to the cap on a pause). An idle server
// reloads at full speed.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace swkit::detail {

// Any process. The CPU time process `pid` (0: the calling one) has used, in nanoseconds; -1 when
// the kernel does not say (it has gone).
int64_t process_cpu_ns(pid_t pid);

// The longest pause after one rolling step.
constexpr int64_t kMaxStepPauseMs = 100;

// Pure. How long to wait after a rolling step that cost step_cpu_ns of CPU: none without
// traffic during the step or with percent 100; else enough that the step's CPU is at most
// percent of the step plus the pause, rounded up to whole ms, at most kMaxStepPauseMs.
int64_t step_pause_ms(int64_t step_cpu_ns, bool traffic, int percent);

}  // namespace swkit::detail
