// swctl: the operator CLI of a swkit server (ctl/README.md). A pure HTTP client of the admin
// endpoint (admin-api/README.md is the contract), with signals to the pid in --pid-file as the
// fallback when no endpoint is configured. One translation unit: CLI11 is slow to compile.
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "swkit/settings.h"

namespace {

// Keeps the fields in the order the server sent them.
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Exit codes that scripts can trust; the same text is in --help and ctl/README.md.
enum Exit : int {
  kOk = 0,
  kFailed = 1,        // the operation failed: non-clean reload, a command target failed, a
                      // server-side error (4xx other than 401, 5xx other than 504)
  kUsage = 2,         // bad command line (or an unusable --token-file / --data)
  kUnreachable = 3,   // no socket, no pid file, connection refused, server not running
  kUnauthorized = 4,  // 401: no or wrong bearer token
  kTimedOut = 5,      // 504, no reply within --timeout, or a --wait deadline
};

constexpr const char* kFooter = R"(Finding the server (one of):
  --socket PATH | --url http://127.0.0.1:PORT | --pid-file PATH
  (then the admin socket beside it: /run/app.pid -> /run/app.admin.sock; with no socket there,
  reload sends SIGUSR1 (SIGUSR2 with --task-only) and shutdown sends SIGTERM to the pid in it),
  else $SWCTL_SOCKET, else $SWCTL_URL. --token-file (or $SWCTL_TOKEN_FILE) sends its content
  as "Authorization: Bearer <token>".

Exit codes:
  0  success
  1  the operation failed (a reload with forced workers, a command target failed, a
     server-side error)
  2  usage error
  3  cannot reach the server (no socket, no pid file, connection refused, not running)
  4  authentication failed (401)
  5  timed out (504 from the server, no reply within --timeout, a --wait deadline)

Errors go to stderr as one line starting "swctl: "; --json puts the reply's data on stdout.)";

// The bound of one request where --timeout means a whole wait (reload, shutdown).
constexpr double kRequestTimeout = 10;

// Ends swctl with an exit code; the message goes to stderr as "swctl: message".
struct Failure : std::runtime_error {
  Failure(int exit_code, const std::string& message)
      : std::runtime_error(message), code(exit_code) {}
  int code;
};

// ---- small helpers ----

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  const size_t last = s.find_last_not_of(ws);
  s.erase(last == std::string::npos ? 0 : last + 1);
  return s;
}

int64_t int_of(const json& j, const char* key, int64_t fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : fallback;
}
double num_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}
bool bool_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
std::string str_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// A JSON value as a person reads it: strings bare, everything else as JSON.
std::string text_of(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 45s, 12m03s, 3h04m, 2d03h.
std::string duration_text(double seconds) {
  if (seconds < 0) seconds = 0;
  const auto s = static_cast<int64_t>(seconds);
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buf;
}

// 512 B, 1.5 KiB, 12.3 MiB.
std::string bytes_text(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (std::fabs(bytes) >= 1024 && u < 4) {
    bytes /= 1024;
    u++;
  }
  return (u == 0 ? fixed(bytes, 0) : fixed(bytes, 1)) + " " + units[u];
}

std::string local_time_text(double unix_seconds) {
  if (unix_seconds <= 0) return "-";
  const auto t = static_cast<time_t>(unix_seconds);
  tm local{};
  localtime_r(&t, &local);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

// A waitpid() status as "exit 3" or "signal KILL"; "-" when nothing has exited yet.
std::string exit_status_text(int64_t status, bool anything_exited) {
  const int st = static_cast<int>(status);
  if (st == 0 && !anything_exited) return "-";
  if (WIFSIGNALED(st)) {
    const char* name = sigabbrev_np(WTERMSIG(st));
    return std::string("signal ") + (name ? name : std::to_string(WTERMSIG(st)).c_str());
  }
  if (WIFEXITED(st)) return "exit " + std::to_string(WEXITSTATUS(st));
  return "status " + std::to_string(st);
}

// Left-aligned columns, each as wide as its widest cell.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); c++) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); c++) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size() && c < width.size(); c++) {
      text += cells[c];
      if (c + 1 < cells.size()) text += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    out << text << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
}

// Sleeps up to seconds, returning early (false) once *stop is set by a signal.
bool sleep_unless(double seconds, const volatile sig_atomic_t* stop) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seconds));
  while (Clock::now() < deadline) {
    if (stop && *stop) return false;
    const Clock::duration left = deadline - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(20)));
  }
  return !(stop && *stop);
}

volatile sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) {
  g_interrupted = 1;
}

// ---- processes (the --pid-file fallback and --wait for shutdown) ----

// Whether pid has exited: kill(pid, 0) says ESRCH, or /proc says it is a zombie (a process
// whose parent has not reaped it yet is gone for every purpose of an operator).
bool pid_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return false;  // no /proc (or another namespace): alive
  const size_t paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] == 'Z';
}

// The master's pid from the pid file; Failure(3) when there is no running server behind it.
pid_t read_pid_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    throw Failure(kUnreachable, "no pid file at " + path + " (is the server running?)");
  }
  std::string text;
  std::getline(f, text);
  text = trim(text);
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit) ||
      std::stol(text) <= 1) {
    throw Failure(kUnreachable, path + " does not hold a pid ('" + text + "')");
  }
  const auto pid = static_cast<pid_t>(std::stol(text));
  if (pid_gone(pid)) {
    throw Failure(kUnreachable, "the server is not running: pid " + text + " from " + path +
                                    " is gone (stale pid file)");
  }
  return pid;
}

// Polls until pid is gone; false when the deadline passes first.
bool wait_pid_gone(pid_t pid, double timeout_seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (!pid_gone(pid)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// ---- finding the server ----

struct GlobalOptions {
  std::string socket;
  std::string url;
  std::string pid_file;
  std::string token_file;
};

// Where the admin endpoint is (a unix socket or a URL), or only a pid to signal.
struct Target {
  std::string socket;
  std::string url;       // scheme://host:port
  std::string pid_file;  // given with --pid-file
  std::string token;

  bool has_endpoint() const { return !socket.empty() || !url.empty(); }
  std::string where() const { return socket.empty() ? url : socket; }
};

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::string read_token(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Failure(kUsage, "cannot read the token file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string token = trim(ss.str());
  if (token.empty()) throw Failure(kUsage, "the token file " + path + " is empty");
  return token;
}

std::string normalized_url(std::string url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw Failure(kUsage, "--url must look like http://127.0.0.1:PORT, got '" + url + "'");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t host_start = url.find("://") + 3;
  if (url.find('/', host_start) != std::string::npos || url.size() == host_start) {
    throw Failure(kUsage, "--url takes no path: http://HOST:PORT, got '" + url + "'");
  }
  return url;
}

Target resolve(const GlobalOptions& g) {
  const int given = !g.socket.empty() + !g.url.empty() + !g.pid_file.empty();
  if (given > 1) throw Failure(kUsage, "give only one of --socket, --url and --pid-file");
  Target t;
  const char* env_socket = std::getenv("SWCTL_SOCKET");
  const char* env_url = std::getenv("SWCTL_URL");
  if (!g.socket.empty()) {
    t.socket = g.socket;
  } else if (!g.url.empty()) {
    t.url = normalized_url(g.url);
  } else if (!g.pid_file.empty()) {
    t.pid_file = g.pid_file;
    const std::string beside = swkit::admin_socket_beside(g.pid_file);
    if (is_socket(beside)) t.socket = beside;  // else: signals only
  } else if (env_socket && *env_socket) {
    t.socket = env_socket;
  } else if (env_url && *env_url) {
    t.url = normalized_url(env_url);
  } else {
    throw Failure(kUsage,
                  "which server? give --socket PATH, --url http://127.0.0.1:PORT or --pid-file "
                  "PATH (or set SWCTL_SOCKET or SWCTL_URL)");
  }
  std::string token_file = g.token_file;
  if (token_file.empty()) {
    const char* env_token = std::getenv("SWCTL_TOKEN_FILE");
    if (env_token) token_file = env_token;
  }
  if (!token_file.empty()) t.token = read_token(token_file);
  return t;
}

// For the commands that need the endpoint (everything but reload and shutdown).
void require_endpoint(const Target& t, const std::string& command) {
  if (t.has_endpoint()) return;
  throw Failure(kUnreachable, command + " needs the admin endpoint, and there is no socket at " +
                                  swkit::admin_socket_beside(t.pid_file) +
                                  " (set admin_server in the server's settings; without it only "
                                  "reload and shutdown work, through signals)");
}

// ---- the admin endpoint client ----

class AdminClient {
 public:
  AdminClient(Target target, double timeout) : target_(std::move(target)), timeout_(timeout) {}

  void set_timeout(double seconds) { timeout_ = seconds; }

  // The envelope's data of a 2xx reply; Failure with the exit code that fits otherwise.
  json get(const std::string& path) { return data_of("GET", path, call("GET", path, "")); }
  json post(const std::string& path, const json& body) {
    return data_of("POST", path, call("POST", path, body.dump()));
  }

  struct Reply {
    int status = 0;
    json body;  // null when the reply was not JSON
    std::string text;
  };

  // One request; Failure only when no HTTP reply came back.
  Reply call(const std::string& method, const std::string& path, const std::string& body) {
    if (!target_.socket.empty() && !is_socket(target_.socket)) {
      throw Failure(kUnreachable, "no admin socket at " + target_.socket +
                                      " (is the server running, with admin_server set?)");
    }
    std::unique_ptr<httplib::Client> cli;
    httplib::Headers headers;
    if (!target_.socket.empty()) {
      cli = std::make_unique<httplib::Client>(target_.socket);
      cli->set_address_family(AF_UNIX);
      headers.emplace("Host", "localhost");
    } else {
      cli = std::make_unique<httplib::Client>(target_.url);
    }
    const auto whole = static_cast<time_t>(timeout_);
    const auto usec = static_cast<time_t>((timeout_ - static_cast<double>(whole)) * 1e6);
    cli->set_connection_timeout(whole, usec);
    cli->set_read_timeout(whole, usec);
    cli->set_write_timeout(whole, usec);
    if (!target_.token.empty()) headers.emplace("Authorization", "Bearer " + target_.token);

    const auto started = Clock::now();
    httplib::Result r = method == "GET"
                            ? cli->Get(path.c_str(), headers)
                            : cli->Post(path.c_str(), headers, body, "application/json");
    if (!r) {
      const double took = std::chrono::duration<double>(Clock::now() - started).count();
      const httplib::Error err = r.error();
      if (err == httplib::Error::Read && took >= timeout_ * 0.95) {
        throw Failure(kTimedOut, method + " " + path + ": no reply from " + target_.where() +
                                     " within " + fixed(timeout_, 1) + " s");
      }
      if (err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout) {
        throw Failure(kUnreachable, "cannot connect to " + target_.where() +
                                        " (connection refused or timed out)");
      }
      throw Failure(kUnreachable, method + " " + path + " to " + target_.where() +
                                      " failed: " + httplib::to_string(err));
    }
    Reply out;
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    if (out.body.is_discarded()) out.body = nullptr;
    return out;
  }

 private:
  static json data_of(const std::string& method, const std::string& path, const Reply& r) {
    const bool envelope = r.body.is_object() && r.body.contains("code") && r.body.contains("data");
    if (r.status >= 200 && r.status < 300) {
      if (!envelope) {
        throw Failure(kFailed, method + " " + path + ": the reply is not a {code, data} envelope");
      }
      return r.body["data"];
    }
    std::string message = envelope ? text_of(r.body["data"])
                                   : trim(r.text.substr(0, std::min<size_t>(200, r.text.size())));
    const std::string code = envelope ? ", code " + text_of(r.body["code"]) : "";
    const std::string what =
        method + " " + path + ": " + message + " (HTTP " + std::to_string(r.status) + code + ")";
    if (r.status == 401) {
      throw Failure(kUnauthorized, what + "; give the token with --token-file or SWCTL_TOKEN_FILE");
    }
    if (r.status == 504) throw Failure(kTimedOut, what);
    throw Failure(kFailed, what);
  }

  Target target_;
  double timeout_;
};

// ---- status ----

int cmd_status(AdminClient& admin, bool as_json) {
  const json s = admin.get("/v1/status");
  if (as_json) {
    std::cout << s.dump(2) << "\n";
    return kOk;
  }
  std::cout << "swkit " << str_of(s, "version") << ", " << str_of(s, "mode")
            << " mode, listening on " << str_of(s, "host") << ":" << int_of(s, "port") << "\n";
  std::cout << "master pid " << int_of(s, "master_pid") << ", manager pid "
            << int_of(s, "manager_pid") << "\n";
  std::cout << "up " << duration_text(num_of(s, "uptime")) << " (since "
            << local_time_text(num_of(s, "start_time")) << ")\n";
  std::cout << "processes: " << int_of(s, "worker_num") << " event workers, "
            << int_of(s, "task_worker_num") << " task workers, " << int_of(s, "user_process_num")
            << " user processes\n";
  std::cout << "ready: "
            << (bool_of(s, "ready") ? std::string("yes") : "no (" + str_of(s, "reason") + ")")
            << "\n";
  const int64_t running = int_of(s, "reload_running");
  std::cout << "reload: " << (running ? "#" + std::to_string(running) + " running" : "none running")
            << "\n";
  return kOk;
}

// ---- stats ----

// The fields of the seed's stats(), in the seed's order; the server's JSON may sort them.
constexpr const char* kSeedStatsOrder[] = {"start_time",
                                           "connection_num",
                                           "abort_count",
                                           "accept_count",
                                           "close_count",
                                           "worker_num",
                                           "task_worker_num",
                                           "user_worker_num",
                                           "idle_worker_num",
                                           "dispatch_count",
                                           "request_count",
                                           "response_count",
                                           "total_recv_bytes",
                                           "total_send_bytes",
                                           "pipe_packet_msg_id",
                                           "concurrency",
                                           "session_round",
                                           "min_fd",
                                           "max_fd",
                                           "worker_request_count",
                                           "worker_response_count",
                                           "worker_dispatch_count",
                                           "worker_concurrency",
                                           "task_idle_worker_num",
                                           "tasking_num",
                                           "task_queue_num",
                                           "task_queue_bytes",
                                           "task_count",
                                           "coroutine_num",
                                           "coroutine_peek_num"};

json in_seed_order(const json& stats) {
  json out = json::object();
  for (const char* key : kSeedStatsOrder) {
    if (stats.contains(key)) out[key] = stats[key];
  }
  for (const auto& [key, value] : stats.items()) {
    if (!out.contains(key)) out[key] = value;  // fields the seed does not have: last
  }
  return out;
}

void print_stats(const json& unordered) {
  const json st = in_seed_order(unordered);
  size_t width = 0;
  for (const auto& [key, value] : st.items()) width = std::max(width, key.size());
  for (const auto& [key, value] : st.items()) {
    std::cout << key << std::string(width - key.size() + 2, ' ') << text_of(value);
    if (key == "start_time" && value.is_number() && value.get<double>() > 0) {
      std::cout << " (" << local_time_text(value.get<double>()) << ", "
                << duration_text(wall_now() - value.get<double>()) << " ago)";
    } else if ((key == "total_recv_bytes" || key == "total_send_bytes" ||
                key == "task_queue_bytes") &&
               value.is_number()) {
      std::cout << " (" << bytes_text(value.get<double>()) << ")";
    }
    std::cout << "\n";
  }
}

std::vector<std::vector<std::string>> worker_rows(const json& processes) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : processes) {
    const bool exited_before = int_of(p, "respawns") > 0 || int_of(p, "generation") > 0;
    std::string status = str_of(p, "status");
    rows.push_back({str_of(p, "name"), std::to_string(int_of(p, "pid")), str_of(p, "state"),
                    status.empty() ? "-" : status, std::to_string(int_of(p, "generation")),
                    std::to_string(int_of(p, "requests")), duration_text(num_of(p, "uptime")),
                    std::to_string(int_of(p, "respawns")), bytes_text(num_of(p, "rss_bytes")),
                    fixed(num_of(p, "cpu_percent"), 1),
                    exit_status_text(int_of(p, "last_exit_status"), exited_before)});
  }
  return rows;
}

const std::vector<std::string> kWorkerHeader = {"NAME", "PID",      "STATE",    "STATUS",
                                                "GEN",  "REQUESTS", "UPTIME",   "RESPAWNS",
                                                "RSS",  "CPU%",     "LAST EXIT"};

struct Sample {
  json stats;
  Clock::time_point at;
};

double rate(const Sample& prev, const Sample& cur, const char* key) {
  const double dt = std::chrono::duration<double>(cur.at - prev.at).count();
  const double delta = num_of(cur.stats, key) - num_of(prev.stats, key);
  return dt > 0 && delta > 0 ? delta / dt : 0.0;
}

std::string render_frame(const Sample& prev, const Sample& cur, const json& processes,
                         double interval, int frame, int count) {
  const json& s = cur.stats;
  std::ostringstream out;
  out << "swctl stats, every " << fixed(interval, 1) << " s, frame " << frame;
  if (count > 0) out << "/" << count;
  out << " (Ctrl-C to stop)    " << local_time_text(wall_now()) << "\n\n";
  out << "connections  " << int_of(s, "connection_num") << " open, " << int_of(s, "accept_count")
      << " accepted, " << int_of(s, "close_count") << " closed, " << int_of(s, "abort_count")
      << " aborted    accepts/s " << fixed(rate(prev, cur, "accept_count"), 1) << "\n";
  out << "requests     " << int_of(s, "request_count") << " total, " << int_of(s, "response_count")
      << " responses    requests/s " << fixed(rate(prev, cur, "request_count"), 1) << "\n";
  out << "bytes in     " << bytes_text(num_of(s, "total_recv_bytes")) << "    in/s "
      << bytes_text(rate(prev, cur, "total_recv_bytes")) << "/s\n";
  out << "bytes out    " << bytes_text(num_of(s, "total_send_bytes")) << "    out/s "
      << bytes_text(rate(prev, cur, "total_send_bytes")) << "/s\n";
  out << "workers      " << int_of(s, "worker_num") << " event (" << int_of(s, "idle_worker_num")
      << " idle), " << int_of(s, "task_worker_num") << " task ("
      << int_of(s, "task_idle_worker_num") << " idle), " << int_of(s, "user_worker_num")
      << " user\n";
  out << "tasks        " << int_of(s, "task_count") << " total, " << int_of(s, "tasking_num")
      << " in flight, " << int_of(s, "task_queue_num") << " queued ("
      << bytes_text(num_of(s, "task_queue_bytes")) << ")\n\n";
  print_table(out, kWorkerHeader, worker_rows(processes));
  return out.str();
}

int cmd_stats_watch(AdminClient& admin, bool as_json, double interval, int count) {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  Sample prev{admin.get("/v1/stats"), Clock::now()};
  for (int frame = 1; count == 0 || frame <= count; frame++) {
    if (!sleep_unless(interval, &g_interrupted)) break;
    Sample cur{admin.get("/v1/stats"), Clock::now()};
    const json workers = admin.get("/v1/workers");
    const json processes = workers.value("processes", json::array());
    if (as_json) {
      const json line = {{"time", wall_now()},
                         {"stats", cur.stats},
                         {"rates",
                          {{"requests_per_s", rate(prev, cur, "request_count")},
                           {"recv_bytes_per_s", rate(prev, cur, "total_recv_bytes")},
                           {"send_bytes_per_s", rate(prev, cur, "total_send_bytes")},
                           {"accepts_per_s", rate(prev, cur, "accept_count")}}},
                         {"processes", processes}};
      std::cout << line.dump() << "\n" << std::flush;
    } else {
      // Home, clear screen, then the frame: redrawn in place on a terminal.
      std::cout << "\x1b[H\x1b[2J" << render_frame(prev, cur, processes, interval, frame, count)
                << std::flush;
    }
    prev = std::move(cur);
    if (g_interrupted || !std::cout) break;  // Ctrl-C, or the reader of stdout has gone
  }
  return kOk;
}

int cmd_stats(AdminClient& admin, bool as_json) {
  const json st = admin.get("/v1/stats");
  if (as_json) {
    std::cout << st.dump(2) << "\n";
  } else {
    print_stats(st);
  }
  return kOk;
}

// ---- workers ----

int cmd_workers(AdminClient& admin, bool as_json) {
  const json w = admin.get("/v1/workers");
  if (as_json) {
    std::cout << w.dump(2) << "\n";
    return kOk;
  }
  print_table(std::cout, kWorkerHeader, worker_rows(w.value("processes", json::array())));
  return kOk;
}

// ---- clients ----

int cmd_clients(AdminClient& admin, bool as_json, int page_size) {
  json all = json::array();
  int64_t cursor = 0;
  for (int pages = 0;; pages++) {
    const json page = admin.get("/v1/connections?cursor=" + std::to_string(cursor) +
                                "&limit=" + std::to_string(page_size));
    for (const auto& c : page.value("connections", json::array())) all.push_back(c);
    const auto next = page.find("next_cursor");
    if (next == page.end() || next->is_null()) break;
    if (!next->is_number() || next->get<int64_t>() <= cursor) {
      throw Failure(kFailed, "the server's next_cursor does not advance (" + next->dump() + ")");
    }
    cursor = next->get<int64_t>();
  }
  if (as_json) {
    std::cout << json{{"connections", all}, {"next_cursor", nullptr}}.dump(2) << "\n";
    return kOk;
  }
  const double now = wall_now();
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : all) {
    const double last_recv = num_of(c, "last_recv_time");
    rows.push_back({std::to_string(int_of(c, "session_id")),
                    str_of(c, "remote_ip") + ":" + std::to_string(int_of(c, "remote_port")),
                    std::to_string(int_of(c, "server_port")),
                    std::to_string(int_of(c, "reactor_id")),
                    c.contains("worker_id") ? std::to_string(int_of(c, "worker_id")) : "-",
                    duration_text(now - num_of(c, "connect_time")),
                    last_recv > 0 ? duration_text(now - last_recv) + " ago" : "-",
                    std::to_string(int_of(c, "recv_queued_bytes")),
                    std::to_string(int_of(c, "send_queued_bytes"))});
  }
  print_table(std::cout,
              {"SESSION", "REMOTE", "PORT", "REACTOR", "WORKER", "CONNECTED", "LAST RECV", "RECV-Q",
               "SEND-Q"},
              rows);
  std::cout << all.size() << (all.size() == 1 ? " connection" : " connections") << "\n";
  return kOk;
}

// ---- reloads ----

std::string reload_state(const json& r) {
  if (!bool_of(r, "done")) return "running";
  return int_of(r, "forced") == 0 ? "clean" : "forced";
}

int cmd_reloads(AdminClient& admin, bool as_json) {
  const json data = admin.get("/v1/reloads");
  if (as_json) {
    std::cout << data.dump(2) << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : data.value("reloads", json::array())) {
    const double started = num_of(r, "started_at");
    const double finished = num_of(r, "finished_at");
    rows.push_back({"#" + std::to_string(int_of(r, "id")), str_of(r, "trigger"),
                    str_of(r, "strategy"), bool_of(r, "task_only") ? "task" : "all",
                    reload_state(r), std::to_string(int_of(r, "forced")),
                    std::to_string(int_of(r, "refused")), local_time_text(started),
                    bool_of(r, "done") ? fixed(finished - started, 2) + " s" : "-",
                    std::to_string(r.value("workers", json::array()).size())});
  }
  print_table(std::cout,
              {"ID", "TRIGGER", "STRATEGY", "SCOPE", "STATE", "FORCED", "REFUSED", "STARTED",
               "TOOK", "WORKERS"},
              rows);
  return kOk;
}

// ---- reload ----

struct ReloadOptions {
  bool task_only = false;
  bool wait = false;
  bool as_json = false;
  double timeout = 60;
};

// Polls GET /v1/reloads for reload `id` and prints each worker once its old process has left.
int wait_reload(AdminClient& admin, const json& started, const ReloadOptions& o) {
  const int64_t id = int_of(started, "id");
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.timeout);
  std::vector<bool> printed;
  json current = started;
  for (;;) {
    bool listed = false;
    for (const auto& r : admin.get("/v1/reloads").value("reloads", json::array())) {
      if (int_of(r, "id") == id) {
        current = r;
        listed = true;
      }
    }
    if (!listed) {
      throw Failure(kFailed, "reload #" + std::to_string(id) +
                                 " is not in the server's list of reloads (GET /v1/reloads)");
    }
    const json workers = current.value("workers", json::array());
    printed.resize(workers.size(), false);
    // A worker is replaced once its old process has left (drain_ms is set); its new pid is in
    // the record once the reload is done, and in /v1/workers before that.
    json processes;
    for (size_t i = 0; i < workers.size(); i++) {
      const json& w = workers[i];
      if (printed[i] || int_of(w, "drain_ms", -1) < 0) continue;
      int64_t new_pid = int_of(w, "new_pid", -1);
      std::string name = "id " + std::to_string(int_of(w, "id"));
      if (processes.is_null()) {
        processes = admin.get("/v1/workers").value("processes", json::array());
      }
      for (const auto& p : processes) {
        if (int_of(p, "id", -2) == int_of(w, "id") && str_of(p, "kind") != "master" &&
            str_of(p, "kind") != "manager") {
          name = str_of(p, "name");
          if (new_pid <= 0 && int_of(p, "pid") != int_of(w, "old_pid")) new_pid = int_of(p, "pid");
        }
      }
      if (new_pid <= 0) continue;  // not up yet: next round
      printed[i] = true;
      if (!o.as_json) {
        const int64_t old_pid = int_of(w, "old_pid");
        std::cout << name << ": pid " << (old_pid > 0 ? std::to_string(old_pid) : "-") << " -> "
                  << new_pid << ", drained in " << int_of(w, "drain_ms") << " ms, "
                  << (bool_of(w, "forced") ? "forced (killed after max_wait_time)" : "clean")
                  << "\n"
                  << std::flush;
      }
    }
    if (bool_of(current, "done")) break;
    if (Clock::now() >= deadline) {
      const auto replaced = std::count(printed.begin(), printed.end(), true);
      throw Failure(kTimedOut, "reload #" + std::to_string(id) + " is not done after " +
                                   fixed(o.timeout, 1) + " s (" + std::to_string(replaced) +
                                   " of " + std::to_string(workers.size()) + " workers replaced)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int64_t forced = int_of(current, "forced");
  const size_t total = current.value("workers", json::array()).size();
  const double took = num_of(current, "finished_at") - num_of(current, "started_at");
  if (o.as_json) {
    std::cout << current.dump(2) << "\n";
  } else {
    std::cout << "reload #" << id << " done in " << fixed(took, 2) << " s: " << total
              << " workers replaced, " << forced << " forced";
    // Rolling steps paced under traffic (reload_cpu_percent): say how much of the time it was.
    if (const int64_t paced = int_of(current, "paced_ms", 0); paced > 0) {
      std::cout << ", " << paced << " ms of pauses between steps under traffic";
    }
    std::cout << "\n";
  }
  if (forced != 0 || !bool_of(current, "clean")) {
    throw Failure(kFailed, "reload #" + std::to_string(id) +
                               " was not clean: " + std::to_string(forced) + " of " +
                               std::to_string(total) + " workers were killed after max_wait_time");
  }
  return kOk;
}

int cmd_reload(const Target& target, const ReloadOptions& o) {
  if (!target.has_endpoint()) {
    if (o.wait) {
      throw Failure(kUsage, "reload --wait needs the admin endpoint (no socket at " +
                                swkit::admin_socket_beside(target.pid_file) +
                                "); without it swctl can only send the signal");
    }
    const pid_t pid = read_pid_file(target.pid_file);
    const int sig = o.task_only ? SIGUSR2 : SIGUSR1;
    if (::kill(pid, sig) != 0) {
      throw Failure(kFailed, "cannot signal pid " + std::to_string(pid) + ": " + strerror(errno));
    }
    std::cout << "sent " << (o.task_only ? "SIGUSR2" : "SIGUSR1") << " to master pid " << pid
              << " (no admin endpoint: the reload is not tracked here)\n";
    return kOk;
  }
  AdminClient admin(target, kRequestTimeout);
  const json started = admin.post("/v1/reload", {{"task_only", o.task_only}, {"wait", false}});
  if (!o.wait) {
    if (o.as_json) {
      std::cout << started.dump(2) << "\n";
    } else {
      std::cout << "reload #" << int_of(started, "id") << " started ("
                << str_of(started, "strategy") << ", "
                << (o.task_only ? "task workers" : "event and task workers") << ")\n";
    }
    return kOk;
  }
  return wait_reload(admin, started, o);
}

// ---- shutdown ----

int cmd_shutdown(const Target& target, bool wait, double timeout) {
  pid_t master = -1;
  if (!target.has_endpoint()) {
    master = read_pid_file(target.pid_file);
    if (::kill(master, SIGTERM) != 0) {
      throw Failure(kFailed,
                    "cannot signal pid " + std::to_string(master) + ": " + strerror(errno));
    }
    std::cout << "sent SIGTERM to master pid " << master << "\n";
  } else {
    AdminClient admin(target, kRequestTimeout);
    const json r = admin.post("/v1/shutdown", json::object());
    master = static_cast<pid_t>(int_of(r, "master_pid", -1));
    std::cout << "shutting down (master pid " << master << ")\n";
  }
  if (!wait) return kOk;
  if (master <= 1) throw Failure(kFailed, "the server did not say its master pid: cannot --wait");
  const auto started = Clock::now();
  if (!wait_pid_gone(master, timeout)) {
    throw Failure(kTimedOut, "master pid " + std::to_string(master) + " is still running after " +
                                 fixed(timeout, 1) + " s");
  }
  std::cout << "stopped: master pid " << master << " exited after "
            << fixed(std::chrono::duration<double>(Clock::now() - started).count(), 2) << " s\n";
  return kOk;
}

// ---- command ----

struct CommandOptions {
  std::string name;
  std::string to = "master";
  std::optional<std::string> data;
  double timeout = 10;
  bool as_json = false;
};

int cmd_command(const Target& target, const CommandOptions& o) {
  json body = {{"to", o.to}, {"timeout", o.timeout}};
  if (o.data) {
    json data = json::parse(*o.data, nullptr, false);
    if (data.is_discarded()) {
      throw Failure(kUsage, "--data must be JSON (a string is '\"text\"'), got '" + *o.data + "'");
    }
    body["data"] = data;
  }
  // The server waits up to timeout for the processes; the reply needs a moment more.
  AdminClient admin(target, o.timeout + 5);
  const json reply = admin.post("/v1/commands/" + o.name, body);
  if (o.as_json) std::cout << reply.dump(2) << "\n";
  int failed = 0;
  size_t total = 0;
  const json results = reply.value("results", json::object());
  for (const auto& [process, r] : results.items()) {
    total++;
    const int64_t code = int_of(r, "code", -1);
    if (code != 0) failed++;
    if (o.as_json) continue;
    const json data = r.contains("data") ? r["data"] : json(nullptr);
    if (code == 0) {
      std::cout << process << ": " << text_of(data) << "\n";
    } else {
      std::cout << process << ": failed (code " << code << "): " << text_of(data) << "\n";
    }
  }
  if (failed) {
    throw Failure(kFailed, "command " + o.name + " failed in " + std::to_string(failed) + " of " +
                               std::to_string(total) + " processes");
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"swctl: operate a running swkit server through its admin endpoint", "swctl"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();  // the global options may follow the subcommand too

  GlobalOptions g;
  app.add_option("--socket", g.socket, "the admin endpoint's unix socket (env SWCTL_SOCKET)");
  app.add_option("--url", g.url, "the admin endpoint on loopback TCP (env SWCTL_URL)");
  app.add_option("--pid-file", g.pid_file,
                 "the server's pid_file: the admin socket beside it, else signals to its pid");
  app.add_option("--token-file", g.token_file,
                 "a file holding the bearer token (env SWCTL_TOKEN_FILE)");

  auto add_timeout = [](CLI::App* cmd, double& value, const char* what) {
    cmd->add_option("--timeout", value, what)->check(CLI::PositiveNumber)->capture_default_str();
  };

  bool as_json = false;
  double http_timeout = 10;

  auto* status = app.add_subcommand("status", "the server's identity, uptime and readiness");
  status->add_flag("--json", as_json, "print the reply's data as JSON");
  add_timeout(status, http_timeout, "seconds to wait for the server");

  double watch = 0;
  int count = 0;
  auto* stats = app.add_subcommand("stats", "the counters of stats() (--watch: a live view)");
  stats->add_flag("--json", as_json,
                  "print the reply's data as JSON (with --watch: one JSON line per frame)");
  auto* watch_opt = stats->add_option("--watch", watch, "redraw every SECONDS, with rates")
                        ->check(CLI::PositiveNumber);
  stats->add_option("--count", count, "stop after N frames (default: until Ctrl-C)")
      ->check(CLI::PositiveNumber)
      ->needs(watch_opt);
  add_timeout(stats, http_timeout, "seconds to wait for the server, per request");

  auto* workers = app.add_subcommand("workers", "every process of the tree, one row each");
  workers->add_flag("--json", as_json, "print the reply's data as JSON");
  add_timeout(workers, http_timeout, "seconds to wait for the server");

  int limit = 100;
  auto* clients = app.add_subcommand("clients", "the connected clients (every page)");
  clients->add_flag("--json", as_json, "print the reply's data as JSON");
  clients->add_option("--limit", limit, "connections per request (1..1000); all are fetched")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  add_timeout(clients, http_timeout, "seconds to wait for the server, per request");

  ReloadOptions reload_opts;
  auto* reload = app.add_subcommand("reload", "replace the workers (SIGUSR1 with --pid-file)");
  reload->add_flag("--task-only", reload_opts.task_only, "only the task workers (SIGUSR2)");
  reload->add_flag("--wait", reload_opts.wait,
                   "follow the reload worker by worker; exit 0 only if it is done and clean");
  reload->add_flag("--json", reload_opts.as_json, "print the Reload record as JSON");
  add_timeout(reload, reload_opts.timeout, "seconds --wait waits (each request: 10 at most)");

  auto* reloads = app.add_subcommand("reloads", "the last 32 reload transactions");
  reloads->add_flag("--json", as_json, "print the reply's data as JSON");
  add_timeout(reloads, http_timeout, "seconds to wait for the server");

  bool shutdown_wait = false;
  double shutdown_timeout = 60;
  auto* shutdown = app.add_subcommand("shutdown", "stop the server (SIGTERM with --pid-file)");
  shutdown->add_flag("--wait", shutdown_wait, "wait until the master process has exited");
  add_timeout(shutdown, shutdown_timeout, "seconds --wait waits (the request: 10 at most)");

  CommandOptions command_opts;
  auto* command = app.add_subcommand("command", "run a command registered with addCommand");
  command->add_option("name", command_opts.name, "the command's name")->required();
  command
      ->add_option("--to", command_opts.to,
                   "master, manager, worker-N, task_worker-N, user_process-N, all, all_worker, "
                   "all_task")
      ->capture_default_str();
  command->add_option("--data", command_opts.data, "the command's data, as JSON");
  command->add_flag("--json", command_opts.as_json, "print the reply's data as JSON");
  add_timeout(command, command_opts.timeout, "the command's deadline in seconds");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "swctl: " << e.what() << " (see swctl --help)\n";
    return kUsage;
  }

  try {
    const Target target = resolve(g);
    if (*reload) return cmd_reload(target, reload_opts);
    if (*shutdown) return cmd_shutdown(target, shutdown_wait, shutdown_timeout);
    if (*command) {
      require_endpoint(target, "command");
      return cmd_command(target, command_opts);
    }
    CLI::App* chosen = app.get_subcommands().at(0);
    require_endpoint(target, chosen->get_name());
    AdminClient admin(target, http_timeout);
    if (*status) return cmd_status(admin, as_json);
    if (*stats) {
      if (*watch_opt) return cmd_stats_watch(admin, as_json, watch, count);
      return cmd_stats(admin, as_json);
    }
    if (*workers) return cmd_workers(admin, as_json);
    if (*clients) return cmd_clients(admin, as_json, limit);
    if (*reloads) return cmd_reloads(admin, as_json);
    throw Failure(kUsage, "unknown command");
  } catch (const Failure& f) {
    std::cout.flush();
    std::cerr << "swctl: " << f.what() << "\n";
    return f.code;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "swctl: unexpected reply from the server: " << e.what() << "\n";
    return kFailed;
  }
}
