#include "connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "log.h"
#include "protocol.h"
#include "swkit/errors.h"

namespace swkit::detail {

namespace {
constexpr size_t kReadChunk = 64 * 1024;

int64_t now_us() {
  return static_cast<int64_t>(wall_time() * 1e6);
}

void update_fd_range(StatsBlock& st, int fd) {
  int cur = st.max_fd.load(std::memory_order_relaxed);
  while (fd > cur && !st.max_fd.compare_exchange_weak(cur, fd)) {
  }
  cur = st.min_fd.load(std::memory_order_relaxed);
  while ((cur == 0 || fd < cur) && !st.min_fd.compare_exchange_weak(cur, fd)) {
  }
}
}  // namespace

std::string format_ip(const sockaddr_storage& addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    if (port) *port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    if (port) *port = ntohs(a->sin6_port);
  } else if (addr.ss_family == AF_UNIX) {
    // A unix peer: its path (empty for an unbound or abstract socket), port 0.
    const auto* a = reinterpret_cast<const sockaddr_un*>(&addr);
    if (port) *port = 0;
    return std::string(a->sun_path, strnlen(a->sun_path, sizeof a->sun_path));
  }
  return buf;
}

void receive_datagrams(int fd, std::string& buf, int max, const DatagramHandler& on) {
  buf.resize(65536);
  for (int i = 0; i < max; i++) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    // MSG_TRUNC: n is the datagram's whole length, so one larger than the buffer (a unix
    // datagram can be; UDP cannot) is noticed instead of handed on cut short.
    const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC,
                                 reinterpret_cast<sockaddr*>(&peer), &len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) log_warn("recvfrom: {}", std::strerror(errno));
      return;
    }
    if (static_cast<size_t>(n) > buf.size()) {
      log_warn("a datagram of {} bytes dropped: larger than {} bytes", n, buf.size());
      continue;
    }
    on(peer, std::string_view(buf.data(), static_cast<size_t>(n)));
  }
}

std::string pack_sendfile(const std::string& path, int64_t offset, int64_t length) {
  std::string out(16, '\0');
  std::memcpy(out.data(), &offset, 8);
  std::memcpy(out.data() + 8, &length, 8);
  return out + path;
}

bool unpack_sendfile(std::string_view payload, std::string& path, int64_t& offset,
                     int64_t& length) {
  if (payload.size() < 17) return false;
  std::memcpy(&offset, payload.data(), 8);
  std::memcpy(&length, payload.data() + 8, 8);
  path.assign(payload.substr(16));
  return true;
}

std::string pack_datagram(const sockaddr_storage& peer, std::string_view data) {
  std::string out(sizeof peer + data.size(), '\0');
  std::memcpy(out.data(), &peer, sizeof peer);
  std::memcpy(out.data() + sizeof peer, data.data(), data.size());
  return out;
}

bool unpack_datagram(std::string_view payload, sockaddr_storage& peer, std::string_view& data) {
  if (payload.size() < sizeof peer) return false;
  std::memcpy(&peer, payload.data(), sizeof peer);
  data = payload.substr(sizeof peer);
  return true;
}

void accept_pending(int listen_fd,
                    const std::function<void(int fd, const sockaddr_storage&)>& adopt) {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      adopt(fd, peer);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EMFILE || errno == ENFILE) {
      log_error("accept: {} (raise ulimit -n or lower max_connection)", std::strerror(errno));
    } else if (errno != EAGAIN && errno != ECONNABORTED) {
      log_warn("accept: {}", std::strerror(errno));
    }
    if (errno != ECONNABORTED) return;
  }
}

ConnectionSet::ConnectionSet(EventLoop& loop, Arena& arena, const Config& cfg, ConnectionHost& host,
                             int reactor_id)
    : loop_(loop), arena_(arena), cfg_(cfg), host_(host), reactor_id_(reactor_id) {
  read_buf_.resize(kReadChunk);
}

ConnectionSet::~ConnectionSet() {
  release_all();
}

bool ConnectionSet::adopt(int fd, const ListenerInfo& listener, const sockaddr_storage& peer) {
  StatsBlock& st = arena_.stats();
  int row = -1;
  const uint32_t sid = st.connection_num.load(std::memory_order_relaxed) < cfg_.max_connection
                           ? arena_.allocate_session(row)
                           : 0;
  if (sid == 0) {
    log_warn("too many connections: refusing fd {} (max_connection = {})", fd, cfg_.max_connection);
    st.abort_count.fetch_add(1, std::memory_order_relaxed);
    ::close(fd);
    return false;
  }
  ConnectionSlot* slot = arena_.connection(row);
  const Config& proto = listener.proto ? *listener.proto : cfg_;
  if (proto.open_tcp_nodelay) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  int port = 0;
  const std::string ip = format_ip(peer, &port);
  slot->fd = fd;
  slot->server_fd = listener.fd;
  slot->server_port = listener.port;
  slot->socket_type = listener.sock_type;
  slot->reactor_id = reactor_id_;
  slot->remote_port = port;
  std::snprintf(slot->remote_ip, sizeof slot->remote_ip, "%s", ip.c_str());
  slot->owner_worker.store(-1, std::memory_order_relaxed);
  slot->close_errno.store(0, std::memory_order_relaxed);
  slot->close_reason.store(0, std::memory_order_relaxed);
  slot->is_protected.store(0, std::memory_order_relaxed);
  slot->uid.store(0, std::memory_order_relaxed);
  slot->delayed.store(cfg_.enable_delay_receive ? 1 : 0, std::memory_order_relaxed);
  const int64_t now = now_us();
  slot->connect_time.store(now / 1000000, std::memory_order_relaxed);
  slot->last_recv_us.store(0, std::memory_order_relaxed);
  slot->last_send_us.store(0, std::memory_order_relaxed);
  slot->last_dispatch_us.store(0, std::memory_order_relaxed);
  slot->recv_queued_bytes.store(0, std::memory_order_relaxed);
  slot->send_queued_bytes.store(0, std::memory_order_relaxed);
  slot->state.store(static_cast<uint8_t>(ConnState::Active), std::memory_order_relaxed);
  slot->session_id.store(sid, std::memory_order_release);

  st.accept_count.fetch_add(1, std::memory_order_relaxed);
  st.connection_num.fetch_add(1, std::memory_order_relaxed);
  update_fd_range(st, fd);

  Connection& c = by_session_[sid];
  c.fd = fd;
  c.row = row;
  c.session_id = sid;
  c.server_fd = listener.fd;
  c.proto = &proto;
  c.accepted_us = now;
  by_fd_[fd] = sid;
  loop_.add(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t ev) { on_event(fd, ev); });
  if (cfg_.enable_delay_receive) {
    c.paused = true;  // read once confirm() resumes it
    update_watch(c);
  }
  host_.on_open(c);
  return true;
}

Connection* ConnectionSet::find(uint32_t session_id) {
  auto it = by_session_.find(session_id);
  return it == by_session_.end() ? nullptr : &it->second;
}

void ConnectionSet::on_event(int fd, uint32_t events) {
  auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return;
  const uint32_t sid = it->second;
  Connection* c = find(sid);
  if (!c || c->closing) return;
  if (events & EPOLLOUT) write_to(*c);
  c = find(sid);
  if (c && !c->closing && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
      (!c->paused || (events & (EPOLLHUP | EPOLLERR)))) {
    read_from(*c);
  }
}

void ConnectionSet::read_from(Connection& c) {
  StatsBlock& st = arena_.stats();
  const uint32_t sid = c.session_id;
  for (int round = 0; round < 16; round++) {
    ssize_t n = ::recv(c.fd, read_buf_.data(), read_buf_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      begin_close(c, CloseReason::Error, errno);
      return;
    }
    if (n == 0) {
      begin_close(c, CloseReason::Client, 0);
      return;
    }
    st.total_recv_bytes.fetch_add(n, std::memory_order_relaxed);
    ConnectionSlot* slot = arena_.connection(c.row);
    slot->last_recv_us.store(now_us(), std::memory_order_relaxed);
    std::string_view data(read_buf_.data(), n);
    const Config& proto = *c.proto;
    if (proto.framing() == Framing::None) {
      host_.on_packet(c, data);
    } else {
      c.in.append(data);
      size_t off = 0;
      for (;;) {
        FrameResult fr = next_frame(proto, std::string_view(c.in).substr(off));
        if (fr.error) {
          log_warn("session#{}: package exceeds package_max_length ({} bytes), closing (error {})",
                   sid, proto.package_max_length, fr.error);
          c.in.clear();
          begin_close(c, CloseReason::Error, 0);
          return;
        }
        if (fr.length == 0) break;
        host_.on_packet(c, std::string_view(c.in).substr(off, fr.length));
        if (!find(sid) || c.closing) return;
        off += fr.length;
      }
      c.in.erase(0, off);
      slot->recv_queued_bytes.store(static_cast<int64_t>(c.in.size()), std::memory_order_relaxed);
    }
    // The host may have closed the connection from inside on_packet (BASE mode).
    if (!find(sid) || c.closing) return;
    if (static_cast<size_t>(n) < read_buf_.size()) return;
  }
}

bool ConnectionSet::send(uint32_t session_id, std::string_view data) {
  Connection* c = find(session_id);
  if (!c || c->closing || c->close_after_flush) return false;
  if (!c->later.empty()) {  // behind a file being sent
    c->later.push_back(PendingOutput{std::string(data)});
    return true;
  }
  if (c->out.size() == c->out_off) {
    // Nothing queued: write straight away, queue only the rest.
    c->out.clear();
    c->out_off = 0;
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(c->fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        begin_close(*c, CloseReason::Error, errno);
        return false;
      }
      off += n;
    }
    arena_.stats().total_send_bytes.fetch_add(off, std::memory_order_relaxed);
    ConnectionSlot* slot = arena_.connection(c->row);
    slot->last_send_us.store(now_us(), std::memory_order_relaxed);
    if (off == data.size()) return true;
    c->out.assign(data.substr(off));
    slot->send_queued_bytes.store(static_cast<int64_t>(c->out.size()), std::memory_order_relaxed);
    update_watch(*c);
    return true;
  }
  c->out.append(data);
  arena_.connection(c->row)->send_queued_bytes.store(
      static_cast<int64_t>(c->out.size() - c->out_off), std::memory_order_relaxed);
  return true;
}

bool ConnectionSet::refill(Connection& c) {
  constexpr int64_t kFileChunk = 256 * 1024;
  if (c.later.empty()) return false;
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  }
  PendingOutput& p = c.later.front();
  if (p.file_fd < 0) {
    c.out.append(p.data);
    c.later.pop_front();
    return true;
  }
  const size_t want = static_cast<size_t>(std::min(p.remaining, kFileChunk));
  const size_t had = c.out.size();
  c.out.resize(had + want);
  ssize_t n;
  do {
    n = ::pread(p.file_fd, c.out.data() + had, want, p.offset);
  } while (n < 0 && errno == EINTR);
  c.out.resize(had + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  if (n > 0) {
    p.offset += n;
    p.remaining -= n;
  }
  if (n <= 0 || p.remaining == 0) {
    if (n < 0) log_warn("sendfile: read failed: {}", std::strerror(errno));
    ::close(p.file_fd);
    c.later.pop_front();
  }
  return true;
}

bool ConnectionSet::send_file(uint32_t session_id, const std::string& path, int64_t offset,
                              int64_t length) {
  Connection* c = find(session_id);
  if (!c || c->closing || c->close_after_flush) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    log_warn("sendfile: session#{}: cannot open {}: {}", session_id, path, std::strerror(errno));
    return false;
  }
  c->later.push_back(PendingOutput{{}, fd, offset, length});
  write_to(*c);
  return true;
}

void ConnectionSet::write_to(Connection& c) {
  size_t written = 0;
  for (;;) {
    if (c.out_off == c.out.size() && !refill(c)) break;
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      begin_close(c, CloseReason::Error, errno);
      return;
    }
    c.out_off += n;
    written += n;
  }
  ConnectionSlot* slot = arena_.connection(c.row);
  if (written) {
    arena_.stats().total_send_bytes.fetch_add(written, std::memory_order_relaxed);
    slot->last_send_us.store(now_us(), std::memory_order_relaxed);
  }
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  } else if (c.out_off > (1u << 20)) {
    c.out.erase(0, c.out_off);
    c.out_off = 0;
  }
  slot->send_queued_bytes.store(static_cast<int64_t>(c.out.size() - c.out_off),
                                std::memory_order_relaxed);
  if (c.out.empty() && c.later.empty() && c.close_after_flush) {
    begin_close(c, c.reason == CloseReason::None ? CloseReason::Server : c.reason, 0);
    return;
  }
  update_watch(c);
}

void ConnectionSet::update_watch(Connection& c) {
  if (c.closing) return;
  const bool want_out = c.has_output();
  const uint32_t in = c.paused ? 0u : static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP);
  loop_.modify(c.fd, in | (want_out ? static_cast<uint32_t>(EPOLLOUT) : 0u));
}

void ConnectionSet::close(uint32_t session_id, bool reset) {
  Connection* c = find(session_id);
  if (!c || c->closing) return;
  if (!reset && c->has_output()) {
    c->close_after_flush = true;
    c->reason = CloseReason::Server;
    update_watch(*c);
    return;
  }
  if (reset) {
    linger lg{1, 0};  // RST instead of FIN: queued data is dropped on purpose
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  begin_close(*c, reset ? CloseReason::Reset : CloseReason::Server, 0);
}

bool ConnectionSet::send_blocking(uint32_t session_id, std::string_view data) {
  Connection* c = find(session_id);
  if (!c || c->closing) return false;
  if (c->later.empty()) {
    c->out.append(data);
  } else {
    c->later.push_back(PendingOutput{std::string(data)});
  }
  for (;;) {
    write_to(*c);
    if (c->closing) return !c->has_output() && c->reason != CloseReason::Error;
    if (!c->has_output()) {
      update_watch(*c);
      return true;
    }
    pollfd p{c->fd, POLLOUT, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return false;
  }
}

void ConnectionSet::set_paused(uint32_t session_id, bool paused) {
  Connection* c = find(session_id);
  if (!c || c->closing || c->paused == paused) return;
  c->paused = paused;
  update_watch(*c);
}

void ConnectionSet::begin_close(Connection& c, CloseReason reason, int err) {
  if (c.closing) return;
  c.closing = true;
  c.reason = reason;
  c.closing_since_us = monotonic_us();
  loop_.remove(c.fd);
  ConnectionSlot* slot = arena_.connection(c.row);
  slot->close_errno.store(err, std::memory_order_relaxed);
  slot->close_reason.store(static_cast<uint8_t>(reason), std::memory_order_relaxed);
  slot->state.store(static_cast<uint8_t>(ConnState::Closing), std::memory_order_relaxed);
  arena_.session(c.session_id)
      .state.store(static_cast<uint8_t>(SessionState::Closing), std::memory_order_release);
  if (reason != CloseReason::Client) ::shutdown(c.fd, SHUT_RDWR);
  host_.on_closed(c);
}

void ConnectionSet::release(uint32_t session_id) {
  auto it = by_session_.find(session_id);
  if (it == by_session_.end()) return;
  Connection& c = it->second;
  loop_.remove(c.fd);
  ConnectionSlot* slot = arena_.connection(c.row);
  SessionEntry& e = arena_.session(session_id);
  e.state.store(static_cast<uint8_t>(SessionState::Closed), std::memory_order_release);
  slot->state.store(static_cast<uint8_t>(ConnState::Free), std::memory_order_relaxed);
  slot->session_id.store(0, std::memory_order_release);
  slot->send_queued_bytes.store(0, std::memory_order_relaxed);
  slot->recv_queued_bytes.store(0, std::memory_order_relaxed);
  StatsBlock& st = arena_.stats();
  st.close_count.fetch_add(1, std::memory_order_relaxed);
  st.connection_num.fetch_sub(1, std::memory_order_relaxed);
  by_fd_.erase(c.fd);
  ::close(c.fd);
  for (const PendingOutput& p : c.later) {
    if (p.file_fd >= 0) ::close(p.file_fd);
  }
  arena_.free_row(c.row);
  by_session_.erase(it);
}

void ConnectionSet::release_all() {
  std::vector<uint32_t> ids;
  ids.reserve(by_session_.size());
  for (const auto& [sid, c] : by_session_) ids.push_back(sid);
  for (uint32_t sid : ids) release(sid);
}

void ConnectionSet::expire_closing(int64_t older_than_us) {
  const int64_t now = monotonic_us();
  std::vector<uint32_t> ids;
  for (const auto& [sid, c] : by_session_) {
    if (c.closing && now - c.closing_since_us > older_than_us) ids.push_back(sid);
  }
  for (uint32_t sid : ids) {
    log_warn("session#{}: no onClose answer from its worker, releasing it", sid);
    release(sid);
  }
}

size_t ConnectionSet::close_idle(int64_t idle_us) {
  const int64_t now = now_us();
  std::vector<std::pair<uint32_t, bool>> idle;  // session, reset
  for (const auto& [sid, c] : by_session_) {
    if (c.closing || arena_.connection(c.row)->is_protected.load(std::memory_order_relaxed)) {
      continue;
    }
    const int64_t recv = arena_.connection(c.row)->last_recv_us.load(std::memory_order_relaxed);
    if (now - std::max(recv, c.accepted_us) > idle_us) {
      idle.emplace_back(sid, c.has_output());
    }
  }
  for (const auto& [sid, reset] : idle) {
    log_debug("session#{}: nothing received for {} s, closed by the heartbeat", sid,
              idle_us / 1000000);
    close(sid, reset);
  }
  return idle.size();
}

}  // namespace swkit::detail
