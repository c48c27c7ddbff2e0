#include "priority.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "log.h"

namespace swkit::detail {

namespace {

// CAP_SYS_NICE (bit 23) in the effective set, from /proc/self/status.
bool has_cap_sys_nice() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      const unsigned long long caps = std::stoull(line.substr(7), nullptr, 16);
      return (caps >> 23) & 1U;
    }
  }
  return false;
}

}  // namespace

bool may_lower_nice_to(int target, long long rlimit_nice, bool cap_sys_nice) {
  if (cap_sys_nice) return true;
  if (rlimit_nice == static_cast<long long>(RLIM_INFINITY)) return true;
  return 20 - target <= rlimit_nice;
}

int own_nice() {
  errno = 0;
  const int n = getpriority(PRIO_PROCESS, 0);
  return errno == 0 ? n : 0;
}

void set_own_nice(int nice) {
  if (setpriority(PRIO_PROCESS, 0, nice) != 0) {
    log_warn("setpriority({}): {}", nice, std::strerror(errno));
  }
}

void leave_reload_priority(const ReloadPriority& p) {
  if (p.active && own_nice() != p.base) set_own_nice(p.base);
}

ReloadPriority plan_reload_priority(int reload_nice) {
  ReloadPriority p;
  p.base = own_nice();
  p.reload = std::min(19, p.base + reload_nice);
  if (reload_nice <= 0 || p.reload == p.base) return p;
  rlimit lim{};
  getrlimit(RLIMIT_NICE, &lim);
  if (!may_lower_nice_to(p.base, static_cast<long long>(lim.rlim_cur), has_cap_sys_nice())) {
    p.inert_why = "a successor could not return from nice " + std::to_string(p.reload) + " to " +
                  std::to_string(p.base) +
                  " (it needs CAP_SYS_NICE or RLIMIT_NICE >= " + std::to_string(20 - p.base) +
                  ", systemd: LimitNICE=" + std::to_string(20 - p.base) +
                  "); reload work runs at the normal priority";
    return p;
  }
  p.active = true;
  return p;
}

}  // namespace swkit::detail
