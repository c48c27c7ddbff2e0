#include "worker.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "log.h"

namespace swkit::detail {

namespace {
MessageHeader make_head(MsgType type, uint32_t sid, int reactor_id, int worker_id) {
  MessageHeader h{};
  h.type = type;
  h.session_id = sid;
  h.reactor_id = static_cast<int16_t>(reactor_id);
  h.worker_id = worker_id;
  h.server_fd = -1;
  return h;
}
}  // namespace

EventWorker::EventWorker(ServerImpl& s, int id)
    : s_(s), id_(id), slot_(s.arena->worker(id)), bus_(&s.arena->stats().pipe_packet_msg_id) {
  const bool base = s_.mode == Mode::Base;
  for (auto& pair : s_.pipes) out_fds_.push_back(::dup(base ? pair[0] : pair[1]));
  if (base) {
    conns_ = std::make_unique<ConnectionSet>(loop_, *s_.arena, s_.cfg, *this, id_);
  }
}

EventWorker::~EventWorker() {
  conns_.reset();
  for (int fd : out_fds_) ::close(fd);
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

void EventWorker::run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  loop_.add(signal_fd_, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGTERM) loop_.stop();
    }
  });

  const int in_fd = s_.pipes[id_][1];
  loop_.add(in_fd, EPOLLIN, [this, in_fd](uint32_t) {
    bus_.receive(
        in_fd, [this](const Message& m) { on_pipe_message(m); }, 32,
        static_cast<uint64_t>(std::max(s_.cfg.package_max_length, s_.cfg.buffer_output_size)));
  });
  if (s_.mode == Mode::Base) {
    // Every worker waits on the shared listening socket; EPOLLEXCLUSIVE wakes one of them.
    loop_.add(s_.listen_fd, EPOLLIN | EPOLLEXCLUSIVE, [this](uint32_t) { accept_ready(); });
  }

  bus_.set_corked(true);
  loop_.set_before_wait([this] { bus_.flush_corked([this](int fd) { watch_writable(fd); }); });

  slot_.status.store(kWorkerIdle, std::memory_order_relaxed);
  if (s_.cb.on_worker_start) s_.cb.on_worker_start(s_.api, id_);
  loop_.run();

  if (s_.cb.on_worker_stop) s_.cb.on_worker_stop(s_.api, id_);
  slot_.status.store(kWorkerExit, std::memory_order_relaxed);
  // Give queued replies a bounded chance to leave before the process goes.
  const int64_t deadline = monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6);
  for (int fd : out_fds_) {
    while (bus_.has_pending(fd) && monotonic_us() < deadline) {
      bus_.flush(fd);
      if (bus_.has_pending(fd)) usleep(1000);
    }
  }
}

void EventWorker::accept_ready() {
  const ListenerInfo listener{s_.listen_fd, s_.port, s_.sock_type};
  accept_pending(s_.listen_fd, [this, &listener](int fd, const sockaddr_storage& peer) {
    conns_->adopt(fd, listener, peer);
  });
}

void EventWorker::run_receive(uint32_t sid, int reactor_id, std::string_view data) {
  slot_.status.store(kWorkerBusy, std::memory_order_relaxed);
  if (s_.cb.on_receive) s_.cb.on_receive(s_.api, sid, reactor_id, data);
  slot_.status.store(kWorkerIdle, std::memory_order_relaxed);
  slot_.request_count.fetch_add(1, std::memory_order_relaxed);
  s_.arena->stats().request_count.fetch_add(1, std::memory_order_relaxed);
}

// BASE mode: a connection this worker accepted.
void EventWorker::on_open(Connection& c) {
  ConnectionSlot* slot = s_.arena->connection(c.row);
  slot->owner_worker.store(id_, std::memory_order_relaxed);
  if (s_.cb.on_connect) s_.cb.on_connect(s_.api, c.session_id, id_);
}

void EventWorker::on_packet(Connection& c, std::string_view packet) {
  s_.arena->connection(c.row)->last_dispatch_us.store(static_cast<int64_t>(wall_time() * 1e6),
                                                      std::memory_order_relaxed);
  run_receive(c.session_id, id_, packet);
}

void EventWorker::on_closed(Connection& c) {
  // Deferred to the next loop iteration: a close() called inside onReceive must not run
  // onClose in the middle of that callback.
  const uint32_t sid = c.session_id;
  loop_.post([this, sid] {
    if (s_.cb.on_close) s_.cb.on_close(s_.api, sid, id_);
    conns_->release(sid);
  });
}

void EventWorker::on_pipe_message(const Message& m) {
  const MessageHeader& h = *m.head;
  switch (h.type) {
    case MsgType::Data: {
      StatsBlock& st = s_.arena->stats();
      if (ConnectionSlot* c = s_.arena->connection(s_.arena->session(h.session_id).row.load())) {
        if (c->session_id.load(std::memory_order_relaxed) == h.session_id) {
          c->last_dispatch_us.store(static_cast<int64_t>(wall_time() * 1e6),
                                    std::memory_order_relaxed);
        }
      }
      run_receive(h.session_id, h.reactor_id, m.payload);
      st.concurrency.fetch_sub(1, std::memory_order_relaxed);
      slot_.concurrency.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
    case MsgType::Connect:
      slot_.status.store(kWorkerBusy, std::memory_order_relaxed);
      if (s_.cb.on_connect) s_.cb.on_connect(s_.api, h.session_id, h.reactor_id);
      slot_.status.store(kWorkerIdle, std::memory_order_relaxed);
      break;
    case MsgType::Close: {
      slot_.status.store(kWorkerBusy, std::memory_order_relaxed);
      if (s_.cb.on_close) s_.cb.on_close(s_.api, h.session_id, h.reactor_id);
      slot_.status.store(kWorkerIdle, std::memory_order_relaxed);
      MessageHeader ack = make_head(MsgType::CloseAck, h.session_id, h.reactor_id, id_);
      ipc_send(out_fds_[s_.reply_pipe(h.session_id, h.reactor_id)], ack, {});
      break;
    }
    // BASE mode: operations forwarded by other workers for connections this worker owns.
    case MsgType::Send:
      if (conns_) conns_->send(h.session_id, m.payload);
      break;
    case MsgType::CloseReq:
    case MsgType::ResetReq:
      if (conns_) conns_->close(h.session_id, h.type == MsgType::ResetReq);
      break;
    default:
      log_warn("worker#{}: unexpected IPC message type {}", id_, static_cast<int>(h.type));
  }
}

void EventWorker::ipc_send(int fd, MessageHeader head, std::string_view payload) {
  head.time = wall_time();
  if (!bus_.send(fd, head, payload)) {
    log_error("worker#{}: IPC write failed: {}", id_, std::strerror(errno));
    return;
  }
  // Corked (inside the loop): flushed once per iteration, see run(). Otherwise (before the loop
  // starts, e.g. from onWorkerStart) wait for EPOLLOUT if the write did not complete.
  if (!bus_.corked()) watch_writable(fd);
}

void EventWorker::watch_writable(int fd) {
  if (bus_.has_pending(fd) && !loop_.has(fd)) {
    loop_.add(fd, EPOLLOUT, [this, fd](uint32_t) {
      bus_.flush(fd);
      if (!bus_.has_pending(fd)) loop_.remove(fd);
    });
  }
}

ConnectionSlot* EventWorker::live_connection(uint32_t sid) {
  if (int err = s_.check_session(sid)) {
    set_last_error(err);
    return nullptr;
  }
  ConnectionSlot* c = s_.arena->connection(s_.arena->session(sid).row.load());
  if (!c || c->session_id.load(std::memory_order_acquire) != sid) {
    set_last_error(kErrSessionClosed);
    return nullptr;
  }
  return c;
}

bool EventWorker::send(uint32_t sid, std::string_view data) {
  if (data.size() > static_cast<size_t>(s_.cfg.buffer_output_size)) {
    log_warn("send(): {} bytes exceed buffer_output_size ({})", data.size(),
             s_.cfg.buffer_output_size);
    set_last_error(kErrDataLengthTooLarge);
    return false;
  }
  ConnectionSlot* c = live_connection(sid);
  if (!c) return false;
  if (c->send_queued_bytes.load(std::memory_order_relaxed) + static_cast<int64_t>(data.size()) >
      s_.cfg.socket_buffer_size) {
    set_last_error(kErrOutputBufferOverflow);
    return false;
  }
  const int reactor_id = c->reactor_id;
  bool ok = true;
  if (s_.mode == Mode::Process) {
    ipc_send(out_fds_[s_.reply_pipe(sid, reactor_id)],
             make_head(MsgType::Send, sid, reactor_id, id_), data);
  } else if (reactor_id == id_) {
    ok = conns_->send(sid, data);
    if (!ok) set_last_error(kErrSessionClosed);
  } else {
    ipc_send(out_fds_[reactor_id], make_head(MsgType::Send, sid, reactor_id, id_), data);
  }
  if (ok) {
    slot_.response_count.fetch_add(1, std::memory_order_relaxed);
    s_.arena->stats().response_count.fetch_add(1, std::memory_order_relaxed);
  }
  return ok;
}

bool EventWorker::close(uint32_t sid, bool reset) {
  ConnectionSlot* c = live_connection(sid);
  if (!c) return false;
  const int reactor_id = c->reactor_id;
  const MsgType type = reset ? MsgType::ResetReq : MsgType::CloseReq;
  if (s_.mode == Mode::Process) {
    ipc_send(out_fds_[s_.reply_pipe(sid, reactor_id)], make_head(type, sid, reactor_id, id_), {});
  } else if (reactor_id == id_) {
    conns_->close(sid, reset);
  } else {
    ipc_send(out_fds_[reactor_id], make_head(type, sid, reactor_id, id_), {});
  }
  return true;
}

[[noreturn]] void run_event_worker(ServerImpl& s, int worker_id) {
  s.role = Role::EventWorker;
  s.worker_id = worker_id;
  set_log_role("worker#" + std::to_string(worker_id));
  if (s.mode == Mode::Process && s.listen_fd >= 0) {
    ::close(s.listen_fd);  // the master accepts; workers must not keep the port open
  }
  int code = 0;
  try {
    s.worker = std::make_unique<EventWorker>(s, worker_id);
    s.worker->run();
    s.worker.reset();
  } catch (const std::exception& e) {
    log_error("worker#{} failed: {}", worker_id, e.what());
    code = 1;
  }
  exit_child(code);
}

}  // namespace swkit::detail
