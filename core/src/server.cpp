#include "swkit/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

// Binds and listens. On failure logs the system's error text and returns -1 (errno kept).
int open_listener(const std::string& host, int& port, int sock_type, int backlog) {
  if (sock_type != kSockTcp && sock_type != kSockTcp6) {
    log_error("socket type {} is not supported yet (TCP and TCP6 are)", sock_type);
    errno = EPROTONOSUPPORT;
    return -1;
  }
  sockaddr_storage addr{};
  socklen_t len = 0;
  const int family = sock_type == kSockTcp6 ? AF_INET6 : AF_INET;
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
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) < 0 || ::listen(fd, backlog) < 0) {
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
    : api(api), host(std::move(host)), port(port), mode(mode), sock_type(sock_type) {}
ServerImpl::~ServerImpl() = default;

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
  if (!cb.on_receive) {
    log_error("start(): require onReceive callback");
    set_last_error(kErrInvalidParams);
    return false;
  }
  if (!connection_events_enabled() && (cb.on_connect || cb.on_close)) {
    log_warn("dispatch_mode {} does not deliver onConnect/onClose (set enable_unsafe_event)",
             cfg.dispatch_mode);
    cb.on_connect = nullptr;
    cb.on_close = nullptr;
  }
  if (cfg.daemonize) daemonize_process();

  listen_fd = open_listener(host, port, sock_type, cfg.backlog);
  if (listen_fd < 0) {
    set_last_error(errno);
    return false;
  }

  const int max_workers = cfg.worker_num;
  arena = std::make_unique<Arena>(max_workers, cfg.max_connection);
  for (int i = 0; i < cfg.worker_num; i++) {
    std::array<int, 2> p{};
    if (!make_ipc_pair(p.data(),
                       static_cast<int>(std::min<long long>(cfg.socket_buffer_size, 64 << 20)))) {
      log_error("socketpair: {}", std::strerror(errno));
      set_last_error(errno);
      return false;
    }
    pipes.push_back(p);
  }

  if (!cfg.pid_file.empty()) {
    std::ofstream(cfg.pid_file) << getpid() << "\n";
  }
  // Block the handled signals before the first fork: every role reads them from a signalfd.
  sigset_t set = handled_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const bool ok = run_master(*this);

  for (auto& p : pipes) {
    ::close(p[0]);
    ::close(p[1]);
  }
  pipes.clear();
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
}

const Settings& Server::setting() const {
  return impl_->settings;
}

namespace {
[[noreturn]] void wrong_shape(std::string_view event, const char* shape) {
  throw ConfigError("on('" + std::string(event) + "'): handler must take " + shape);
}
void must_be_before_start(const detail::ServerImpl& s, std::string_view event) {
  if (s.started)
    throw ConfigError("on('" + std::string(event) + "'): must be called before start()");
}
}  // namespace

bool Server::on(std::string_view event, ServerHandler fn) {
  must_be_before_start(*impl_, event);
  const std::string e = detail::lower(event);
  auto& cb = impl_->cb;
  if (e == "start")
    cb.on_start = std::move(fn);
  else if (e == "shutdown")
    cb.on_shutdown = std::move(fn);
  else if (e == "managerstart")
    cb.on_manager_start = std::move(fn);
  else if (e == "managerstop")
    cb.on_manager_stop = std::move(fn);
  else
    wrong_shape(event, "the arguments of that event (this one takes (Server&))");
  return true;
}

bool Server::on(std::string_view event, WorkerHandler fn) {
  must_be_before_start(*impl_, event);
  const std::string e = detail::lower(event);
  auto& cb = impl_->cb;
  if (e == "workerstart")
    cb.on_worker_start = std::move(fn);
  else if (e == "workerstop")
    cb.on_worker_stop = std::move(fn);
  else
    wrong_shape(event, "the arguments of that event (this one takes (Server&, int worker_id))");
  return true;
}

bool Server::on(std::string_view event, ConnectHandler fn) {
  must_be_before_start(*impl_, event);
  const std::string e = detail::lower(event);
  auto& cb = impl_->cb;
  if (e == "connect")
    cb.on_connect = std::move(fn);
  else if (e == "close")
    cb.on_close = std::move(fn);
  else
    wrong_shape(event, "the arguments of that event (this one takes (Server&, fd, reactor_id))");
  return true;
}

bool Server::on(std::string_view event, ReceiveHandler fn) {
  must_be_before_start(*impl_, event);
  if (detail::lower(event) != "receive") {
    wrong_shape(event,
                "the arguments of that event (this one takes (Server&, fd, reactor_id, data))");
  }
  impl_->cb.on_receive = std::move(fn);
  return true;
}

bool Server::on(std::string_view event, WorkerErrorHandler fn) {
  must_be_before_start(*impl_, event);
  if (detail::lower(event) != "workererror") {
    wrong_shape(event,
                "the arguments of that event (this one takes (Server&, worker_id, pid, exit_code, "
                "signal))");
  }
  impl_->cb.on_worker_error = std::move(fn);
  return true;
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

bool Server::send(SessionId fd, std::string_view data) {
  if (impl_->role != Role::EventWorker || !impl_->worker) {
    set_last_error(kErrServerSendInMaster);
    return false;
  }
  if (fd <= 0 || fd > UINT32_MAX) {
    set_last_error(kErrSessionNotExist);
    return false;
  }
  return impl_->worker->send(static_cast<uint32_t>(fd), data);
}

bool Server::close(SessionId fd, bool reset) {
  if (impl_->role != Role::EventWorker || !impl_->worker) {
    set_last_error(kErrServerSendInMaster);
    return false;
  }
  if (fd <= 0 || fd > UINT32_MAX) {
    set_last_error(kErrSessionNotExist);
    return false;
  }
  return impl_->worker->close(static_cast<uint32_t>(fd), reset);
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
  r.worker_num = impl_->cfg.worker_num;
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
  for (int i = 0; i < impl_->cfg.worker_num; i++) {
    if (a.worker(i).pid.load() > 0 && a.worker(i).status.load() == kWorkerIdle) r.idle_worker_num++;
  }
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
  if (!impl_->arena || worker_id < 0 || worker_id >= impl_->cfg.worker_num) {
    set_last_error(kErrInvalidParams);
    return -1;
  }
  const pid_t pid = impl_->arena->worker(worker_id).pid.load();
  return pid > 0 ? pid : -1;
}

int Server::getWorkerStatus(int worker_id) const {
  if (worker_id < 0) worker_id = impl_->worker_id;
  if (!impl_->arena || worker_id < 0 || worker_id >= impl_->cfg.worker_num) {
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
