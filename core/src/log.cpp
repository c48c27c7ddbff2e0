#include "log.h"

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

void rebuild() {
  spdlog::sink_ptr sink;
  if (g_file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(g_file, false);
  }
  auto logger = std::make_shared<spdlog::logger>("swkit", sink);
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e %P " + g_role + "] %^%l%$ %v");
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

void set_log_role(const std::string& role) {
  g_role = role;
  rebuild();
}

void reopen_log() {
  rebuild();
}

void flush_log() {
  spdlog::default_logger()->flush();
}

}  // namespace swkit::detail
