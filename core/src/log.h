// Logging: spdlog, one line per event, "[time pid role] LEVEL message" (DESIGN §8).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace swkit::detail {

// Sets up the process-wide logger. Call again after fork with the child's role. Swoole's
// log_level: 0 debug, 1 trace, 2 info, 3 notice, 4 warning, 5 error, 6 none.
void init_logging(const std::string& role, const std::string& log_file, int swoole_level);
void set_log_role(const std::string& role);
// Changes the level at once (set() applies log_level before start()).
void set_log_level(int swoole_level);
// Reopens log_file (SIGWINCH/SIGRTMIN, for logrotate).
void reopen_log();
void flush_log();

template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
  spdlog::debug(f, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  spdlog::info(f, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  spdlog::warn(f, std::forward<Args>(args)...);
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  spdlog::error(f, std::forward<Args>(args)...);
}

}  // namespace swkit::detail
