#include "config.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "swkit/errors.h"

namespace swkit {

std::string to_string(const SettingValue& v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(long long i) const { return std::to_string(i); }
    std::string operator()(double d) const { return std::to_string(d); }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
  };
  return std::visit(Visitor{}, v);
}

std::string admin_socket_beside(const std::string& pid_file) {
  std::string base = pid_file;
  const size_t slash = base.rfind('/');
  const size_t dot = base.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash + 1)) {
    base.resize(dot);
  }
  return base + ".admin.sock";
}

AdminAddress parse_admin_server(const std::string& value, const std::string& pid_file) {
  auto bad = [&](const std::string& why) -> ConfigError {
    return ConfigError(
        "set(): 'admin_server' must be \"unix\" (beside pid_file), "
        "\"unix:/absolute/path\", \"127.0.0.1:PORT\", \"[::1]:PORT\" or "
        "\"localhost:PORT\" (PORT in [1, 65535]); " +
        why + ", got \"" + value + "\"");
  };
  AdminAddress a;
  if (value == "unix") {
    if (pid_file.empty()) throw bad("\"unix\" needs pid_file to be set");
    a.path = admin_socket_beside(pid_file);
    return a;
  }
  if (value.rfind("unix:", 0) == 0) {
    a.path = value.substr(5);
    if (a.path.empty() || a.path[0] != '/') throw bad("the socket path must be absolute");
    if (a.path.size() > 107) throw bad("the socket path is longer than 107 bytes");
    return a;
  }
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) throw bad("no port");
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host != "127.0.0.1" && host != "::1" && host != "localhost") {
    throw bad("the admin endpoint listens on loopback only");
  }
  const std::string port = value.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw bad("bad port");
  }
  a.unix_socket = false;
  a.host = host == "localhost" ? "127.0.0.1" : host;
  a.port = std::stoi(port);
  if (a.port < 1 || a.port > 65535) throw bad("bad port");
  return a;
}

}  // namespace swkit

namespace swkit::detail {

namespace {

[[noreturn]] void refuse(const std::string& key, const std::string& expected,
                         const SettingValue& got) {
  throw ConfigError("set(): '" + key + "' must be " + expected + ", got " + to_string(got));
}

long long int_in(const std::string& key, const SettingValue& v, long long lo, long long hi) {
  const std::string range =
      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  long long n = 0;
  if (const auto* i = std::get_if<long long>(&v)) {
    n = *i;
  } else if (const auto* d = std::get_if<double>(&v); d && *d == static_cast<long long>(*d)) {
    n = static_cast<long long>(*d);
  } else {
    refuse(key, range, v);
  }
  if (n < lo || n > hi) refuse(key, range, v);
  return n;
}

double number_in(const std::string& key, const SettingValue& v, double lo, double hi) {
  const std::string range = "a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  double n = 0;
  if (const auto* i = std::get_if<long long>(&v)) {
    n = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    n = *d;
  } else {
    refuse(key, range, v);
  }
  if (n < lo || n > hi) refuse(key, range, v);
  return n;
}

bool boolean(const std::string& key, const SettingValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  if (const auto* i = std::get_if<long long>(&v); i && (*i == 0 || *i == 1)) return *i == 1;
  refuse(key, "a boolean (true/false)", v);
}

std::string text(const std::string& key, const SettingValue& v, size_t min_len, size_t max_len) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s || s->size() < min_len || s->size() > max_len) {
    refuse(key,
           "a string of " + std::to_string(min_len) + " to " + std::to_string(max_len) + " bytes",
           v);
  }
  return *s;
}

constexpr long long kGiB = 1024LL * 1024 * 1024;

using Setter = std::function<void(Config&, const std::string&, const SettingValue&)>;

const std::unordered_map<std::string, Setter>& setters() {
  static const std::unordered_map<std::string, Setter> table = {
      {"reactor_num", [](Config& c, auto& k, auto& v) { c.reactor_num = int_in(k, v, 1, 256); }},
      {"worker_num", [](Config& c, auto& k, auto& v) { c.worker_num = int_in(k, v, 1, 1024); }},
      {"backlog", [](Config& c, auto& k, auto& v) { c.backlog = int_in(k, v, 1, 65535); }},
      {"max_connection",
       [](Config& c, auto& k, auto& v) { c.max_connection = int_in(k, v, 1, 1000000); }},
      {"max_conn",
       [](Config& c, auto& k, auto& v) { c.max_connection = int_in(k, v, 1, 1000000); }},
      {"dispatch_mode",
       [](Config& c, auto& k, auto& v) {
         const long long m = int_in(k, v, 1, 10);
         if (m > 5) {
           refuse(k,
                  "1 (round robin), 2 (fd modulo), 3 (idle worker), 4 (ip modulo) or 5 (uid "
                  "modulo)",
                  v);
         }
         c.dispatch_mode = static_cast<int>(m);
       }},
      {"open_tcp_nodelay", [](Config& c, auto& k, auto& v) { c.open_tcp_nodelay = boolean(k, v); }},
      {"log_file", [](Config& c, auto& k, auto& v) { c.log_file = text(k, v, 0, 4096); }},
      {"log_level", [](Config& c, auto& k, auto& v) { c.log_level = int_in(k, v, 0, 6); }},
      {"pid_file", [](Config& c, auto& k, auto& v) { c.pid_file = text(k, v, 0, 4096); }},
      {"daemonize", [](Config& c, auto& k, auto& v) { c.daemonize = boolean(k, v); }},
      {"package_max_length",
       [](Config& c, auto& k, auto& v) { c.package_max_length = int_in(k, v, 1, kGiB); }},
      {"buffer_output_size",
       [](Config& c, auto& k, auto& v) { c.buffer_output_size = int_in(k, v, 1, kGiB); }},
      {"socket_buffer_size",
       [](Config& c, auto& k, auto& v) { c.socket_buffer_size = int_in(k, v, 1, kGiB); }},
      {"open_length_check",
       [](Config& c, auto& k, auto& v) { c.open_length_check = boolean(k, v); }},
      {"package_length_type",
       [](Config& c, auto& k, auto& v) {
         const std::string t = text(k, v, 1, 1);
         if (length_type_size(t[0]) == 0) refuse(k, "one of c C s S n v l L N V", v);
         c.package_length_type = t[0];
       }},
      {"package_length_offset",
       [](Config& c, auto& k, auto& v) { c.package_length_offset = int_in(k, v, 0, 65535); }},
      {"package_body_offset",
       [](Config& c, auto& k, auto& v) { c.package_body_offset = int_in(k, v, 0, 65535); }},
      {"open_eof_check", [](Config& c, auto& k, auto& v) { c.open_eof_check = boolean(k, v); }},
      // swkit always splits at each package_eof (docs/api-semantics.md), so both names set it.
      {"open_eof_split", [](Config& c, auto& k, auto& v) { c.open_eof_check = boolean(k, v); }},
      {"package_eof", [](Config& c, auto& k, auto& v) { c.package_eof = text(k, v, 1, 8); }},
      {"enable_delay_receive",
       [](Config& c, auto& k, auto& v) { c.enable_delay_receive = boolean(k, v); }},
      {"enable_unsafe_event",
       [](Config& c, auto& k, auto& v) { c.enable_unsafe_event = boolean(k, v); }},
      {"max_request",
       [](Config& c, auto& k, auto& v) { c.max_request = int_in(k, v, 0, 1LL << 40); }},
      {"max_request_grace",
       [](Config& c, auto& k, auto& v) { c.max_request_grace = int_in(k, v, 0, 1LL << 40); }},
      {"reload_async", [](Config& c, auto& k, auto& v) { c.reload_async = boolean(k, v); }},
      {"reload_nice", [](Config& c, auto& k, auto& v) { c.reload_nice = int_in(k, v, 0, 19); }},
      {"reload_cpu_percent",
       [](Config& c, auto& k, auto& v) { c.reload_cpu_percent = int_in(k, v, 1, 100); }},
      {"task_worker_num",
       [](Config& c, auto& k, auto& v) { c.task_worker_num = int_in(k, v, 0, 1024); }},
      {"task_ipc_mode", [](Config& c, auto& k, auto& v) { c.task_ipc_mode = int_in(k, v, 1, 3); }},
      {"task_tmpdir", [](Config& c, auto& k, auto& v) { c.task_tmpdir = text(k, v, 1, 4000); }},
      {"task_max_request",
       [](Config& c, auto& k, auto& v) { c.task_max_request = int_in(k, v, 0, 1LL << 40); }},
      {"task_max_request_grace",
       [](Config& c, auto& k, auto& v) { c.task_max_request_grace = int_in(k, v, 0, 1LL << 40); }},
      {"admin_server",
       [](Config& c, auto& k, auto& v) {
         c.admin_server = text(k, v, 0, 4096);
         if (!c.admin_server.empty()) parse_admin_server(c.admin_server, "/check.pid");
       }},
      {"admin_token_file",
       [](Config& c, auto& k, auto& v) { c.admin_token_file = text(k, v, 0, 4096); }},
      {"heartbeat_check_interval",
       [](Config& c, auto& k, auto& v) { c.heartbeat_check_interval = int_in(k, v, 0, 86400); }},
      {"heartbeat_idle_time",
       [](Config& c, auto& k, auto& v) { c.heartbeat_idle_time = int_in(k, v, 0, 86400 * 7); }},
      {"max_wait_time",
       [](Config& c, auto& k, auto& v) { c.max_wait_time = number_in(k, v, 0.001, 3600); }},
  };
  return table;
}

// Swoole settings that swkit knows but does not implement yet: refused by name rather than
// accepted and ignored.
const std::set<std::string_view>& known_unimplemented() {
  static const std::set<std::string_view> keys = {"ssl_cert_file",
                                                  "ssl_key_file",
                                                  "user",
                                                  "group",
                                                  "chroot",
                                                  "open_http_protocol",
                                                  "open_websocket_protocol",
                                                  "enable_coroutine",
                                                  "task_enable_coroutine",
                                                  "stats_file",
                                                  "enable_reuse_port",
                                                  "open_mqtt_protocol",
                                                  "open_redis_protocol",
                                                  "max_queued_bytes"};
  return keys;
}

}  // namespace

void apply_setting(Config& cfg, const std::string& key, const SettingValue& value) {
  const auto& table = setters();
  if (auto it = table.find(key); it != table.end()) {
    it->second(cfg, key, value);
    return;
  }
  if (known_unimplemented().count(key)) {
    throw ConfigError("set(): '" + key + "' is a Swoole setting that swkit does not implement yet");
  }
  std::string names;
  std::set<std::string> sorted;
  for (const auto& [name, setter] : table) sorted.insert(name);
  for (const auto& name : sorted) names += (names.empty() ? "" : ", ") + name;
  throw ConfigError("set(): unknown setting '" + key + "'; known settings: " + names);
}

// The keys a port's own set() takes: how its connections are framed.
static const std::set<std::string, std::less<>>& port_keys() {
  static const std::set<std::string, std::less<>> keys = {
      "open_length_check",   "package_length_type", "package_length_offset",
      "package_body_offset", "open_eof_check",      "open_eof_split",
      "package_eof",         "package_max_length",  "open_tcp_nodelay"};
  return keys;
}

void check_protocol(const Config& cfg) {
  if (cfg.open_length_check) {
    const int size = length_type_size(cfg.package_length_type);
    if (cfg.package_length_offset + size > 65535) {
      throw ConfigError("set(): 'package_length_offset' leaves no room for the length field");
    }
  }
}

void apply_port_setting(Config& proto, const std::string& key, const SettingValue& value) {
  if (!port_keys().count(key)) {
    std::string names;
    for (const auto& name : port_keys()) names += (names.empty() ? "" : ", ") + name;
    throw ConfigError("Port::set(): '" + key +
                      "' is not a port setting (set it on the server); a port takes: " + names);
  }
  apply_setting(proto, key, value);
}

void copy_protocol(const Config& from, Config& to) {
  to.open_length_check = from.open_length_check;
  to.package_length_type = from.package_length_type;
  to.package_length_offset = from.package_length_offset;
  to.package_body_offset = from.package_body_offset;
  to.open_eof_check = from.open_eof_check;
  to.package_eof = from.package_eof;
  to.package_max_length = from.package_max_length;
  to.open_tcp_nodelay = from.open_tcp_nodelay;
}

void finalize_config(Config& cfg) {
  const int cpus = std::max(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  if (cfg.worker_num == 0) cfg.worker_num = cpus;
  if (cfg.reactor_num == 0) cfg.reactor_num = std::min(cpus, 8);
  // Swoole clamps reactor_num to worker_num: a reactor thread with no worker pipe is idle.
  cfg.reactor_num = std::min(cfg.reactor_num, cfg.worker_num);

  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  const long long fd_limit = lim.rlim_cur == RLIM_INFINITY ? 1000000 : lim.rlim_cur;
  if (cfg.max_connection == 0) {
    cfg.max_connection = static_cast<int>(std::min<long long>(100000, fd_limit));
  } else if (cfg.max_connection > fd_limit) {
    throw ConfigError("set(): 'max_connection' must be at most the open-file limit (ulimit -n = " +
                      std::to_string(fd_limit) + "), got " + std::to_string(cfg.max_connection));
  }
  if (cfg.heartbeat_idle_time > 0 && cfg.heartbeat_check_interval == 0) {
    cfg.heartbeat_check_interval = std::max(1, cfg.heartbeat_idle_time / 2);
  } else if (cfg.heartbeat_check_interval > 0 && cfg.heartbeat_idle_time == 0) {
    cfg.heartbeat_idle_time = 2 * cfg.heartbeat_check_interval;
  }
  if (!cfg.admin_server.empty()) {
    const AdminAddress a = parse_admin_server(cfg.admin_server, cfg.pid_file);
    if (!a.unix_socket && cfg.admin_token_file.empty()) {
      throw ConfigError(
          "set(): 'admin_token_file' is required when 'admin_server' listens on TCP (" +
          cfg.admin_server + "); a unix socket is guarded by its 0600 mode");
    }
  }
  check_protocol(cfg);
}

}  // namespace swkit::detail
