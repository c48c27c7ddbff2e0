// The admin endpoint (admin-api/README.md): cpp-httplib on its own threads in the master.
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "swkit/admin.h"
#include "views.h"

namespace swkit::admin {

namespace {

constexpr int kThreads = 4;  // admin requests are rare; slow clients are cut by read timeouts

// Envelope codes (README: the envelope).
constexpr int kBadRequest = 4000, kUnauthorized = 4001, kNotFound = 4004, kBadMethod = 4005,
              kConflict = 4009, kNotReady = 5003;

void reply(httplib::Response& res, int http, const json& body) {
  res.status = http;
  res.set_content(body.dump() + "\n", "application/json");
}
void ok(httplib::Response& res, json data) {
  reply(res, 200, {{"code", 0}, {"data", std::move(data)}});
}
void fail(httplib::Response& res, int http, int code, const std::string& message) {
  reply(res, http, {{"code", code}, {"data", message}});
}

void deny(httplib::Response& res) {
  res.set_header("WWW-Authenticate", "Bearer");
  fail(res, 401, kUnauthorized, "a valid bearer token is required");
}

// A command's reply is JSON when it parses as JSON, else a string.
json as_json(const std::string& text) {
  json v = json::parse(text, nullptr, false);
  return v.is_discarded() ? json(text) : v;
}

// Compares without leaking where the first difference is.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& longer = a.size() >= b.size() ? a : b;
  for (size_t i = 0; i < longer.size(); i++) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string setting_text(const Server& server, const char* key) {
  const auto& s = server.setting();
  auto it = s.find(key);
  if (it == s.end()) return {};
  const auto* v = std::get_if<std::string>(&it->second);
  return v ? *v : std::string();
}

// A command target: one process or a fan-out mask.
struct Target {
  int type = kCommandMaster;
  int id = 0;
  int fanout = 0;  // non-zero: a mask of process types
};

// Parses "master", "worker-3", "all_task", ...; nullopt for an unknown name. The id is checked
// later, against the running server.
std::optional<Target> parse_target(const std::string& t) {
  constexpr int kAll = kCommandMaster | kCommandManager | kCommandEventWorker | kCommandTaskWorker |
                       kCommandUserProcess;
  if (t.empty() || t == "master") return Target{kCommandMaster, 0, 0};
  if (t == "manager") return Target{kCommandManager, 0, 0};
  if (t == "all") return Target{0, 0, kAll};
  if (t == "all_worker" || t == "all_event_worker") return Target{0, 0, kCommandEventWorker};
  if (t == "all_task" || t == "all_task_worker") return Target{0, 0, kCommandTaskWorker};
  if (t == "all_user_process") return Target{0, 0, kCommandUserProcess};
  static const std::regex single(
      R"((worker|event_worker|task_worker|task|user_process)-(\d{1,6}))");
  std::smatch m;
  if (!std::regex_match(t, m, single)) return std::nullopt;
  const std::string kind = m[1];
  const int type = kind == "worker" || kind == "event_worker" ? kCommandEventWorker
                   : kind == "user_process"                   ? kCommandUserProcess
                                                              : kCommandTaskWorker;
  return Target{type, std::stoi(m[2]), 0};
}

// Whether (type, id) exists in this server; the message says the valid range when not.
std::string check_target(const Server& server, const Target& t) {
  if (t.fanout) return {};
  const ServerStats st = server.stats();
  int64_t count = 1;
  if (t.type == kCommandEventWorker) count = st.worker_num;
  if (t.type == kCommandTaskWorker) count = st.task_worker_num;
  if (t.type == kCommandUserProcess) count = st.user_worker_num;
  if (t.id >= 0 && t.id < count) return {};
  return Server::processName(t.type, t.id) + " does not exist (ids 0.." +
         std::to_string(count - 1) + ")";
}

int http_of(int code) {
  if (code == kErrServerSendToWorkerTimeout) return 504;
  if (code == kErrInvalidParams) return 400;
  return 500;
}

json result_json(const Server::CommandResult& r) {
  return {{"code", r.code}, {"data", r.code == 0 ? as_json(r.data) : json(r.data)}};
}

// The request's JSON body (an object; empty = {}), or an error message.
std::optional<json> body_object(const httplib::Request& req, std::string& error) {
  if (req.body.empty()) return json::object();
  try {
    json v = json::parse(req.body);
    if (!v.is_object()) {
      error = "the body must be a JSON object, got " + std::string(v.type_name());
      return std::nullopt;
    }
    return v;
  } catch (const json::parse_error& e) {
    error = std::string("malformed JSON body: ") + e.what();
    return std::nullopt;
  }
}

template <typename T>
std::optional<T> typed(const json& body, const char* key, T fallback, std::string& error) {
  if (!body.contains(key)) return fallback;
  try {
    return body.at(key).get<T>();
  } catch (const json::exception&) {
    error = std::string("'") + key + "' has the wrong type (" + body.at(key).type_name() + ")";
    return std::nullopt;
  }
}

// ---- the built-in commands (admin-api/README.md) ----

json params_of(std::string_view data) {
  json v = json::parse(data, nullptr, false);
  return v.is_object() ? v : json::object();
}

int64_t int_param(const json& p, const char* key, int64_t fallback) {
  if (!p.contains(key)) return fallback;
  const json& v = p[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (!s.empty() && std::all_of(s.begin(), s.end(), ::isdigit)) return std::stoll(s);
  }
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  throw std::invalid_argument(std::string("parameter '") + key + "' must be an integer");
}

void register_builtins(Server& server) {
  constexpr int kAll = kCommandMaster | kCommandManager | kCommandEventWorker | kCommandTaskWorker |
                       kCommandUserProcess;
  auto add = [&server](const char* name, int types, Server::CommandHandler fn) {
    if (!server.addCommand(name, types, std::move(fn))) {
      std::cerr << "swkit admin: command '" << name << "' was already registered; keeping it\n";
    }
  };
  add("server_stats", kAll,
      [](Server& s, std::string_view) { return stats_json(s.stats()).dump(); });
  add("server_setting", kAll, [](Server& s, std::string_view) { return settings_json(s).dump(); });
  add("server_reload", kCommandMaster, [](Server& s, std::string_view data) {
    const bool task_only = int_param(params_of(data), "task_only", 0) != 0;
    if (!s.reload(task_only, ReloadSource::Admin)) {
      throw std::runtime_error("reload refused: " + strerror(s.getLastError()));
    }
    return json{{"reload_requested", true}, {"task_only", task_only}}.dump();
  });
  add("server_shutdown", kCommandMaster, [](Server& s, std::string_view) {
    if (!s.shutdown()) throw std::runtime_error("shutdown failed");
    return json{{"shutting_down", true}}.dump();
  });
  add("get_client_info", kAll, [](Server& s, std::string_view data) {
    const SessionId sid = int_param(params_of(data), "session_id", 0);
    ClientInfo info;
    if (!s.getClientInfo(sid, info)) return std::string("false");
    return client_json(sid, info).dump();
  });
  add("close_session", kCommandEventWorker, [](Server& s, std::string_view data) {
    const json p = params_of(data);
    const SessionId sid = int_param(p, "session_id", 0);
    if (!s.close(sid, int_param(p, "force", 0) != 0)) {
      throw std::runtime_error("session " + std::to_string(sid) +
                               " cannot be closed: " + strerror(s.getLastError()));
    }
    return json{{"closed", true}, {"session_id", sid}}.dump();
  });
  add("get_manager_info", kCommandManager, [](Server& s, std::string_view) {
    const auto reloads = s.getReloads();
    return json{{"pid", getpid()},
                {"reload_count", reloads.empty() ? 0 : reloads.back().id},
                {"reload_last_time", reloads.empty() ? 0.0 : reloads.back().started_at}}
        .dump();
  });
  add("get_all_commands", kAll, [](Server& s, std::string_view) {
    json list = json::array();
    for (const auto& c : s.getCommands()) {
      list.push_back(
          {{"id", c.id}, {"name", c.name}, {"accepted_process_types", c.accepted_process_types}});
    }
    return list.dump();
  });
  add("get_worker_info", kCommandEventWorker | kCommandTaskWorker | kCommandUserProcess,
      [](Server& s, std::string_view) {
        const ProcSample p = read_proc(getpid());
        const int id = s.getWorkerId();
        const auto info = id >= 0 ? s.getWorkerInfo(id) : std::nullopt;
        const char* kind = !info                              ? "unknown"
                           : info->kind == ProcessKind::Event ? "event"
                           : info->kind == ProcessKind::Task  ? "task"
                                                              : "user";
        return json{{"id", id},
                    {"pid", getpid()},
                    {"kind", kind},
                    {"rss_bytes", p.rss_bytes},
                    {"requests", info ? info->requests : 0},
                    {"uptime", p.uptime}}
            .dump();
      });
}

// ---- the endpoint ----

class Endpoint {
 public:
  explicit Endpoint(Server& server) : server_(server) {}
  bool start();
  void stop();

 private:
  void routes();
  bool authorized(const httplib::Request& req) const;
  void api_command(const httplib::Request& req, httplib::Response& res);
  void v1_reload(const httplib::Request& req, httplib::Response& res);
  void v1_command(const httplib::Request& req, httplib::Response& res);
  void v1_connections(const httplib::Request& req, httplib::Response& res);
  // Runs a command on a target; fills res.
  void run(const std::string& name, const Target& target, const std::string& data, double timeout,
           bool per_process_envelope, httplib::Response& res);

  Server& server_;
  httplib::Server http_;
  std::thread thread_;
  std::string token_;
  std::string socket_path_;
  CpuTracker cpu_;
};

bool Endpoint::authorized(const httplib::Request& req) const {
  if (token_.empty() || req.path == "/healthz" || req.path == "/readyz") return true;
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.compare(0, prefix.size(), prefix) != 0) return false;
  return constant_time_equal(header.substr(prefix.size()), token_);
}

bool Endpoint::start() {
  const std::string value = setting_text(server_, "admin_server");
  if (value.empty()) return true;  // off
  const AdminAddress addr = parse_admin_server(value, setting_text(server_, "pid_file"));
  if (const std::string file = setting_text(server_, "admin_token_file"); !file.empty()) {
    std::ifstream f(file);
    std::stringstream ss;
    ss << f.rdbuf();
    token_ = ss.str();
    token_.erase(0, token_.find_first_not_of(" \t\r\n"));
    token_.erase(token_.find_last_not_of(" \t\r\n") + 1);
    if (!f || token_.empty()) {
      std::cerr << "swkit admin: admin_token_file '" << file << "' is unreadable or empty\n";
      return false;
    }
  }
  http_.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http_.set_read_timeout(5, 0);
  http_.set_write_timeout(5, 0);
  http_.set_keep_alive_max_count(20);
  http_.set_payload_max_length(1 << 20);
  routes();

  bool bound = false;
  if (addr.unix_socket) {
    socket_path_ = addr.path;
    struct stat st {};
    if (::lstat(socket_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      ::unlink(socket_path_.c_str());  // left by a server that was killed
    }
    http_.set_address_family(AF_UNIX);
    // The socket is born 0600: nobody else may connect between bind() and chmod().
    const mode_t old = ::umask(0177);
    bound = http_.bind_to_port(socket_path_, 80);
    ::umask(old);
    if (bound) ::chmod(socket_path_.c_str(), 0600);
  } else {
    bound = http_.bind_to_port(addr.host, addr.port);
  }
  if (!bound) {
    std::cerr << "swkit admin: cannot listen on " << value << ": " << std::strerror(errno) << "\n";
    return false;
  }
  thread_ = std::thread([this] { http_.listen_after_bind(); });
  for (int i = 0; i < 500 && !http_.is_running(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void Endpoint::stop() {
  if (!thread_.joinable()) return;
  http_.stop();
  thread_.join();
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
}

void Endpoint::run(const std::string& name, const Target& target, const std::string& data,
                   double timeout, bool per_process_envelope, httplib::Response& res) {
  const auto names = server_.getCommands();
  if (std::none_of(names.begin(), names.end(), [&](const auto& c) { return c.name == name; })) {
    return fail(res, 404, kNotFound, "command '" + name + "' is not registered");
  }
  if (const std::string bad = check_target(server_, target); !bad.empty()) {
    return fail(res, 400, kBadRequest, bad);
  }
  if (target.fanout) {
    auto results = server_.commandAll(name, target.fanout, data, timeout);
    json out = json::object();
    for (const auto& [process, r] : results) {
      out[process] = per_process_envelope || r.code != 0 ? result_json(r) : as_json(r.data);
    }
    return ok(res, per_process_envelope ? json{{"results", out}} : out);
  }
  const auto r = server_.commandResult(name, target.id, target.type, data, timeout);
  if (per_process_envelope) {
    return ok(res, {{"results", {{Server::processName(target.type, target.id), result_json(r)}}}});
  }
  if (r.code != 0) return fail(res, http_of(r.code), r.code, r.data);
  ok(res, as_json(r.data));
}

void Endpoint::api_command(const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches[1];
  std::string target_name = req.matches.size() > 2 ? std::string(req.matches[2]) : "";
  static const std::set<std::string> post_only = {"server_reload", "server_shutdown",
                                                  "close_session"};
  if (post_only.count(name) && req.method != "POST") {
    res.set_header("Allow", "POST");
    return fail(res, 405, kBadMethod, name + " changes the server: use POST");
  }
  json params = json::object();
  if (req.method == "POST" && !req.body.empty() &&
      req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") ==
          std::string::npos) {
    std::string error;
    auto body = body_object(req, error);
    if (!body) return fail(res, 400, kBadRequest, error);
    params = *body;
  }
  for (const auto& [k, v] : req.params) params[k] = v;
  if (target_name.empty() && name == "close_session") target_name = "worker-0";
  const auto target = parse_target(target_name);
  if (!target) return fail(res, 404, kNotFound, "unknown target '" + target_name + "'");
  run(name, *target, params.dump(), 5.0, false, res);
}

void Endpoint::v1_command(const httplib::Request& req, httplib::Response& res) {
  std::string error;
  const auto body = body_object(req, error);
  if (!body) return fail(res, 400, kBadRequest, error);
  const auto to = typed<std::string>(*body, "to", "master", error);
  const auto timeout = typed<double>(*body, "timeout", 5.0, error);
  if (!to || !timeout) return fail(res, 400, kBadRequest, error);
  if (!(*timeout > 0 && *timeout <= 300)) {
    return fail(res, 400, kBadRequest, "'timeout' must be in (0, 300] seconds");
  }
  const auto target = parse_target(*to);
  if (!target) return fail(res, 404, kNotFound, "unknown target '" + *to + "'");
  const json data = body->contains("data") ? body->at("data") : json::object();
  run(req.matches[1], *target, data.is_string() ? data.get<std::string>() : data.dump(), *timeout,
      true, res);
}

void Endpoint::v1_reload(const httplib::Request& req, httplib::Response& res) {
  std::string error;
  const auto body = body_object(req, error);
  if (!body) return fail(res, 400, kBadRequest, error);
  const auto task_only = typed<bool>(*body, "task_only", false, error);
  const auto wait = typed<bool>(*body, "wait", false, error);
  const auto timeout = typed<double>(*body, "timeout", 30.0, error);
  if (!task_only || !wait || !timeout) return fail(res, 400, kBadRequest, error);
  if (!(*timeout > 0 && *timeout <= 3600)) {
    return fail(res, 400, kBadRequest, "'timeout' must be in (0, 3600] seconds");
  }
  auto latest = [this]() -> std::optional<ReloadInfo> {
    auto all = server_.getReloads();
    if (all.empty()) return std::nullopt;
    return all.back();
  };
  const auto before = latest();
  const uint32_t before_id = before ? before->id : 0;
  if (!server_.reload(*task_only, ReloadSource::Admin)) {
    if (before && !before->done) {
      return fail(res, 409, kConflict,
                  "reload #" + std::to_string(before->id) + " is still running");
    }
    return fail(res, 500, server_.getLastError(), strerror(server_.getLastError()));
  }
  // The manager starts the transaction when it reads the signal: find ours.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(*timeout);
  const auto start_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::optional<ReloadInfo> mine;
  while (std::chrono::steady_clock::now() < start_deadline) {
    for (const auto& r : server_.getReloads()) {
      if (r.id > before_id && r.trigger == "admin") mine = r;
    }
    if (mine) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!mine) {
    const auto now = latest();
    if (now && before && now->id == before->id && now->refused > before->refused) {
      return fail(res, 409, kConflict, "reload #" + std::to_string(now->id) + " is still running");
    }
    return fail(res, 504, kErrServerSendToWorkerTimeout, "the manager did not start the reload");
  }
  while (*wait && !mine->done && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto& r : server_.getReloads()) {
      if (r.id == mine->id) mine = r;
    }
  }
  if (*wait && !mine->done) {
    return reply(res, 504, {{"code", kErrServerSendToWorkerTimeout}, {"data", reload_json(*mine)}});
  }
  ok(res, reload_json(*mine));
}

void Endpoint::v1_connections(const httplib::Request& req, httplib::Response& res) {
  auto number = [&](const char* key, int64_t fallback, int64_t lo, int64_t hi,
                    int64_t& out) -> bool {
    out = fallback;
    if (!req.has_param(key)) return true;
    const std::string v = req.get_param_value(key);
    if (v.empty() || v.size() > 12 || !std::all_of(v.begin(), v.end(), ::isdigit)) return false;
    out = std::stoll(v);
    return out >= lo && out <= hi;
  };
  int64_t cursor = 0, limit = 100;
  if (!number("cursor", 0, 0, INT64_MAX, cursor)) {
    return fail(res, 400, kBadRequest, "'cursor' must be a session id (an integer >= 0)");
  }
  if (!number("limit", 100, 1, 1000, limit)) {
    return fail(res, 400, kBadRequest, "'limit' must be an integer in [1, 1000]");
  }
  json list = json::array();
  SessionId last = cursor;
  bool more = false;
  while (static_cast<int64_t>(list.size()) < limit) {
    std::vector<SessionId> page;
    const int want = static_cast<int>(std::min<int64_t>(100, limit - list.size()));
    if (!server_.getClientList(last, want, page) || page.empty()) break;
    for (SessionId sid : page) {
      ClientInfo info;
      last = sid;
      if (!server_.getClientInfo(sid, info)) continue;  // closed meanwhile
      json row = client_json(sid, info);
      list.push_back(std::move(row));
    }
    if (static_cast<int>(page.size()) < want) break;
  }
  if (static_cast<int64_t>(list.size()) == limit) {
    std::vector<SessionId> next;
    more = server_.getClientList(last, 1, next) && !next.empty();
  }
  ok(res, {{"connections", list}, {"next_cursor", more ? json(last) : json(nullptr)}});
}

void Endpoint::routes() {
  // The token is checked in every handler (and for unmatched routes), not before routing: by
  // then cpp-httplib has read the request body, so a client with a bad token gets its 401 reply
  // instead of a connection closed under an unread POST body.
  auto guarded = [this](httplib::Server::Handler h) {
    return [this, h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
      if (authorized(req)) return h(req, res);
      deny(res);
    };
  };
  http_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404 && !authorized(req)) {
      deny(res);
    } else if (res.status == 404) {
      fail(res, 404, kNotFound, "no route for " + req.method + " " + req.path);
    } else {
      // cpp-httplib's own refusals: a malformed request, a POST without Content-Length, a
      // body over 1 MiB.
      fail(res, res.status, res.status >= 500 ? 5000 : kBadRequest,
           "HTTP " + std::to_string(res.status) +
               " (malformed request; a POST needs a body or Content-Length: 0; at most 1 MiB)");
    }
  });
  http_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        fail(res, 500, 5000, what);
      });

  // Reads: GET only; mutations: POST only. The other method gets 405 with Allow.
  auto get = [this, guarded](const char* path, httplib::Server::Handler h) {
    http_.Get(path, guarded(std::move(h)));
    http_.Post(path, guarded([](const httplib::Request& req, httplib::Response& res) {
                 res.set_header("Allow", "GET");
                 fail(res, 405, kBadMethod, req.path + " is read-only: use GET");
               }));
  };
  auto post = [this, guarded](const char* path, httplib::Server::Handler h) {
    http_.Post(path, guarded(std::move(h)));
    http_.Get(path, guarded([](const httplib::Request& req, httplib::Response& res) {
                res.set_header("Allow", "POST");
                fail(res, 405, kBadMethod, req.path + " changes the server: use POST");
              }));
  };

  get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    ok(res, {{"alive", true}});
  });
  get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const std::string reason = server_.notReadyReason();
    if (reason.empty()) return ok(res, {{"ready", true}});
    reply(res, 503, {{"code", kNotReady}, {"data", {{"ready", false}, {"reason", reason}}}});
  });
  get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_metrics(server_, cpu_), "text/plain; version=0.0.4; charset=utf-8");
  });
  get("/v1/status",
      [this](const httplib::Request&, httplib::Response& res) { ok(res, status_json(server_)); });
  get("/v1/stats", [this](const httplib::Request&, httplib::Response& res) {
    ok(res, stats_json(server_.stats()));
  });
  get("/v1/workers", [this](const httplib::Request&, httplib::Response& res) {
    ok(res, {{"processes", process_list(server_, cpu_)}});
  });
  get("/v1/connections",
      [this](const httplib::Request& req, httplib::Response& res) { v1_connections(req, res); });
  get("/v1/reloads", [this](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const auto& r : server_.getReloads()) list.push_back(reload_json(r));
    ok(res, {{"reloads", list}});
  });
  post("/v1/reload",
       [this](const httplib::Request& req, httplib::Response& res) { v1_reload(req, res); });
  post("/v1/shutdown", [this](const httplib::Request&, httplib::Response& res) {
    const pid_t master = server_.getMasterPid();
    if (!server_.shutdown()) return fail(res, 500, server_.getLastError(), "shutdown failed");
    ok(res, {{"shutting_down", true}, {"master_pid", master}});
  });
  post(R"(/v1/commands/([A-Za-z0-9_.:-]{1,256}))",
       [this](const httplib::Request& req, httplib::Response& res) { v1_command(req, res); });

  auto api = guarded(
      [this](const httplib::Request& req, httplib::Response& res) { api_command(req, res); });
  http_.Get(R"(/api/([A-Za-z0-9_.:-]{1,256})(?:/([A-Za-z0-9_-]{1,64}))?)", api);
  http_.Post(R"(/api/([A-Za-z0-9_.:-]{1,256})(?:/([A-Za-z0-9_-]{1,64}))?)", api);
}

}  // namespace

void attach(Server& server) {
  register_builtins(server);
  auto endpoint = std::make_shared<Endpoint>(server);
  server.addMasterService({"admin endpoint", [endpoint](Server&) { return endpoint->start(); },
                           [endpoint](Server&) { endpoint->stop(); }});
}

}  // namespace swkit::admin
