#include "log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace swkit::detail {

namespace {
std::string g_role = "master";
std::string g_file;
int g_level = 2;

spdlog::level::level_enum to_spdlog(int swoole_level) {
  switch (swoole_level) {
    case 0:
      return spdlog::level::debug;
    case 1:
      return spdlog::level::trace;
    case 2:
    case 3:
      return spdlog::level::info;
    case 4:
      return spdlog::level::warn;
    case 5:
      return spdlog::level::err;
    default:
      return spdlog::level::off;
  }
}

// "%*" in the pattern: the process's role, read when a line is written, so that a forked child
// takes its new role by assigning g_role instead of building a logger (set_log_role: every
// worker a reload starts does it; building one costs it a fifth of its start-up CPU).
class RoleFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.append(g_role.data(), g_role.data() + g_role.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RoleFlag>();
  }
};

void rebuild() {
  spdlog::sink_ptr sink;
  if (g_file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(g_file, false);
  }
  auto logger = std::make_shared<spdlog::logger>("swkit", sink);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<RoleFlag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e %P %*] %^%l%$ %v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(to_spdlog(g_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}
}  // namespace

void init_logging(const std::string& role, const std::string& log_file, int swoole_level) {
  g_role = role;
  g_file = log_file;
  g_level = swoole_level;
  rebuild();
}

void set_log_level(int swoole_level) {
  g_level = swoole_level;
  spdlog::default_logger()->set_level(to_spdlog(g_level));
}

// Only in a single-threaded process (a child just forked by one): no line is being written.
void set_log_role(const std::string& role) {
  g_role = role;
}

void reopen_log() {
  rebuild();
}

void flush_log() {
  spdlog::default_logger()->flush();
}

}  // namespace swkit::detail
