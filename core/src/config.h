// The validated, typed form of Settings that the runtime reads. Internal to core.
#pragma once

#include <string>

#include "swkit/framing.h"
#include "swkit/settings.h"

namespace swkit::detail {

enum class Framing { None, Length, Eof };

struct Config {
  int reactor_num = 0;  // 0 = default: min(cpu count, worker_num)
  int worker_num = 0;   // 0 = default: cpu count
  int backlog = 512;
  int max_connection = 0;  // 0 = default: min(100000, RLIMIT_NOFILE)
  int dispatch_mode = 2;
  bool open_tcp_nodelay = false;
  std::string log_file;
  int log_level = 2;  // SWOOLE_LOG_INFO
  std::string pid_file;
  bool daemonize = false;
  long long package_max_length = 2 * 1024 * 1024;
  long long buffer_output_size = 2 * 1024 * 1024;
  long long socket_buffer_size = 8 * 1024 * 1024;
  bool open_length_check = false;
  char package_length_type = 'N';
  int package_length_offset = 0;
  int package_body_offset = 0;
  bool open_eof_check = false;
  std::string package_eof = "\r\n";
  bool enable_unsafe_event = false;
  bool enable_delay_receive = false;  // a new connection is read only after confirm()
  double max_wait_time = 3.0;
  // Heartbeat (seconds, 0 = off): a connection with nothing received for heartbeat_idle_time
  // is closed by its owner, checked every heartbeat_check_interval. Either one implies the
  // other (idle = 2 x interval; interval = idle / 2), as in Swoole.
  int heartbeat_check_interval = 0;
  int heartbeat_idle_time = 0;
  // Supervisor.
  long long max_request = 0;         // 0 = never recycle
  long long max_request_grace = -1;  // -1 = default: max_request / 2
  bool reload_async = false;         // false: rolling reload; true: parallel
  // Reload work (the manager during a reload, successors until they serve, leaving workers)
  // runs this much nicer than the server (priority.h); 0 = same priority.
  int reload_nice = 19;
  // A rolling reload's work takes at most this share of one CPU while the workers handle
  // requests (reload_pace.h); 100 = no pacing.
  int reload_cpu_percent = 25;
  // Task workers.
  int task_worker_num = 0;
  int task_ipc_mode = 1;             // 1 unix socket per worker, 2 (mapped onto 1), 3 preemptive
  std::string task_tmpdir = "/tmp";  // task_ipc_mode 3: payloads beyond one datagram
  long long task_max_request = 0;
  long long task_max_request_grace = -1;
  // Control plane: empty = no admin endpoint.
  std::string admin_server;
  std::string admin_token_file;

  long long grace_for(long long limit, long long grace) const {
    return grace >= 0 ? grace : limit / 2;
  }

  Framing framing() const {
    if (open_length_check) return Framing::Length;
    if (open_eof_check) return Framing::Eof;
    return Framing::None;
  }
};

// Validates and stores one key. Throws ConfigError naming the key and the accepted range.
void apply_setting(Config& cfg, const std::string& key, const SettingValue& value);

// Port::set(): one protocol key (framing, package_max_length, open_tcp_nodelay). Throws
// ConfigError naming the key and the keys a port takes for any other.
void apply_port_setting(Config& proto, const std::string& key, const SettingValue& value);
// Copies the protocol keys (the ones a port takes) from one config to another.
void copy_protocol(const Config& from, Config& to);
// Checks protocol settings against each other. Throws ConfigError.
void check_protocol(const Config& cfg);

// Fills the defaults that depend on the machine (cpu count, fd limit) and checks the settings
// against each other. Throws ConfigError.
void finalize_config(Config& cfg);

}  // namespace swkit::detail
