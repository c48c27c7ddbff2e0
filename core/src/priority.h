// Reload work at a lower CPU priority (the reload_nice setting, docs/supervisor.md "CPU
// priority of reload work"). While a reload runs, the manager works at base + reload_nice; a
// successor inherits that nice value until it is ready to serve (after onWorkerStart) and then
// returns to base; a worker leaving because of a reload takes the lower priority for its
// teardown. Under a saturated CPU the reload yields to the processes serving traffic; on an idle
// machine nice makes no difference.
#pragma once

#include <string>

namespace swkit::detail {

struct ReloadPriority {
  int base = 0;           // the master's nice value at start()
  int reload = 0;         // the nice value of reload work
  bool active = false;    // reload_nice > 0 and successors can return to base
  std::string inert_why;  // reload_nice > 0 but inactive: why
};

// Any process. Whether a process may lower its nice value to `target`: with CAP_SYS_NICE, or when
// RLIMIT_NICE allows it (the limit r permits nice values down to 20 - r).
bool may_lower_nice_to(int target, long long rlimit_nice, bool cap_sys_nice);

// In the master at start(): reads the base nice value, the privileges, and decides.
ReloadPriority plan_reload_priority(int reload_nice);

// In a worker or user process: a successor ready to serve (or a user process, never reload
// work) goes back to the base priority.
void leave_reload_priority(const ReloadPriority& p);

// Any process. Sets the calling process's nice value; logs a warning when the kernel refuses.
void set_own_nice(int nice);
// Any process. The calling process's nice value.
int own_nice();

}  // namespace swkit::detail
