#include "reactor_thread.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log.h"

namespace swkit::detail {

namespace {
// How long a connection may wait for its worker's onClose answer before it is released anyway
// (the worker died holding the close event).
constexpr int64_t kCloseAckTimeoutUs = 10'000'000;
}  // namespace

ReactorThread::ReactorThread(ServerImpl& s, int id)
    : s_(s),
      id_(id),
      bus_(&s.arena->stats().pipe_packet_msg_id),
      conns_(loop_, *s.arena, s.cfg, *this, id) {
  for (int j = 0; j < s_.event_workers(); j++) to_worker_fds_.push_back(::dup(s_.pipes[j][0]));
  for (int j = id_; j < s_.event_workers(); j += s_.cfg.reactor_num) {
    const int fd = s_.pipes[j][0];
    loop_.add(fd, EPOLLIN, [this, fd](uint32_t) {
      bus_.receive(
          fd, [this](const Message& m) { on_pipe_message(m); }, 32,
          static_cast<uint64_t>(s_.cfg.buffer_output_size));
    });
  }
  // The UDP ports are shared out among the reactor threads, one thread reading each.
  int udp_index = 0;
  for (const auto& l : s_.listeners) {
    if (!l->udp()) continue;
    if (udp_index++ % s_.cfg.reactor_num != id_) continue;
    const Listener* listener = l.get();
    loop_.add(l->fd, EPOLLIN, [this, listener](uint32_t) { read_datagrams(*listener); });
  }
  loop_.add_timer(
      1000, [this] { conns_.expire_closing(kCloseAckTimeoutUs); }, 1000);
  if (const int every = s_.cfg.heartbeat_check_interval; every > 0) {
    const int64_t idle_us = static_cast<int64_t>(s_.cfg.heartbeat_idle_time) * 1000000;
    loop_.add_timer(
        every * 1000.0, [this, idle_us] { conns_.close_idle(idle_us); }, every * 1000.0);
  }
  bus_.set_corked(true);
  loop_.set_before_wait([this] { bus_.flush_corked([this](int fd) { watch_writable(fd); }); });
}

ReactorThread::~ReactorThread() {
  stop_and_join();
  for (int fd : to_worker_fds_) ::close(fd);
}

void ReactorThread::start() {
  thread_ = std::thread([this] {
    try {
      loop_.run();
    } catch (const std::exception& e) {
      log_error("reactor#{} stopped: {}", id_, e.what());
    }
    conns_.release_all();
  });
}

void ReactorThread::adopt(int fd, const sockaddr_storage& peer, const ListenerInfo& listener) {
  loop_.post([this, fd, peer, listener] { conns_.adopt(fd, listener, peer); });
}

void ReactorThread::stop_and_join() {
  if (thread_.joinable()) {
    loop_.stop();
    thread_.join();
  }
}

int ReactorThread::pick_worker(const Connection& c, bool& claimed) {
  const ConnectionSlot* slot = s_.arena->connection(c.row);
  if (s_.cfg.dispatch_mode == 5) {
    // uid modulo once bind() has run; until then (and for unbound ones) fd modulo.
    claimed = false;
    const uint32_t uid = slot->uid.load(std::memory_order_relaxed);
    return static_cast<int>((uid ? uid : static_cast<uint32_t>(c.fd)) % s_.cfg.worker_num);
  }
  return pick_worker(static_cast<uint32_t>(c.fd), slot->remote_ip, claimed);
}

int ReactorThread::pick_worker(uint32_t key, const char* ip, bool& claimed) {
  claimed = false;
  const int n = s_.cfg.worker_num;
  StatsBlock& st = s_.arena->stats();
  switch (s_.cfg.dispatch_mode) {
    case 1:
      return static_cast<int>(st.dispatch_round.fetch_add(1, std::memory_order_relaxed) % n);
    case 3: {
      // Round robin over idle workers (idle and nothing dispatched to it unfinished). When none
      // is idle, the least loaded in turn: Swoole falls back to plain round robin, which can
      // queue behind a worker stuck in a long callback.
      const uint32_t start = st.dispatch_round.fetch_add(1, std::memory_order_relaxed);
      int best = static_cast<int>(start % n);
      int64_t best_load = INT64_MAX;
      for (int i = 0; i < n; i++) {
        const int w = static_cast<int>((start + i) % n);
        const WorkerSlot& slot = s_.arena->worker(w);
        int64_t load = slot.concurrency.load(std::memory_order_relaxed);
        // Claim an idle worker atomically: two reactor threads must not both pick it.
        if (load == 0 && slot.status.load(std::memory_order_relaxed) == kWorkerIdle &&
            s_.arena->worker(w).concurrency.compare_exchange_strong(load, 1)) {
          claimed = true;
          return w;
        }
        if (load < best_load) {
          best = w;
          best_load = load;
        }
      }
      return best;
    }
    case 4: {
      in6_addr a6{};
      in_addr a4{};
      if (inet_pton(AF_INET, ip, &a4) == 1) return ntohl(a4.s_addr) % n;
      if (inet_pton(AF_INET6, ip, &a6) == 1) {
        uint32_t h = 0;
        for (unsigned char b : a6.s6_addr) h = h * 31 + b;
        return h % n;
      }
      return key % n;
    }
    default:
      return key % n;
  }
}

void ReactorThread::to_worker(int worker, MessageHeader head, std::string_view payload) {
  const int fd = to_worker_fds_[worker];
  head.time = wall_time();
  head.reactor_id = static_cast<int16_t>(id_);
  if (!bus_.send(fd, head, payload)) {
    log_error("reactor#{}: IPC write to worker#{} failed: {}", id_, worker, std::strerror(errno));
    return;
  }
  // Corked: the batch leaves in before_wait (one sendmmsg per worker per iteration).
}

void ReactorThread::watch_writable(int fd) {
  if (loop_.has(fd)) return;
  loop_.add(fd, EPOLLOUT, [this, fd](uint32_t) {
    bus_.flush(fd);
    if (!bus_.has_pending(fd)) loop_.remove(fd);
  });
}

void ReactorThread::read_datagrams(const Listener& listener) {
  StatsBlock& st = s_.arena->stats();
  receive_datagrams(
      listener.fd, datagram_buf_, 64, [&](const sockaddr_storage& peer, std::string_view data) {
        // dispatch_mode 2 keeps one sender on one worker: its address is the key.
        const std::string ip = format_ip(peer, nullptr);
        uint32_t key = 0;
        for (size_t i = 0; i < sizeof peer; i++) {
          key = key * 31 + reinterpret_cast<const unsigned char*>(&peer)[i];
        }
        bool claimed = false;
        const int w = pick_worker(key, ip.c_str(), claimed);
        st.total_recv_bytes.fetch_add(static_cast<int64_t>(data.size()), std::memory_order_relaxed);
        dispatch(w, claimed, MsgType::Packet, 0, listener.server_fd, pack_datagram(peer, data));
      });
}

void ReactorThread::dispatch(int w, bool claimed, MsgType type, uint32_t session_id, int server_fd,
                             std::string_view payload) {
  StatsBlock& st = s_.arena->stats();
  WorkerSlot& ws = s_.arena->worker(w);
  st.dispatch_count.fetch_add(1, std::memory_order_relaxed);
  st.concurrency.fetch_add(1, std::memory_order_relaxed);
  ws.dispatch_count.fetch_add(1, std::memory_order_relaxed);
  if (!claimed) ws.concurrency.fetch_add(1, std::memory_order_relaxed);
  MessageHeader h{};
  h.type = type;
  h.session_id = session_id;
  h.server_fd = server_fd;
  h.worker_id = -1;
  to_worker(w, h, payload);
}

void ReactorThread::on_open(Connection& c) {
  if (!s_.connection_events_enabled()) return;
  bool claimed = false;
  const int w = pick_worker(c, claimed);
  if (claimed) s_.arena->worker(w).concurrency.fetch_sub(1, std::memory_order_relaxed);
  s_.arena->connection(c.row)->owner_worker.store(w, std::memory_order_relaxed);
  if (!s_.listener_of(c.server_fd).on_connect) return;
  MessageHeader h{};
  h.type = MsgType::Connect;
  h.session_id = c.session_id;
  h.server_fd = c.server_fd;
  h.worker_id = -1;
  to_worker(w, h, {});
}

void ReactorThread::on_packet(Connection& c, std::string_view packet) {
  bool claimed = false;
  const int w = pick_worker(c, claimed);
  dispatch(w, claimed, MsgType::Data, c.session_id, c.server_fd, packet);
}

void ReactorThread::on_closed(Connection& c) {
  const int owner = s_.arena->connection(c.row)->owner_worker.load(std::memory_order_relaxed);
  if (!s_.listener_of(c.server_fd).on_close || owner < 0) {
    // Nobody runs onClose: the fd can go now.
    const uint32_t sid = c.session_id;
    loop_.post([this, sid] { conns_.release(sid); });
    return;
  }
  MessageHeader h{};
  h.type = MsgType::Close;
  h.session_id = c.session_id;
  h.server_fd = c.server_fd;
  h.worker_id = -1;
  to_worker(owner, h, {});
}

void ReactorThread::on_pipe_message(const Message& m) {
  const MessageHeader& h = *m.head;
  switch (h.type) {
    case MsgType::Send:
      if (!conns_.send(h.session_id, m.payload)) {
        log_debug("reactor#{}: dropped {} bytes for closed session#{}", id_, m.payload.size(),
                  h.session_id);
      }
      break;
    case MsgType::CloseReq:
    case MsgType::ResetReq:
      conns_.close(h.session_id, h.type == MsgType::ResetReq);
      break;
    case MsgType::SendFile: {
      std::string path;
      int64_t offset = 0, length = 0;
      if (unpack_sendfile(m.payload, path, offset, length)) {
        conns_.send_file(h.session_id, path, offset, length);
      }
      break;
    }
    case MsgType::CloseAck:
      conns_.release(h.session_id);
      break;
    case MsgType::PauseReq:
    case MsgType::ResumeReq:
      conns_.set_paused(h.session_id, h.type == MsgType::PauseReq);
      break;
    default:
      log_warn("reactor#{}: unexpected IPC message type {}", id_, static_cast<int>(h.type));
  }
}

}  // namespace swkit::detail
