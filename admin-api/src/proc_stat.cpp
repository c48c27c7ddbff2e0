#include "proc_stat.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace swkit::admin {

namespace {

double system_uptime() {
  std::ifstream f("/proc/uptime");
  double up = 0;
  f >> up;
  return up;
}

}  // namespace

ProcSample read_proc(pid_t pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return s;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  // Field 3 is the state; utime and stime are 14 and 15, starttime 22, rss (pages) 24.
  long long utime = 0, stime = 0, starttime = 0, rss_pages = 0;
  for (int i = 3; i <= 24 && rest >> field; i++) {
    if (i == 3) s.state = field.empty() ? '?' : field[0];
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
    if (i == 22) starttime = std::stoll(field);
    if (i == 24) rss_pages = std::stoll(field);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  s.uptime = std::max(0.0, system_uptime() - static_cast<double>(starttime) / ticks);
  s.rss_bytes = rss_pages * sysconf(_SC_PAGESIZE);
  s.ok = true;
  return s;
}

double CpuTracker::percent(pid_t pid, const ProcSample& now) {
  if (!now.ok) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_.find(pid);
  double cpu = now.cpu_seconds, wall = now.uptime;
  if (it != last_.end() && now.uptime > it->second.uptime) {
    cpu -= it->second.cpu_seconds;
    wall -= it->second.uptime;
  }
  last_[pid] = {now.cpu_seconds, now.uptime};
  if (last_.size() > 4096) last_.clear();  // pids of long-gone processes
  return wall > 0 ? 100.0 * cpu / wall : 0;
}

}  // namespace swkit::admin
