#include "swkit/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "log.h"
#include "message_bus.h"
#include "server_impl.h"
#include "worker.h"

namespace swkit {

namespace detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

// Creates, binds and listens on a TCP socket (start() listens again with the final backlog).
// Resolves port 0 to the port bound. On failure logs the system's error text and returns -1
// (errno kept).
int bind_unix_listener(const std::string& path, int& port, int backlog, bool dgram) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    log_error("bad unix socket path '{}' (1 to {} bytes)", path, sizeof addr.sun_path - 1);
    errno = EINVAL;
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  // A socket file left by an earlier run would make bind() fail: replace it (never another
  // kind of file).
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  const int fd =
      ::socket(AF_UNIX, (dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      (!dgram && ::listen(fd, backlog) < 0)) {
    const int err = errno;
    log_error("bind/listen {} failed: {}", path, std::strerror(err));
    ::close(fd);
    errno = err;
    return -1;
  }
  port = 0;
  return fd;
}

int bind_listener(const std::string& host, int& port, int sock_type, int backlog) {
  if (sock_type == kSockUnixStream || sock_type == kSockUnixDgram) {
    return bind_unix_listener(host, port, backlog, sock_type == kSockUnixDgram);
  }
  if (sock_type != kSockTcp && sock_type != kSockTcp6 && sock_type != kSockUdp &&
      sock_type != kSockUdp6) {
    log_error(
        "socket type {} is not supported yet (TCP, TCP6, UDP, UDP6, UNIX_STREAM and UNIX_DGRAM "
        "are)",
        sock_type);
    errno = EPROTONOSUPPORT;
    return -1;
  }
  const bool udp = sock_type == kSockUdp || sock_type == kSockUdp6;
  sockaddr_storage addr{};
  socklen_t len = 0;
  const int family = sock_type == kSockTcp6 || sock_type == kSockUdp6 ? AF_INET6 : AF_INET;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      log_error("bad IPv4 address '{}'", host);
      errno = EINVAL;
      return -1;
    }
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      log_error("bad IPv6 address '{}'", host);
      errno = EINVAL;
      return -1;
    }
    len = sizeof(sockaddr_in6);
  }
  int fd = ::socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  if (!udp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0 ||
      (!udp && ::listen(fd, backlog) < 0)) {
    const int err = errno;
    log_error("bind/listen {}:{} failed: {}", host, port, std::strerror(err));
    ::close(fd);
    errno = err;
    return -1;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  port = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                           : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return fd;
}

void daemonize_process() {
  if (pid_t pid = fork(); pid > 0) _exit(0);
  setsid();
  if (pid_t pid = fork(); pid > 0) _exit(0);
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) ::close(null);
  }
}

}  // namespace

ServerImpl::ServerImpl(Server& api, std::string host, int port, Mode mode, int sock_type)
    : api(api), host(std::move(host)), port(port), mode(mode), sock_type(sock_type) {
  auto primary = std::make_unique<Listener>();
  primary->host = this->host;
  primary->port = port;
  primary->sock_type = sock_type;
  primary->api.reset(new Port(*this, *primary));
  listeners.push_back(std::move(primary));
}

ServerImpl::~ServerImpl() {
  close_listeners();
  if (creator == getpid()) remove_unix_sockets();
}

void ServerImpl::remove_unix_sockets() {
  for (auto& l : listeners) {
    if (l->unix_socket() && l->server_fd >= 0) ::unlink(l->host.c_str());
  }
}

void ServerImpl::close_listeners(bool keep_udp) {
  for (auto& l : listeners) {
    if (keep_udp && l->udp()) continue;
    if (l->fd >= 0) ::close(l->fd);
    l->fd = -1;
  }
}

bool ServerImpl::bind_primary() {
  Listener& primary = *listeners[0];
  primary.fd = bind_listener(host, port, sock_type, cfg.backlog);
  if (primary.fd < 0) {
    set_last_error(errno);
    return false;
  }
  primary.server_fd = primary.fd;
  primary.port = port;
  return true;
}

bool ServerImpl::prepare_listeners() {
  Listener& primary = *listeners[0];
  if (primary.fd < 0 && !bind_primary()) return false;  // else bound early by Port::socket()
  for (auto& l : listeners) {
    // Again for the ports added before set() gave the backlog (Linux updates it in place).
    if (!l->udp() && ::listen(l->fd, cfg.backlog) < 0) {
      const int err = errno;
      log_error("listen {}:{} failed: {}", l->host, l->port, std::strerror(err));
      set_last_error(err);
      close_listeners();
      return false;
    }
    // A port without its own set() frames like the server (Swoole: it inherits the settings).
    if (l.get() == &primary || !l->has_settings) copy_protocol(cfg, l->proto);
    if (!l->on_receive) l->on_receive = cb.on_receive;
    if (!l->on_packet) l->on_packet = cb.on_packet;
    if (!l->on_connect) l->on_connect = cb.on_connect;
    if (!l->on_close) l->on_close = cb.on_close;
  }
  return true;
}

const char* ServerImpl::missing_handler() const {
  for (const auto& l : listeners) {
    if (l->udp() && !cb.on_packet && !l->on_packet) return "require onPacket callback";
    if (!l->udp() && !cb.on_receive && !l->on_receive) return "require onReceive callback";
  }
  if (cfg.task_worker_num > 0 && !cb.on_task) return "require onTask callback";
  if (cfg.task_worker_num > 0 && !cb.on_finish) return "require onFinish callback";
  return nullptr;
}

int ServerImpl::check_session(uint32_t sid) const {
  if (!arena || sid == 0) return kErrSessionNotExist;
  const uint32_t round = arena->stats().session_round.load(std::memory_order_acquire);
  if (sid > round) return kErrSessionNotExist;
  SessionEntry& e = arena->session(sid);
  if (e.session_id.load(std::memory_order_acquire) != sid) return kErrSessionClosed;
  switch (static_cast<SessionState>(e.state.load(std::memory_order_acquire))) {
    case SessionState::Active:
      return 0;
    case SessionState::Closing:
      return kErrSessionClosing;
    default:
      return kErrSessionClosed;
  }
}

bool ServerImpl::start() {
  if (started) {
    set_last_error(kErrServerOnlyStartOne);
    log_error("start(): the server was already started");
    return false;
  }
  started = true;
  finalize_config(cfg);
  init_logging("master", cfg.log_file, cfg.log_level);
  auto refuse = [this](const char* what) {
    log_error("start(): {}", what);
    set_last_error(kErrInvalidParams);
    started = false;  // nothing was started: fix the setup and call start() again
    return false;
  };
  if (const char* missing = missing_handler()) return refuse(missing);
  if (!connection_events_enabled()) {
    bool any = cb.on_connect || cb.on_close;
    for (auto& l : listeners) {
      any = any || l->on_connect || l->on_close;
      l->on_connect = nullptr;
      l->on_close = nullptr;
    }
    if (any) {
      log_warn("dispatch_mode {} does not deliver onConnect/onClose (set enable_unsafe_event)",
               cfg.dispatch_mode);
    }
    cb.on_connect = nullptr;
    cb.on_close = nullptr;
  }
  if (!cfg.admin_server.empty() && services.empty()) {
    return refuse(
        "admin_server is set, but no admin endpoint is attached (link swkit_admin and call "
        "swkit::admin::attach(server) before start)");
  }
  if (cfg.daemonize) daemonize_process();

  if (!prepare_listeners()) return false;

  arena = std::make_unique<Arena>(total_processes(), cfg.max_connection);
  const int ipc_buffer = static_cast<int>(std::min<long long>(cfg.socket_buffer_size, 64 << 20));
  auto make_pair = [&](std::array<int, 2>& p) {
    if (make_ipc_pair(p.data(), ipc_buffer)) return true;
    log_error("socketpair: {}", std::strerror(errno));
    set_last_error(errno);
    return false;
  };
  pipes.resize(total_processes());
  for (auto& p : pipes) {
    if (!make_pair(p)) return false;
  }
  if (task_workers() > 0) {
    result_pipes.resize(event_workers());
    for (auto& p : result_pipes) {
      if (!make_pair(p)) return false;
    }
    if (cfg.task_ipc_mode == 3 && !make_pair(task_queue)) return false;
  }
  if (!control.create(total_processes())) {
    log_error("socketpair: {}", std::strerror(errno));
    set_last_error(errno);
    return false;
  }

  if (!cfg.pid_file.empty()) {
    std::ofstream(cfg.pid_file) << getpid() << "\n";
  }
  // Block the handled signals before the first fork: every role reads them from a signalfd.
  sigset_t set = handled_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const bool ok = run_master(*this);
  remove_unix_sockets();

  for (auto* list : {&pipes, &result_pipes}) {
    for (auto& p : *list) {
      ::close(p[0]);
      ::close(p[1]);
    }
    list->clear();
  }
  if (task_queue[0] >= 0) {
    ::close(task_queue[0]);
    ::close(task_queue[1]);
    task_queue = {-1, -1};
  }
  control.close_all();
  if (!cfg.pid_file.empty()) ::unlink(cfg.pid_file.c_str());
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  role = Role::Setup;
  return ok;
}

}  // namespace detail

using detail::Role;

Server::Server(std::string host, int port, Mode mode, int sock_type)
    : impl_(std::make_unique<detail::ServerImpl>(*this, std::move(host), port, mode, sock_type)) {}

Server::~Server() = default;

void Server::set(const Settings& settings) {
  if (impl_->started) {
    throw ConfigError("set(): settings must be given before start()");
  }
  // Validate everything first so that a refused call changes nothing.
  detail::Config next = impl_->cfg;
  for (const auto& [key, value] : settings) detail::apply_setting(next, key, value);
  impl_->cfg = next;
  for (const auto& [key, value] : settings) impl_->settings[key] = value;
  if (settings.count("log_level")) detail::set_log_level(next.log_level);
}

std::string Server::missingHandler() const {
  const char* missing = impl_->missing_handler();
  return missing ? missing : "";
}

const Settings& Server::setting() const {
  return impl_->settings;
}

namespace {

[[noreturn]] void wrong_shape(std::string_view event, const char* shape) {
  throw ConfigError("on('" + std::string(event) + "'): handler must take " + shape);
}

void must_be_before_start(const detail::ServerImpl& s, std::string_view event) {
  if (s.started) {
    throw ConfigError("on('" + std::string(event) + "'): must be called before start()");
  }
}

// Stores fn in the slot named by event, or refuses with the shape the caller should use.
template <typename Fn>
bool assign(detail::ServerImpl& s, std::string_view event,
            std::initializer_list<std::pair<const char*, Fn*>> slots, Fn fn, const char* shape) {
  must_be_before_start(s, event);
  const std::string e = detail::lower(event);
  for (const auto& [name, slot] : slots) {
    if (e == name) {
      *slot = std::move(fn);
      return true;
    }
  }
  wrong_shape(event, shape);
}

// The calling process's worker runtime, or nullptr with error 9009 (master/manager).
detail::WorkerProcess* runtime(detail::ServerImpl& s) {
  if (!s.worker) set_last_error(kErrServerSendInMaster);
  return s.worker.get();
}

bool valid_session(SessionId fd) {
  if (fd > 0 && fd <= UINT32_MAX) return true;
  set_last_error(kErrSessionNotExist);
  return false;
}

}  // namespace

bool Server::on(std::string_view event, ServerHandler fn) {
  auto& cb = impl_->cb;
  return assign<ServerHandler>(*impl_, event,
                               {{"start", &cb.on_start},
                                {"shutdown", &cb.on_shutdown},
                                {"managerstart", &cb.on_manager_start},
                                {"managerstop", &cb.on_manager_stop},
                                {"beforereload", &cb.on_before_reload},
                                {"afterreload", &cb.on_after_reload}},
                               std::move(fn), "the arguments of that event, not (Server&)");
}

bool Server::on(std::string_view event, WorkerHandler fn) {
  auto& cb = impl_->cb;
  return assign<WorkerHandler>(*impl_, event,
                               {{"workerstart", &cb.on_worker_start},
                                {"workerstop", &cb.on_worker_stop},
                                {"workerexit", &cb.on_worker_exit}},
                               std::move(fn),
                               "the arguments of that event, not (Server&, int worker_id)");
}

bool Server::on(std::string_view event, ConnectHandler fn) {
  auto& cb = impl_->cb;
  return assign<ConnectHandler>(
      *impl_, event, {{"connect", &cb.on_connect}, {"close", &cb.on_close}}, std::move(fn),
      "the arguments of that event, not (Server&, fd, reactor_id)");
}

bool Server::on(std::string_view event, ReceiveHandler fn) {
  return assign<ReceiveHandler>(*impl_, event, {{"receive", &impl_->cb.on_receive}}, std::move(fn),
                                "the arguments of that event, not (Server&, fd, reactor_id, data)");
}

Port* Server::addListener(const std::string& host, int port, int sock_type) {
  if (impl_->started) {
    detail::log_warn("addListener(): must be called before start()");
    set_last_error(kErrWrongOperation);
    return nullptr;
  }
  auto l = std::make_unique<detail::Listener>();
  l->host = host;
  l->port = port;
  l->sock_type = sock_type;
  l->fd = detail::bind_listener(host, l->port, sock_type, impl_->cfg.backlog);
  if (l->fd < 0) {
    set_last_error(errno);
    return nullptr;
  }
  l->server_fd = l->fd;
  l->api.reset(new Port(*impl_, *l));
  impl_->listeners.push_back(std::move(l));
  return impl_->listeners.back()->api.get();
}

std::vector<Port*> Server::ports() const {
  std::vector<Port*> out;
  for (const auto& l : impl_->listeners) out.push_back(l->api.get());
  return out;
}

void Port::set(const Settings& settings) {
  if (&listener_ == server_.listeners[0].get()) return server_.api.set(settings);
  if (server_.started) throw ConfigError("Port::set(): settings must be given before start()");
  detail::Config next = listener_.has_settings ? listener_.proto : detail::Config{};
  for (const auto& [key, value] : settings) detail::apply_port_setting(next, key, value);
  detail::check_protocol(next);
  listener_.proto = next;
  listener_.has_settings = true;
  for (const auto& [key, value] : settings) listener_.settings[key] = value;
}

const Settings& Port::setting() const {
  if (&listener_ == server_.listeners[0].get()) return server_.settings;
  return listener_.settings;
}

bool Port::on(std::string_view event, Server::ConnectHandler fn) {
  if (&listener_ == server_.listeners[0].get()) return server_.api.on(event, std::move(fn));
  return assign<Server::ConnectHandler>(
      server_, event, {{"connect", &listener_.on_connect}, {"close", &listener_.on_close}},
      std::move(fn), "the arguments of that event, not (Server&, fd, reactor_id)");
}

bool Port::on(std::string_view event, Server::ReceiveHandler fn) {
  if (&listener_ == server_.listeners[0].get()) return server_.api.on(event, std::move(fn));
  return assign<Server::ReceiveHandler>(
      server_, event, {{"receive", &listener_.on_receive}}, std::move(fn),
      "the arguments of that event, not (Server&, fd, reactor_id, data)");
}

bool Port::on(std::string_view event, Server::PacketHandler fn) {
  if (&listener_ == server_.listeners[0].get()) return server_.api.on(event, std::move(fn));
  return assign<Server::PacketHandler>(
      server_, event, {{"packet", &listener_.on_packet}}, std::move(fn),
      "the arguments of that event, not (Server&, data, PacketInfo)");
}

const std::string& Port::host() const {
  return listener_.host;
}
int Port::port() const {
  return listener_.port;
}
int Port::type() const {
  return listener_.sock_type;
}
int Port::fd() const {
  return listener_.fd;
}

int Port::socket() {
  if (listener_.fd < 0 && &listener_ == server_.listeners[0].get() && !server_.started &&
      !server_.bind_primary()) {
    return -1;
  }
  if (listener_.fd < 0) {
    set_last_error(EBADF);  // closed in this process (a PROCESS-mode worker does not accept)
    return -1;
  }
  return listener_.fd;
}

bool Server::on(std::string_view event, PacketHandler fn) {
  return assign<PacketHandler>(*impl_, event, {{"packet", &impl_->cb.on_packet}}, std::move(fn),
                               "the arguments of that event, not (Server&, data, PacketInfo)");
}

bool Server::on(std::string_view event, WorkerErrorHandler fn) {
  return assign<WorkerErrorHandler>(
      *impl_, event, {{"workererror", &impl_->cb.on_worker_error}}, std::move(fn),
      "the arguments of that event, not (Server&, worker_id, pid, exit_code, signal)");
}

bool Server::on(std::string_view event, TaskHandler fn) {
  return assign<TaskHandler>(*impl_, event, {{"task", &impl_->cb.on_task}}, std::move(fn),
                             "the arguments of that event, not (Server&, TaskId, src, data)");
}

bool Server::on(std::string_view event, FinishHandler fn) {
  return assign<FinishHandler>(*impl_, event, {{"finish", &impl_->cb.on_finish}}, std::move(fn),
                               "the arguments of that event, not (Server&, TaskId, data)");
}

bool Server::on(std::string_view event, PipeMessageHandler fn) {
  return assign<PipeMessageHandler>(
      *impl_, event, {{"pipemessage", &impl_->cb.on_pipe_message}}, std::move(fn),
      "the arguments of that event, not (Server&, src_worker_id, message)");
}

int Server::addProcess(ProcessBody body) {
  if (impl_->started) throw ConfigError("addProcess(): must be called before start()");
  if (!body) throw ConfigError("addProcess(): the process body is empty");
  impl_->process_bodies.push_back(std::move(body));
  // Ids follow the task workers; worker_num/task_worker_num may still change before start, so
  // the id is final only then. Swoole returns the index among user processes here too.
  return static_cast<int>(impl_->process_bodies.size()) - 1;
}

bool Server::start() {
  return impl_->start();
}

bool Server::shutdown() {
  if (!impl_->arena) {
    set_last_error(kErrWrongOperation);
    return false;
  }
  const pid_t master = impl_->arena->stats().master_pid.load();
  if (master <= 0 || kill(master, SIGTERM) != 0) {
    set_last_error(errno ? errno : kErrWrongOperation);
    return false;
  }
  return true;
}

bool Server::reload(bool only_task, ReloadSource source) {
  if (!impl_->arena || impl_->arena->stats().manager_pid.load() <= 0) {
    set_last_error(kErrWrongOperation);
    return false;
  }
  detail::StatsBlock& st = impl_->arena->stats();
  if (const uint32_t running = st.reload_running.load()) {
    detail::log_warn("reload(): refused, reload #{} is still running", running);
    set_last_error(kErrWrongOperation);
    return false;
  }
  st.reload_trigger.store(static_cast<int32_t>(source));
  if (kill(st.manager_pid.load(), only_task ? SIGUSR2 : SIGUSR1) != 0) {
    set_last_error(errno);
    return false;
  }
  return true;
}

bool Server::stop(int worker_id, bool wait_event) {
  detail::ServerImpl& s = *impl_;
  if (worker_id < 0 || worker_id == s.worker_id) {
    detail::WorkerProcess* w = runtime(s);
    if (!w || s.role == Role::UserProcess) {
      set_last_error(kErrWrongOperation);
      return false;
    }
    return w->stop_self(wait_event);
  }
  if (!s.arena || worker_id >= s.event_workers() + s.task_workers()) {
    set_last_error(kErrInvalidParams);
    return false;
  }
  const pid_t pid = s.arena->worker(worker_id).pid.load();
  if (pid <= 0 || kill(pid, SIGTERM) != 0) {
    set_last_error(kErrInvalidParams);
    return false;
  }
  return true;
}

int64_t Server::tick(double ms, TimerHandler fn) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && ms > 0 ? w->add_timer(ms, std::move(fn), true) : -1;
}

int64_t Server::after(double ms, TimerHandler fn) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && ms >= 0 ? w->add_timer(ms, std::move(fn), false) : -1;
}

bool Server::clearTimer(int64_t timer_id) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && w->clear_timer(timer_id);
}

bool Server::watch(int fd, bool writable, std::function<void()> fn) {
  detail::WorkerProcess* w = runtime(*impl_);
  if (!w) return false;
  if (!w->add_watch(fd, writable, std::move(fn))) {
    set_last_error(kErrInvalidParams);
    return false;
  }
  return true;
}

bool Server::onSignal(int signo, std::function<void(int)> fn) {
  detail::WorkerProcess* w = runtime(*impl_);
  if (!w) return false;
  if (!w->set_signal(signo, std::move(fn))) {
    set_last_error(kErrInvalidParams);
    return false;
  }
  return true;
}

bool Server::unwatch(int fd) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && w->remove_watch(fd);
}

int64_t Server::task(std::string_view data, int dst_worker_id, FinishHandler on_finish) {
  detail::ServerImpl& s = *impl_;
  if (s.cfg.task_worker_num == 0 || !s.arena) {
    detail::log_warn("task(): no task workers (set task_worker_num)");
    set_last_error(kErrTaskDispatchFail);
    return -1;
  }
  if (s.worker) return s.worker->task(data, dst_worker_id, std::move(on_finish));
  // Master and manager: one-way tasks, written with blocking I/O.
  return detail::send_task_blocking(s, data, dst_worker_id);
}

std::optional<std::string> Server::taskwait(std::string_view data, double timeout,
                                            int dst_worker_id) {
  detail::WorkerProcess* w = runtime(*impl_);
  if (!w) return std::nullopt;
  auto results = w->task_wait({data}, timeout, dst_worker_id);
  return results.empty() ? std::nullopt : std::move(results[0]);
}

std::map<size_t, std::string> Server::taskWaitMulti(const std::vector<std::string>& tasks,
                                                    double timeout) {
  std::map<size_t, std::string> out;
  const auto results = taskCo(tasks, timeout);
  for (size_t i = 0; i < results.size(); i++) {
    if (results[i]) out.emplace(i, *results[i]);
  }
  return out;
}

std::vector<std::optional<std::string>> Server::taskCo(const std::vector<std::string>& tasks,
                                                       double timeout) {
  detail::WorkerProcess* w = runtime(*impl_);
  if (!w) return {};
  std::vector<std::string_view> views(tasks.begin(), tasks.end());
  return w->task_wait(views, timeout, -1);
}

bool Server::taskCo(const std::vector<std::string>& tasks, double timeout, TaskGroupHandler done) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && w->task_group(tasks, timeout, std::move(done));
}

bool Server::finish(std::string_view data) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && w->finish(data);
}

bool Server::sendMessage(std::string_view message, int worker_id) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && w->send_message(message, worker_id);
}

bool Server::isTaskWorker() const {
  return impl_->role == Role::TaskWorker;
}

bool Server::sendto(std::string_view ip, int port, std::string_view data, int server_socket) {
  const std::string host(ip);
  // A unix datagram peer: sent from a UNIX_DGRAM port (any path, also a relative one, as
  // onPacket reported it), or an absolute path.
  bool unix_peer = !host.empty() && host[0] == '/';
  for (const auto& l : impl_->listeners) {
    if (server_socket >= 0 && l->server_fd == server_socket) {
      unix_peer = l->sock_type == kSockUnixDgram;
    }
  }
  const bool v6 = !unix_peer && host.find(':') != std::string::npos;
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool ok = unix_peer || (port >= 1 && port <= 65535);
  if (unix_peer) {
    auto* a = reinterpret_cast<sockaddr_un*>(&addr);
    a->sun_family = AF_UNIX;
    ok = host.size() < sizeof a->sun_path;
    if (ok) std::memcpy(a->sun_path, host.data(), host.size());
    len = sizeof(sockaddr_un);
  } else if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    ok = ok && inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) == 1;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    ok = ok && inet_pton(AF_INET, host.c_str(), &a->sin_addr) == 1;
    len = sizeof(sockaddr_in);
  }
  if (!ok) {
    detail::log_warn("sendto(): bad address {}:{}", host, port);
    set_last_error(kErrInvalidParams);
    return false;
  }
  const int want = unix_peer ? kSockUnixDgram : v6 ? kSockUdp6 : kSockUdp;
  const detail::Listener* from = nullptr;
  for (const auto& l : impl_->listeners) {
    if (l->fd < 0 || !l->udp()) continue;
    if (server_socket >= 0 ? l->server_fd == server_socket : l->sock_type == want) {
      from = l.get();
      break;
    }
  }
  if (!from || from->sock_type != want) {
    const char* kind = unix_peer ? "UNIX_DGRAM" : v6 ? "UDP6" : "UDP";
    if (server_socket >= 0) {
      detail::log_warn("sendto(): server_socket {} is not a {} port", server_socket, kind);
    } else {
      detail::log_warn("sendto(): no {} port to send from", kind);
    }
    set_last_error(kErrInvalidParams);
    return false;
  }
  const ssize_t n = ::sendto(from->fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                             reinterpret_cast<sockaddr*>(&addr), len);
  if (n < 0) {
    set_last_error(errno);
    return false;
  }
  if (impl_->arena) {
    impl_->arena->stats().total_send_bytes.fetch_add(n, std::memory_order_relaxed);
  }
  return true;
}

bool Server::send(SessionId fd, std::string_view data) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && valid_session(fd) && w->send(static_cast<uint32_t>(fd), data);
}

bool Server::close(SessionId fd, bool reset) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && valid_session(fd) && w->close(static_cast<uint32_t>(fd), reset);
}

bool Server::pause(SessionId fd) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && valid_session(fd) && w->set_paused(static_cast<uint32_t>(fd), true);
}

bool Server::resume(SessionId fd) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && valid_session(fd) && w->set_paused(static_cast<uint32_t>(fd), false);
}

namespace {

// The shared-memory row of an active session, or nullptr with the last error set.
detail::ConnectionSlot* active_slot(detail::ServerImpl& s, SessionId fd) {
  if (fd <= 0 || fd > UINT32_MAX || !s.arena) {
    set_last_error(kErrSessionNotExist);
    return nullptr;
  }
  const auto sid = static_cast<uint32_t>(fd);
  if (const int err = s.check_session(sid)) {
    set_last_error(err);
    return nullptr;
  }
  detail::ConnectionSlot* c = s.arena->connection(s.arena->session(sid).row.load());
  if (!c || c->session_id.load(std::memory_order_acquire) != sid) {
    set_last_error(kErrSessionClosed);
    return nullptr;
  }
  return c;
}

}  // namespace

bool Server::protect(SessionId fd, bool is_protected) {
  detail::ConnectionSlot* c = active_slot(*impl_, fd);
  if (!c) return false;
  c->is_protected.store(is_protected ? 1 : 0, std::memory_order_relaxed);
  return true;
}

bool Server::sendfile(SessionId fd, const std::string& filename, int64_t offset, int64_t length) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && valid_session(fd) &&
         w->send_file(static_cast<uint32_t>(fd), filename, offset, length);
}

bool Server::sendwait(SessionId fd, std::string_view data) {
  detail::WorkerProcess* w = runtime(*impl_);
  return w && valid_session(fd) && w->send_wait(static_cast<uint32_t>(fd), data);
}

bool Server::confirm(SessionId fd) {
  detail::WorkerProcess* w = runtime(*impl_);
  if (!w) return false;
  detail::ConnectionSlot* c = active_slot(*impl_, fd);
  if (!c) return false;
  uint8_t delayed = 1;
  if (!c->delayed.compare_exchange_strong(delayed, 0)) {
    set_last_error(kErrWrongOperation);  // already read (confirmed, or no enable_delay_receive)
    return false;
  }
  return w->set_paused(static_cast<uint32_t>(fd), false);
}

bool Server::bind(SessionId fd, uint32_t uid) {
  if (uid == 0) {
    detail::log_warn("bind(): the uid must not be 0");
    set_last_error(kErrInvalidParams);
    return false;
  }
  detail::ConnectionSlot* c = active_slot(*impl_, fd);
  if (!c) return false;
  uint32_t unbound = 0;
  if (!c->uid.compare_exchange_strong(unbound, uid)) {
    set_last_error(kErrWrongOperation);  // bound once already (Swoole: false)
    return false;
  }
  return true;
}

bool Server::exist(SessionId fd) const {
  if (fd <= 0 || fd > UINT32_MAX) return false;
  return impl_->check_session(static_cast<uint32_t>(fd)) == 0;
}

bool Server::getClientInfo(SessionId fd, ClientInfo& out) const {
  detail::ConnectionSnapshot snap{};
  if (fd <= 0 || fd > UINT32_MAX || !impl_->arena) {
    set_last_error(kErrSessionNotExist);
    return false;
  }
  if (!detail::snapshot_connection(*impl_->arena, static_cast<uint32_t>(fd), snap)) {
    const int err = impl_->check_session(static_cast<uint32_t>(fd));
    set_last_error(err ? err : kErrSessionClosed);
    return false;
  }
  out.server_port = snap.server_port;
  out.server_fd = snap.server_fd;
  out.socket_fd = snap.fd;
  out.socket_type = snap.socket_type;
  out.remote_port = snap.remote_port;
  out.remote_ip = snap.remote_ip;
  out.reactor_id = snap.reactor_id;
  out.connect_time = snap.connect_time;
  out.last_recv_time = static_cast<double>(snap.last_recv_us) / 1e6;
  out.last_time = snap.last_recv_us / 1000000;
  out.last_send_time = static_cast<double>(snap.last_send_us) / 1e6;
  out.last_dispatch_time = static_cast<double>(snap.last_dispatch_us) / 1e6;
  out.close_errno = snap.close_errno;
  out.recv_queued_bytes = snap.recv_queued;
  out.send_queued_bytes = snap.send_queued;
  out.worker_id = snap.owner_worker;
  out.uid = snap.uid;
  return true;
}

bool Server::heartbeat(bool close_connection, std::vector<SessionId>& out) {
  out.clear();
  const int idle = impl_->cfg.heartbeat_idle_time;
  if (idle <= 0) {
    detail::log_warn("heartbeat(): set heartbeat_idle_time or heartbeat_check_interval first");
    set_last_error(kErrInvalidParams);
    return false;
  }
  const double now = detail::wall_time();
  std::vector<SessionId> page;
  for (SessionId start = 0; getClientList(start, 100, page) && !page.empty(); start = page.back()) {
    for (const SessionId sid : page) {
      detail::ConnectionSnapshot snap{};
      if (!detail::snapshot_connection(*impl_->arena, static_cast<uint32_t>(sid), snap) ||
          snap.is_protected) {
        continue;  // closed meanwhile, or protect()ed
      }
      const double last = std::max(static_cast<double>(snap.last_recv_us) / 1e6,
                                   static_cast<double>(snap.connect_time));
      if (now - last > idle) out.push_back(sid);
    }
  }
  if (close_connection) {
    for (const SessionId sid : out) close(sid);
  }
  return true;
}

bool Server::getClientList(SessionId start_fd, int page_size, std::vector<SessionId>& out) const {
  out.clear();
  if (page_size < 1 || page_size > 100) {
    detail::log_warn("getClientList(): page_size must be in [1, 100], got {}", page_size);
    set_last_error(kErrInvalidParams);
    return false;
  }
  if (!impl_->arena) {
    set_last_error(kErrWrongOperation);
    return false;
  }
  detail::Arena& a = *impl_->arena;
  const int rows = a.rows_in_use();
  for (int row = 0; row < rows; row++) {
    detail::ConnectionSlot* c = a.connection(row);
    const uint32_t sid = c->session_id.load(std::memory_order_acquire);
    if (sid != 0 && sid > start_fd &&
        c->state.load(std::memory_order_relaxed) ==
            static_cast<uint8_t>(detail::ConnState::Active)) {
      out.push_back(sid);
    }
  }
  std::sort(out.begin(), out.end());
  if (out.size() > static_cast<size_t>(page_size)) out.resize(page_size);
  return true;
}

ServerStats Server::stats() const {
  ServerStats r;
  if (!impl_->arena) return r;
  detail::Arena& a = *impl_->arena;
  const detail::StatsBlock& st = a.stats();
  r.start_time = st.start_time.load();
  r.connection_num = st.connection_num.load();
  r.abort_count = st.abort_count.load();
  r.accept_count = st.accept_count.load();
  r.close_count = st.close_count.load();
  r.worker_num = impl_->event_workers();
  r.task_worker_num = impl_->task_workers();
  r.user_worker_num = impl_->user_processes();
  r.dispatch_count = st.dispatch_count.load();
  r.request_count = st.request_count.load();
  r.response_count = st.response_count.load();
  r.total_recv_bytes = st.total_recv_bytes.load();
  r.total_send_bytes = st.total_send_bytes.load();
  r.pipe_packet_msg_id = static_cast<int64_t>(st.pipe_packet_msg_id.load());
  r.concurrency = st.concurrency.load();
  r.session_round = st.session_round.load();
  r.min_fd = st.min_fd.load();
  r.max_fd = st.max_fd.load();
  int64_t sent = st.other_tasks_sent.load(), bytes = st.other_task_bytes_sent.load();
  int64_t started = 0, bytes_started = 0;
  for (int i = 0; i < impl_->total_processes(); i++) {
    const detail::WorkerSlot& w = a.worker(i);
    sent += w.tasks_sent.load();
    bytes += w.task_bytes_sent.load();
    started += w.tasks_started.load();
    bytes_started += w.task_bytes_started.load();
  }
  r.tasking_num = std::max<int64_t>(0, sent - started);
  r.task_count = started;
  for (int i = 0; i < impl_->event_workers() + impl_->task_workers(); i++) {
    const detail::WorkerSlot& w = a.worker(i);
    if (w.pid.load() <= 0 || w.status.load() != kWorkerIdle) continue;
    if (impl_->is_task_worker_id(i)) {
      r.task_idle_worker_num++;
    } else {
      r.idle_worker_num++;
    }
  }
  // Sent and not yet started, in count and bytes (Swoole reads these off its message queue).
  r.task_queue_num = std::max<int64_t>(0, r.tasking_num);
  r.task_queue_bytes = std::max<int64_t>(0, bytes - bytes_started);
  if (impl_->worker_id >= 0) {
    const detail::WorkerSlot& w = a.worker(impl_->worker_id);
    r.worker_request_count = w.request_count.load();
    r.worker_response_count = w.response_count.load();
    r.worker_dispatch_count = w.dispatch_count.load();
    r.worker_concurrency = w.concurrency.load();
  }
  return r;
}

int Server::getWorkerId() const {
  return impl_->worker_id;
}

pid_t Server::getWorkerPid(int worker_id) const {
  if (worker_id < 0) worker_id = impl_->worker_id;
  if (!impl_->arena || worker_id < 0 || worker_id >= impl_->total_processes()) {
    set_last_error(kErrInvalidParams);
    return -1;
  }
  const pid_t pid = impl_->arena->worker(worker_id).pid.load();
  return pid > 0 ? pid : -1;
}

int Server::getWorkerStatus(int worker_id) const {
  if (worker_id < 0) worker_id = impl_->worker_id;
  if (!impl_->arena || worker_id < 0 || worker_id >= impl_->total_processes()) {
    set_last_error(kErrInvalidParams);
    return -1;
  }
  const int status = impl_->arena->worker(worker_id).status.load();
  return status > 0 ? status : -1;
}

pid_t Server::getMasterPid() const {
  return impl_->arena ? impl_->arena->stats().master_pid.load() : -1;
}

pid_t Server::getManagerPid() const {
  return impl_->arena ? impl_->arena->stats().manager_pid.load() : -1;
}

std::optional<WorkerInfo> Server::getWorkerInfo(int id) const {
  if (!impl_->arena || id < 0 || id >= impl_->total_processes()) {
    set_last_error(kErrInvalidParams);
    return std::nullopt;
  }
  const detail::WorkerSlot& w = impl_->arena->worker(id);
  WorkerInfo info;
  info.id = id;
  info.kind = impl_->kind_of(id);
  info.pid = w.pid.load();
  info.status = w.status.load();
  info.state = detail::slot_state_name(static_cast<detail::SlotState>(w.state.load()));
  info.generation = w.generation.load();
  info.requests = w.request_count.load();
  info.respawns = w.respawn_count.load();
  info.last_exit_status = w.last_exit_status.load();
  info.start_time = w.start_time.load();
  info.backoff_until_ms = w.backoff_until_ms.load();
  info.lane_tasks = w.lane_tasks.load();
  return info;
}

std::vector<ReloadInfo> Server::getReloads() const {
  std::vector<ReloadInfo> out;
  if (!impl_->arena) return out;
  detail::ReloadHistory& h = impl_->arena->reloads();
  std::vector<detail::ReloadRecord> copy;
  {
    std::lock_guard<detail::Spinlock> lock(h.lock);
    const uint32_t n = std::min<uint32_t>(h.count, detail::kReloadHistory);
    for (uint32_t i = h.count - n; i < h.count; i++) {
      copy.push_back(h.records[i % detail::kReloadHistory]);
    }
  }
  static const char* triggers[] = {"signal", "api", "admin"};
  for (const auto& rec : copy) {
    ReloadInfo r;
    r.id = rec.id;
    r.trigger = triggers[std::clamp(rec.trigger, 0, 2)];
    r.strategy = rec.parallel ? "parallel" : "rolling";
    r.task_only = rec.task_only != 0;
    r.done = rec.done != 0;
    r.forced = rec.forced;
    r.refused = rec.refused;
    r.paced_ms = rec.paced_ms;
    r.started_at = rec.started_at;
    r.finished_at = rec.finished_at;
    for (int i = 0; i < rec.workers; i++) {
      const auto& w = rec.results[i];
      r.workers.push_back({w.worker_id, w.old_pid, w.new_pid, w.drain_ms, w.forced != 0, w.cpu_us});
    }
    out.push_back(std::move(r));
  }
  return out;
}

int Server::getLastError() const {
  return last_error();
}
int Server::port() const {
  return impl_->port;
}
const std::string& Server::host() const {
  return impl_->host;
}
Mode Server::mode() const {
  return impl_->mode;
}

}  // namespace swkit
