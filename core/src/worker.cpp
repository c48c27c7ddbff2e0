#include "worker.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include "log.h"
#include "reload_pace.h"

namespace swkit::detail {

namespace {

constexpr size_t kMaxTasksAtOnce = 1024;  // the seed's limit for taskWaitMulti/taskCo
constexpr int64_t kTaskwaitSpinUs = 100;
constexpr int64_t kTaskSpinUs = 50;
// A task worker polling the lanes looks every microsecond or two: one that has not claimed a
// posted taskwait within this is not on a CPU, and the socket serves better.
constexpr int64_t kLaneClaimUs = 20;

MessageHeader make_head(MsgType type, uint32_t sid, int reactor_id, int worker_id) {
  MessageHeader h{};
  h.type = type;
  h.session_id = sid;
  h.reactor_id = static_cast<int16_t>(reactor_id);
  h.worker_id = worker_id;
  h.server_fd = -1;
  return h;
}

Role role_of(ProcessKind k) {
  switch (k) {
    case ProcessKind::Event:
      return Role::EventWorker;
    case ProcessKind::Task:
      return Role::TaskWorker;
    default:
      return Role::UserProcess;
  }
}

const char* kind_name(ProcessKind k) {
  switch (k) {
    case ProcessKind::Event:
      return "worker";
    case ProcessKind::Task:
      return "task";
    default:
      return "process";
  }
}

int dup_of(std::unordered_map<int, int>& cache, int key, int fd) {
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const int copy = ::dup(fd);
  cache[key] = copy;
  return copy;
}

}  // namespace

WorkerProcess::WorkerProcess(ServerImpl& s, int id)
    : s_(s),
      id_(id),
      kind_(s.kind_of(id)),
      slot_(s.arena->worker(id)),
      generation_(slot_.generation.load()),
      bus_(&s.arena->stats().pipe_packet_msg_id),
      result_bus_(&s.arena->stats().pipe_packet_msg_id) {
  if (s_.mode == Mode::Base && kind_ == ProcessKind::Event) {
    conns_ = std::make_unique<ConnectionSet>(loop_, *s_.arena, s_.cfg, *this, id_);
  }
  const long long limit = kind_ == ProcessKind::Event  ? s_.cfg.max_request
                          : kind_ == ProcessKind::Task ? s_.cfg.task_max_request
                                                       : 0;
  if (limit > 0) {
    // A random grace in 1..grace spreads the restarts of workers started together.
    const long long grace =
        kind_ == ProcessKind::Event
            ? s_.cfg.grace_for(s_.cfg.max_request, s_.cfg.max_request_grace)
            : s_.cfg.grace_for(s_.cfg.task_max_request, s_.cfg.task_max_request_grace);
    std::mt19937_64 rng(static_cast<uint64_t>(getpid()) ^ static_cast<uint64_t>(monotonic_us()));
    limit_ = limit + (grace > 0 ? 1 + static_cast<long long>(rng() % grace) : 0);
  }
}

WorkerProcess::~WorkerProcess() {
  if (kind_ == ProcessKind::Event) lane_release(s_.arena->lane(id_));
  slot_.lane_open.store(0, std::memory_order_seq_cst);
  conns_.reset();
  for (auto* cache : {&reply_fds_, &process_fds_, &result_fds_}) {
    for (auto& [key, fd] : *cache) ::close(fd);
  }
  if (queue_fd_ >= 0) ::close(queue_fd_);
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

int WorkerProcess::reply_fd(int pair) {
  return dup_of(reply_fds_, pair, s_.pipes[pair][1]);
}
int WorkerProcess::process_fd(int id) {
  return dup_of(process_fds_, id, s_.pipes[id][0]);
}
int WorkerProcess::result_fd(int worker) {
  return dup_of(result_fds_, worker, s_.result_pipes[worker][0]);
}
int WorkerProcess::queue_fd() {
  if (queue_fd_ < 0) queue_fd_ = ::dup(s_.task_queue[0]);
  return queue_fd_;
}

// RUNNING in the slot, unless a successor of a newer generation has reported already (this
// process was still starting when a reload forked it).
void WorkerProcess::report_running() {
  uint32_t cur = slot_.running_generation.load();
  while (cur <= generation_) {
    if (slot_.running_generation.compare_exchange_weak(cur, generation_)) {
      slot_.state.store(static_cast<int32_t>(SlotState::Running));
      return;
    }
  }
}

// ---- the loop ----

int WorkerProcess::run() {
  if (kind_ == ProcessKind::User) {
    leave_reload_priority(s_.reload_priority);  // a user process is never reload work
    // A user process body is usually blocking code: let SIGTERM end it the ordinary way (the
    // default action, whatever handler the program installed before start()).
    signal(SIGTERM, SIG_DFL);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &term, nullptr);
    report_running();
    s_.process_bodies[id_ - s_.event_workers() - s_.task_workers()](s_.api, id_);
    sigprocmask(SIG_BLOCK, &term, nullptr);
    // The manager starts it again, as Swoole does, unless it left work for the loop.
    if (user_timers_.empty() && user_watches_.empty() && user_signals_.empty()) return 0;
  }

  const sigset_t set = signal_mask();
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  loop_.add(signal_fd_, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == sizeof si) {
      const int signo = static_cast<int>(si.ssi_signo);
      if (signo == SIGTERM) begin_stop(false, s_.cfg.reload_async);
      if (signo == SIGWINCH) reopen_log();
      if (signo == SIGIO && !pipe_claimed_ && !stopping_) claim_pipe();  // handed over
      if (auto it = user_signals_.find(signo); it != user_signals_.end()) {
        const auto fn = it->second;  // the handler may replace or remove itself
        fn(signo);
      }
    }
  });

  const uint64_t max_message = static_cast<uint64_t>(
      std::max({s_.cfg.package_max_length, s_.cfg.buffer_output_size, 1LL << 31}));
  const int in_fd = s_.pipes[id_][1];
  receive_tasks_ = [this, in_fd, max_message] {
    int got = 0;
    bus_.receive(
        in_fd,
        [this, &got](const Message& m) {
          got++;
          on_pipe_message(m);
        },
        32, max_message);
    return got;
  };
  pipe_handler_ = [this](uint32_t) {
    receive_tasks_();
    if (kind_ == ProcessKind::Task && !polling_posted_) poll_for_tasks();
  };
  claim_pipe();
  slot_.lane_open.store(0, std::memory_order_seq_cst);  // a killed predecessor may have left it
  if (kind_ == ProcessKind::Task && s_.cfg.task_ipc_mode == 3) {
    // Preemptive: every idle task worker waits on one queue; the kernel hands each datagram to
    // one reader. Tasks on this queue always fit one datagram (see task()).
    const int q = s_.task_queue[1];
    loop_.add(q, EPOLLIN | EPOLLEXCLUSIVE, [this, q, max_message](uint32_t) {
      polls_after_tasks_ = false;  // this path goes back to epoll after its task
      bus_.receive(
          q, [this](const Message& m) { on_pipe_message(m); }, 1, max_message);
      polls_after_tasks_ = true;
    });
  }
  if (conns_) {
    // Every worker waits on the shared listening socket; EPOLLEXCLUSIVE wakes one of them.
    for (const auto& l : s_.listeners) {
      const Listener* listener = l.get();
      loop_.add(l->fd, EPOLLIN | EPOLLEXCLUSIVE, [this, listener](uint32_t) {
        if (listener->udp()) {
          read_datagrams(*listener);
        } else {
          accept_ready(*listener);
        }
      });
    }
    if (const int every = s_.cfg.heartbeat_check_interval; every > 0) {
      const int64_t idle_us = static_cast<int64_t>(s_.cfg.heartbeat_idle_time) * 1000000;
      loop_.add_timer(
          every * 1000.0, [this, idle_us] { conns_->close_idle(idle_us); }, every * 1000.0);
    }
  }

  serve_commands(s_, loop_, s_.control.child_end(id_),
                 kind_ == ProcessKind::Event  ? kCommandEventWorker
                 : kind_ == ProcessKind::Task ? kCommandTaskWorker
                                              : kCommandUserProcess);
  bus_.set_corked(true);
  loop_.set_before_wait([this] { bus_.flush_corked([this](int fd) { watch_writable(fd); }); });
  in_loop_ = true;

  slot_.status.store(kWorkerIdle, std::memory_order_relaxed);
  if (kind_ != ProcessKind::User && s_.cb.on_worker_start) s_.cb.on_worker_start(s_.api, id_);
  // Started during a reload: onWorkerStart ran at the reload's lower priority; serving does not.
  leave_reload_priority(s_.reload_priority);
  slot_.start_cpu_ns.store(process_cpu_ns(0));  // a reload's pacing counts it (reload_pace.h)
  report_running();
  // Tell the manager at once (a reload waits for this worker to run before the next step).
  if (const pid_t manager = s_.arena->stats().manager_pid.load(); manager > 0) kill(manager, SIGIO);
  loop_.run();
  in_loop_ = false;

  if (kind_ != ProcessKind::User && s_.cb.on_worker_stop) s_.cb.on_worker_stop(s_.api, id_);
  release_pipe();
  // The slot may already describe a successor: only the slot's own process marks it EXIT.
  if (slot_.pid.load() == getpid()) slot_.status.store(kWorkerExit, std::memory_order_relaxed);
  // Give queued output a bounded chance to leave before the process goes.
  const int64_t deadline = monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6);
  for (auto* cache : {&reply_fds_, &process_fds_, &result_fds_}) {
    for (auto& [key, fd] : *cache) flush_now(fd, deadline);
  }
  return 0;
}

// Starts reading the IPC socket once this process owns it (WorkerSlot::read_owner): at once for
// a fresh start; after the predecessor's hand-over (SIGIO, with a 10 ms retry as a fallback)
// when the manager started this process while the predecessor still served.
void WorkerProcess::claim_pipe() {
  if (pipe_claimed_) return;
  const pid_t me = getpid();
  int32_t owner = 0;
  bool claimed = slot_.read_owner.compare_exchange_strong(owner, me);
  if (!claimed && owner > 0 && kill(owner, 0) != 0 && errno == ESRCH) {
    claimed = slot_.read_owner.compare_exchange_strong(owner, me);  // the holder died
  }
  if (!claimed) {
    if (!claim_timer_) {
      claim_timer_ = loop_.add_timer(
          10,
          [this] {
            if (!pipe_claimed_ && !stopping_) claim_pipe();
          },
          10);
    }
    return;
  }
  pipe_claimed_ = true;
  if (claim_timer_) loop_.cancel_timer(claim_timer_);
  claim_timer_ = 0;
  loop_.add(s_.pipes[id_][1], EPOLLIN, pipe_handler_);
}

void WorkerProcess::release_pipe() {
  if (!pipe_claimed_) return;
  pipe_claimed_ = false;
  loop_.remove(s_.pipes[id_][1]);
  const pid_t me = getpid();
  int32_t owner = me;
  slot_.read_owner.compare_exchange_strong(owner, 0);
  const pid_t successor = slot_.pid.load();
  if (successor > 0 && successor != me) kill(successor, SIGIO);
}

void WorkerProcess::stop_reading() {
  if (!reading_) return;
  reading_ = false;
  if (claim_timer_) loop_.cancel_timer(claim_timer_);
  claim_timer_ = 0;
  // Finish a half-read chunked message first (see has_partials); the rest stays queued in the
  // socket for the successor.
  if (!bus_.has_partials()) release_pipe();
  if (kind_ == ProcessKind::Task && s_.cfg.task_ipc_mode == 3) loop_.remove(s_.task_queue[1]);
  if (conns_) {
    for (const auto& l : s_.listeners) loop_.remove(l->fd);
  }
}

// Stopping, for every cause: SIGTERM (reload, shutdown, kill), max_request, stop().
//  - retire: ask the manager for a replacement first and leave once it runs;
//  - wait_event: stay while the process still has timers (onWorkerExit each 100 ms), at most
//    max_wait_time. Otherwise leave as soon as the current callback has returned.
void WorkerProcess::begin_stop(bool retire, bool wait_event) {
  if (stopping_) return;
  stopping_ = true;
  retiring_ = retire;
  wait_event_ = wait_event;
  stop_deadline_us_ = monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6);
  stop_reading();
  if (retire) {
    slot_.state.store(static_cast<int32_t>(SlotState::Draining));
    slot_.retire_requested.store(1);
    const pid_t manager = s_.arena->stats().manager_pid.load();
    if (manager > 0) kill(manager, SIGIO);
  }
  // Usually there is nothing to wait for: leave at once rather than on the first tick.
  stop_tick();
  if (!loop_.stopping())
    loop_.add_timer(
        5, [this] { stop_tick(); }, 5);
}

void WorkerProcess::stop_tick() {
  const int64_t now = monotonic_us();
  const bool overdue = now >= stop_deadline_us_;
  if (bus_.has_partials() && !overdue) return;
  if (!reading_) release_pipe();
  if (retiring_ && !overdue) {
    // Leave only once the replacement runs: the slot shows a new pid in state RUNNING.
    const pid_t successor = slot_.pid.load();
    if (successor == getpid() || !slot_runs(slot_, successor)) {
      return;
    }
  }
  if (wait_event_ && !user_timers_.empty() && !overdue) {
    if (now - last_exit_call_us_ >= 100000) {
      last_exit_call_us_ = now;
      if (s_.cb.on_worker_exit) s_.cb.on_worker_exit(s_.api, id_);
    }
    return;
  }
  if (overdue && (!user_timers_.empty() || bus_.has_partials())) {
    log_warn("{}#{}: exit timeout after max_wait_time ({} s), leaving anyway", kind_name(kind_),
             id_, s_.cfg.max_wait_time);
  }
  loop_.stop();
}

void WorkerProcess::after_request() {
  handled_++;
  slot_.request_count.fetch_add(1, std::memory_order_relaxed);
  if (limit_ > 0 && handled_ >= limit_ && !stopping_) {
    log_info("{}#{}: {} requests reached (max_request), recycling", kind_name(kind_), id_,
             handled_);
    begin_stop(true, false);
  }
}

int64_t WorkerProcess::add_timer(double ms, Server::TimerHandler fn, bool repeat) {
  return static_cast<int64_t>(add_tracked_timer(loop_, user_timers_, ms, std::move(fn), repeat));
}

bool WorkerProcess::add_watch(int fd, bool writable, std::function<void()> fn) {
  if (fd < 0 || user_watches_.count(fd) || loop_.has(fd)) return false;
  loop_.add(fd, writable ? EPOLLOUT : EPOLLIN, [fn = std::move(fn)](uint32_t) { fn(); });
  user_watches_.insert(fd);
  return true;
}

bool WorkerProcess::remove_watch(int fd) {
  if (!user_watches_.erase(fd)) return false;
  loop_.remove(fd);
  return true;
}

sigset_t WorkerProcess::signal_mask() const {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGWINCH);
  sigaddset(&set, SIGIO);
  for (const auto& [signo, fn] : user_signals_) sigaddset(&set, signo);
  return set;
}

bool WorkerProcess::set_signal(int signo, std::function<void(int)> fn) {
  // Core's own (stop, log reopening, pipe hand-over) and the ones no process can catch.
  if (signo <= 0 || signo >= NSIG || signo == SIGTERM || signo == SIGWINCH || signo == SIGIO ||
      signo == SIGKILL || signo == SIGSTOP) {
    return false;
  }
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signo);
  if (fn) {
    user_signals_[signo] = std::move(fn);
    sigprocmask(SIG_BLOCK, &one, nullptr);  // delivered through the signalfd only
  } else {
    if (!user_signals_.erase(signo)) return false;
    sigprocmask(SIG_UNBLOCK, &one, nullptr);  // back to the default action
  }
  if (signal_fd_ >= 0) {
    const sigset_t set = signal_mask();
    signalfd(signal_fd_, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  return true;
}

bool WorkerProcess::clear_timer(int64_t id) {
  user_timers_.erase(static_cast<uint64_t>(id));
  return loop_.cancel_timer(static_cast<uint64_t>(id));
}

bool WorkerProcess::stop_self(bool wait_event) {
  if (stopping_) return false;
  begin_stop(true, wait_event);
  return true;
}

// ---- receiving ----

void WorkerProcess::accept_ready(const Listener& l) {
  const ListenerInfo listener = l.info();
  accept_pending(l.fd, [this, &listener](int fd, const sockaddr_storage& peer) {
    conns_->adopt(fd, listener, peer);
  });
}

void WorkerProcess::run_receive(uint32_t sid, int reactor_id, int server_fd,
                                std::string_view data) {
  as_busy([&] {
    const Listener& l = s_.listener_of(server_fd);
    if (l.on_receive) l.on_receive(s_.api, sid, reactor_id, data);
  });
  s_.arena->stats().request_count.fetch_add(1, std::memory_order_relaxed);
  after_request();
}

void WorkerProcess::run_packet(const Listener& l, const sockaddr_storage& peer,
                               std::string_view data, double dispatch_time) {
  PacketInfo info;
  info.address = format_ip(peer, &info.port);
  info.server_socket = l.server_fd;
  info.server_port = l.port;
  info.dispatch_time = dispatch_time;
  as_busy([&] {
    if (l.on_packet) l.on_packet(s_.api, data, info);
  });
  s_.arena->stats().request_count.fetch_add(1, std::memory_order_relaxed);
  after_request();
}

// BASE mode: the datagrams of a UDP port, read by whichever worker epoll woke.
void WorkerProcess::read_datagrams(const Listener& l) {
  receive_datagrams(l.fd, datagram_buf_, 64, [&](const sockaddr_storage& peer, std::string_view d) {
    StatsBlock& st = s_.arena->stats();
    st.total_recv_bytes.fetch_add(static_cast<int64_t>(d.size()), std::memory_order_relaxed);
    st.dispatch_count.fetch_add(1, std::memory_order_relaxed);
    slot_.dispatch_count.fetch_add(1, std::memory_order_relaxed);
    run_packet(l, peer, d, wall_time());
  });
}

// BASE mode: a connection this worker accepted.
void WorkerProcess::on_open(Connection& c) {
  ConnectionSlot* slot = s_.arena->connection(c.row);
  slot->owner_worker.store(id_, std::memory_order_relaxed);
  if (const auto& fn = s_.listener_of(c.server_fd).on_connect) fn(s_.api, c.session_id, id_);
}

void WorkerProcess::on_packet(Connection& c, std::string_view packet) {
  s_.arena->connection(c.row)->last_dispatch_us.store(static_cast<int64_t>(wall_time() * 1e6),
                                                      std::memory_order_relaxed);
  run_receive(c.session_id, id_, c.server_fd, packet);
}

void WorkerProcess::on_closed(Connection& c) {
  // Deferred to the next loop iteration: a close() called inside onReceive must not run
  // onClose in the middle of that callback.
  const uint32_t sid = c.session_id;
  const int server_fd = c.server_fd;
  loop_.post([this, sid, server_fd] {
    if (const auto& fn = s_.listener_of(server_fd).on_close) fn(s_.api, sid, id_);
    conns_->release(sid);
  });
}

void WorkerProcess::note_task_sent(size_t bytes) {
  slot_.tasks_sent.fetch_add(1, std::memory_order_relaxed);
  slot_.task_bytes_sent.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
}

void WorkerProcess::run_task(uint32_t task_id, int src, uint32_t flags, std::string_view payload,
                             TaskLane* lane, uint32_t lane_ticket) {
  // The results of the tasks before this one in the batch leave now: a slow task must not hold
  // back results that are ready (Swoole writes finish() at once).
  bus_.flush_corked([this](int fd) { watch_writable(fd); });
  slot_.tasks_started.fetch_add(1, std::memory_order_relaxed);
  slot_.task_bytes_started.fetch_add(static_cast<int64_t>(payload.size()),
                                     std::memory_order_relaxed);
  // While onTask runs, a taskwait must not wait for this worker to look at the lanes.
  const bool lane_was_open = slot_.lane_open.exchange(0, std::memory_order_seq_cst) != 0;
  as_busy([&] {
    current_task_ = CurrentTask{task_id, src, flags, lane, lane_ticket};
    std::string storage;
    std::string_view data;
    std::optional<std::string> result;
    if (unpack_task_payload(flags, payload, storage, data) && s_.cb.on_task) {
      result = s_.cb.on_task(s_.api, static_cast<TaskId>(task_id), src, data);
    }
    if (result) finish(*result);
    if (current_task_->lane) {
      lane_settle(*current_task_->lane, current_task_->lane_ticket, LaneState::NoResult);
    }
    current_task_.reset();
  });
  if (lane_was_open) slot_.lane_open.store(1, std::memory_order_seq_cst);
  if (s_.cfg.task_ipc_mode != 3) slot_.concurrency.fetch_sub(1, std::memory_order_relaxed);
  // A command sent meanwhile is answered now, not after the rest of this batch of tasks.
  if (slot_.command_pending.load(std::memory_order_relaxed) &&
      slot_.command_pending.exchange(0) != 0) {
    answer_commands(s_, s_.control.child_end(id_), kCommandTaskWorker);
  }
  after_request();
}

// A task worker that just ran a task is likely to get the next one soon (taskwait in a loop):
// it sends the answer now and polls its socket and the event workers' lanes for kTaskSpinUs
// before it sleeps in epoll. While tasks keep coming, the next round of polling is posted to
// the loop, so its other events (signals, commands, timers) are served between rounds and the
// lane stays open; after a round without a task it closes. Bounded: an idle task worker costs
// nothing.
void WorkerProcess::poll_for_tasks() {
  polling_posted_ = false;
  slot_.lane_open.store(1, std::memory_order_seq_cst);
  const int64_t until = monotonic_us() + kTaskSpinUs;
  bool worked = false;
  while (!stopping_ && monotonic_us() < until) {
    bus_.flush_corked([this](int fd) { watch_writable(fd); });
    if (receive_tasks_() + take_lane_tasks() > 0) {
      worked = true;
    } else {
      __builtin_ia32_pause();
    }
  }
  if (!stopping_ && !worked) {
    // Closed, then one last look: a taskwait that posted before it saw the lane closed is
    // either taken here or withdrawn by its sender (task_lane.h).
    slot_.lane_open.store(0, std::memory_order_seq_cst);
    worked = take_lane_tasks() > 0;
  }
  if (stopping_) {
    slot_.lane_open.store(0, std::memory_order_seq_cst);
  } else if (worked) {
    polling_posted_ = true;
    loop_.post([this] { poll_for_tasks(); });
  }
}

int WorkerProcess::take_lane_tasks() {
  int taken = 0;
  for (int e = 0; e < s_.event_workers() && !stopping_; e++) {
    TaskLane& lane = s_.arena->lane(e);
    uint32_t task_id = 0;
    uint32_t flags = 0;
    uint32_t ticket = 0;
    if (!lane_claim(lane, id_, lane_request_, task_id, flags, ticket)) continue;
    slot_.lane_tasks.fetch_add(1, std::memory_order_relaxed);
    run_task(task_id, e, flags, lane_request_, &lane, ticket);
    taken++;
  }
  return taken;
}

void WorkerProcess::on_pipe_message(const Message& m) {
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
      run_receive(h.session_id, h.reactor_id, h.server_fd, m.payload);
      st.concurrency.fetch_sub(1, std::memory_order_relaxed);
      slot_.concurrency.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
    case MsgType::Packet: {
      sockaddr_storage peer{};
      std::string_view data;
      if (unpack_datagram(m.payload, peer, data)) {
        run_packet(s_.listener_of(h.server_fd), peer, data, h.time);
      }
      s_.arena->stats().concurrency.fetch_sub(1, std::memory_order_relaxed);
      slot_.concurrency.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
    case MsgType::Connect:
      as_busy([&] {
        const auto& fn = s_.listener_of(h.server_fd).on_connect;
        if (fn) fn(s_.api, h.session_id, h.reactor_id);
      });
      break;
    case MsgType::Close: {
      as_busy([&] {
        const auto& fn = s_.listener_of(h.server_fd).on_close;
        if (fn) fn(s_.api, h.session_id, h.reactor_id);
      });
      ipc_send(reply_fd(s_.reply_pipe(h.session_id, h.reactor_id)),
               make_head(MsgType::CloseAck, h.session_id, h.reactor_id, id_), {});
      break;
    }
    // BASE mode: operations forwarded by other processes for connections this worker owns.
    case MsgType::Send:
      if (conns_) conns_->send(h.session_id, m.payload);
      break;
    case MsgType::CloseReq:
    case MsgType::ResetReq:
      if (conns_) conns_->close(h.session_id, h.type == MsgType::ResetReq);
      break;
    case MsgType::SendFile: {
      std::string path;
      int64_t offset = 0, length = 0;
      if (conns_ && unpack_sendfile(m.payload, path, offset, length)) {
        conns_->send_file(h.session_id, path, offset, length);
      }
      break;
    }
    case MsgType::PauseReq:
    case MsgType::ResumeReq:
      if (conns_) conns_->set_paused(h.session_id, h.type == MsgType::PauseReq);
      break;
    case MsgType::Task:
      if (kind_ == ProcessKind::Task) {
        run_task(m.head->session_id, m.head->worker_id, m.head->aux, m.payload, nullptr, 0);
      } else {
        log_warn("{}#{}: a task reached a process that is not a task worker", kind_name(kind_),
                 id_);
      }
      break;
    case MsgType::Finish: {
      if (auto g = group_tasks_.find(h.session_id); g != group_tasks_.end()) {
        const auto [group, index] = g->second;
        group_tasks_.erase(g);
        TaskGroup& tg = groups_[group];
        tg.results[index] = std::string(m.payload);
        if (--tg.pending == 0) close_group(group);
        break;
      }
      auto it = finish_callbacks_.find(h.session_id);
      if (it != finish_callbacks_.end()) {
        auto fn = std::move(it->second);
        finish_callbacks_.erase(it);
        fn(s_.api, static_cast<TaskId>(h.session_id), m.payload);
      } else if (h.aux & (kTaskCallback | kTaskGroup)) {
        // Its callback or taskCo was in a predecessor of this worker id (reload, crash): ids
        // are not reused, so it belongs to nobody here.
        log_debug("{}#{}: dropped the result of task#{} sent by a previous process",
                  kind_name(kind_), id_, h.session_id);
      } else if (s_.cb.on_finish) {
        s_.cb.on_finish(s_.api, static_cast<TaskId>(h.session_id), m.payload);
      }
      break;
    }
    case MsgType::PipeMessage:
      as_busy([&] {
        if (s_.cb.on_pipe_message) s_.cb.on_pipe_message(s_.api, h.worker_id, m.payload);
      });
      break;
    default:
      log_warn("{}#{}: unexpected IPC message type {}", kind_name(kind_), id_,
               static_cast<int>(h.type));
  }
}

// ---- sending ----

void WorkerProcess::ipc_send(int fd, MessageHeader head, std::string_view payload) {
  head.time = wall_time();
  if (!in_loop_) {
    // Outside the loop (a user process body, onWorkerStart before the loop): write through.
    ipc_send_now(fd, head, payload,
                 monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6));
    return;
  }
  if (!bus_.send(fd, head, payload)) {
    log_error("{}#{}: IPC write failed: {}", kind_name(kind_), id_, std::strerror(errno));
  }
  // Corked: the batch leaves in before_wait (one sendmmsg per peer per iteration).
}

bool WorkerProcess::ipc_send_now(int fd, MessageHeader head, std::string_view payload,
                                 int64_t deadline_us) {
  head.time = wall_time();
  // Past the cork: written at once unless earlier data for fd is still queued (then in order).
  const bool corked = bus_.corked();
  bus_.set_corked(false);
  const bool sent = bus_.send(fd, head, payload);
  bus_.set_corked(corked);
  return sent && flush_now(fd, deadline_us);
}

bool WorkerProcess::flush_now(int fd, int64_t deadline_us) {
  while (bus_.has_pending(fd)) {
    if (!bus_.flush(fd)) return false;
    if (!bus_.has_pending(fd)) break;
    const int64_t left_ms = (deadline_us - monotonic_us()) / 1000;
    if (left_ms <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 100)));
  }
  return true;
}

void WorkerProcess::watch_writable(int fd) {
  if (bus_.has_pending(fd) && !loop_.has(fd)) {
    loop_.add(fd, EPOLLOUT, [this, fd](uint32_t) {
      bus_.flush(fd);
      if (!bus_.has_pending(fd)) loop_.remove(fd);
    });
  }
}

ConnectionSlot* WorkerProcess::live_connection(uint32_t sid) {
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

bool WorkerProcess::send(uint32_t sid, std::string_view data) {
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
    ipc_send(reply_fd(s_.reply_pipe(sid, reactor_id)),
             make_head(MsgType::Send, sid, reactor_id, id_), data);
  } else if (conns_ && reactor_id == id_) {
    ok = conns_->send(sid, data);
    if (!ok) set_last_error(kErrSessionClosed);
  } else {
    ipc_send(process_fd(reactor_id), make_head(MsgType::Send, sid, reactor_id, id_), data);
  }
  if (ok) {
    slot_.response_count.fetch_add(1, std::memory_order_relaxed);
    s_.arena->stats().response_count.fetch_add(1, std::memory_order_relaxed);
  }
  return ok;
}

bool WorkerProcess::close(uint32_t sid, bool reset) {
  return to_owner(sid, reset ? MsgType::ResetReq : MsgType::CloseReq);
}

bool WorkerProcess::send_file(uint32_t sid, const std::string& path, int64_t offset,
                              int64_t length) {
  struct stat st {};
  int err = 0;
  if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0) {
    err = errno;
  } else if (!S_ISREG(st.st_mode)) {
    err = EINVAL;  // not a regular file
  }
  if (err) {
    log_warn("sendfile(): {}: {}", path, std::strerror(err));
    set_last_error(err);
    return false;
  }
  if (offset < 0 || offset > st.st_size || length < 0 || length > st.st_size - offset) {
    log_warn("sendfile(): offset {} / length {} outside {} ({} bytes)", offset, length, path,
             static_cast<int64_t>(st.st_size));
    set_last_error(kErrInvalidParams);
    return false;
  }
  if (length == 0) length = st.st_size - offset;
  ConnectionSlot* c = live_connection(sid);
  if (!c) return false;
  // An absolute path: the owner (a reactor thread or another worker) may not share our cwd.
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd)) full = std::string(cwd) + "/" + full;
  }
  const int reactor_id = c->reactor_id;
  if (s_.mode == Mode::Base && conns_ && reactor_id == id_) {
    if (!conns_->send_file(sid, full, offset, length)) {
      set_last_error(kErrSessionClosed);
      return false;
    }
  } else {
    const int fd = s_.mode == Mode::Process ? reply_fd(s_.reply_pipe(sid, reactor_id))
                                            : process_fd(reactor_id);
    ipc_send(fd, make_head(MsgType::SendFile, sid, reactor_id, id_),
             pack_sendfile(full, offset, length));
  }
  slot_.response_count.fetch_add(1, std::memory_order_relaxed);
  s_.arena->stats().response_count.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool WorkerProcess::send_wait(uint32_t sid, std::string_view data) {
  ConnectionSlot* c = live_connection(sid);
  if (!c) return false;
  if (s_.mode != Mode::Base || !conns_ || !conns_->find(sid)) {
    log_warn(
        "sendwait(): session#{} is not a connection of this worker (sendwait works in BASE "
        "mode, from the worker that owns the connection)",
        sid);
    set_last_error(kErrWrongOperation);
    return false;
  }
  if (!conns_->send_blocking(sid, data)) {
    set_last_error(kErrSessionClosed);
    return false;
  }
  return true;
}

bool WorkerProcess::set_paused(uint32_t sid, bool paused) {
  return to_owner(sid, paused ? MsgType::PauseReq : MsgType::ResumeReq);
}

// A request about a client to the process that holds its socket: a reactor thread (PROCESS),
// this worker or the owning one (BASE).
bool WorkerProcess::to_owner(uint32_t sid, MsgType type) {
  ConnectionSlot* c = live_connection(sid);
  if (!c) return false;
  const int reactor_id = c->reactor_id;
  if (s_.mode == Mode::Process) {
    ipc_send(reply_fd(s_.reply_pipe(sid, reactor_id)), make_head(type, sid, reactor_id, id_), {});
  } else if (conns_ && reactor_id == id_) {
    switch (type) {
      case MsgType::PauseReq:
      case MsgType::ResumeReq:
        conns_->set_paused(sid, type == MsgType::PauseReq);
        break;
      default:
        conns_->close(sid, type == MsgType::ResetReq);
    }
  } else {
    ipc_send(process_fd(reactor_id), make_head(type, sid, reactor_id, id_), {});
  }
  return true;
}

bool WorkerProcess::send_message(std::string_view message, int dst) {
  if (dst < 0 || dst >= s_.event_workers() + s_.task_workers()) {
    log_warn("sendMessage(): worker_id must be in [0, {}], got {}",
             s_.event_workers() + s_.task_workers() - 1, dst);
    set_last_error(kErrInvalidParams);
    return false;
  }
  if (dst == id_) {
    log_warn("sendMessage(): cannot send a message to the calling worker itself");
    set_last_error(kErrInvalidParams);
    return false;
  }
  ipc_send(process_fd(dst), make_head(MsgType::PipeMessage, 0, -1, id_), message);
  return true;
}

// ---- tasks ----

int64_t WorkerProcess::task(std::string_view data, int dst, Server::FinishHandler on_finish) {
  if (kind_ == ProcessKind::Task) {
    log_warn("task(): cannot be called in a task worker");
    set_last_error(kErrWrongOperation);
    return -1;
  }
  uint32_t flags = 0;
  if (kind_ == ProcessKind::User) {
    flags = kTaskNoReply;  // tasks from user processes are one-way (the seed)
  } else if (on_finish) {
    flags = kTaskCallback;
  }
  const int64_t task_id = send_task(data, dst, flags, 0);
  if (task_id >= 0 && (flags & kTaskCallback)) {
    finish_callbacks_[static_cast<uint32_t>(task_id)] = std::move(on_finish);
  }
  return task_id;
}

// The one way a task leaves a worker: payload packing (task_ipc_mode 3), choice of task worker,
// id, counters, and the write: batched, or at once with a deadline when deadline_us > 0 (the
// caller blocks for the result). Returns the task id or -1 with the last error set.
int64_t WorkerProcess::send_task(std::string_view data, int dst, uint32_t flags,
                                 int64_t deadline_us, bool* via_lane) {
  const bool queue = s_.cfg.task_ipc_mode == 3 && dst < 0;
  std::string storage;
  std::string_view payload;
  if (!pack_task_payload(s_, data, queue, storage, payload, flags)) return -1;
  const int target = queue ? -1 : pick_task_worker(s_, dst);
  if (!queue && target < 0) return -1;
  const uint32_t task_id = slot_.next_task_id.fetch_add(1, std::memory_order_relaxed);
  MessageHeader h = make_head(MsgType::Task, task_id, -1, id_);
  h.aux = flags;
  note_task_sent(payload.size());
  if (via_lane && !queue) {
    TaskLane& lane = s_.arena->lane(id_);
    *via_lane = lane_prepare(*s_.arena, id_, lane) &&
                lane_post(lane, s_.arena->worker(target), target, task_id, flags, payload,
                          std::min(deadline_us, monotonic_us() + kLaneClaimUs));
    if (*via_lane) return task_id;
  }
  const int fd = queue ? queue_fd() : process_fd(target);
  if (deadline_us == 0) {
    ipc_send(fd, h, payload);
  } else if (!ipc_send_now(fd, h, payload, deadline_us)) {
    set_last_error(kErrServerPipeBufferFull);
    return -1;
  }
  return task_id;
}

std::vector<std::optional<std::string>> WorkerProcess::task_wait(
    const std::vector<std::string_view>& tasks, double timeout, int dst) {
  std::vector<std::optional<std::string>> results(tasks.size());
  if (kind_ != ProcessKind::Event) {
    log_warn("taskwait(): only event workers can wait for tasks");
    set_last_error(kErrWrongOperation);
    return {};
  }
  if (tasks.size() > kMaxTasksAtOnce) {
    log_warn("taskWaitMulti(): at most {} tasks at once, got {}", kMaxTasksAtOnce, tasks.size());
    set_last_error(kErrInvalidParams);
    return {};
  }
  const int64_t deadline = monotonic_us() + static_cast<int64_t>(timeout * 1e6);
  std::unordered_map<uint32_t, size_t> waiting;
  bool via_lane = false;
  for (size_t i = 0; i < tasks.size(); i++) {
    const int64_t task_id =
        send_task(tasks[i], dst, kTaskWaiting, deadline, tasks.size() == 1 ? &via_lane : nullptr);
    if (task_id >= 0) waiting[static_cast<uint32_t>(task_id)] = i;
  }
  if (via_lane) {
    std::string answer;
    const int64_t spin_until = std::min(deadline, monotonic_us() + kTaskwaitSpinUs);
    switch (lane_wait(s_.arena->lane(id_), deadline, spin_until, answer)) {
      case LaneOutcome::Answer:
        results[0] = std::move(answer);
        waiting.clear();
        break;
      case LaneOutcome::ViaPipe:  // too large for the lane: read below
        break;
      case LaneOutcome::NoAnswer:  // the deadline has passed: the loops below end at once
        break;
    }
  }
  const int in = s_.result_pipes[id_][1];
  auto collect = [&](const Message& m) {
    auto it = waiting.find(m.head->session_id);
    if (it == waiting.end()) return;  // a result that came after its caller gave up
    results[it->second] = std::string(m.payload);
    waiting.erase(it);
  };
  // The caller is blocked anyway: poll without sleeping for a short while first. A quick task
  // answers within it, and the round trip saves a sleep and a wake-up (the seed's figure for
  // an empty onTask is 10 µs).
  const int64_t spin_until = std::min(deadline, monotonic_us() + kTaskwaitSpinUs);
  while (!waiting.empty() && monotonic_us() < spin_until) result_bus_.receive(in, collect);
  while (!waiting.empty()) {
    const int64_t left_ms = (deadline - monotonic_us()) / 1000;
    if (left_ms <= 0) break;
    pollfd p{in, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left_ms)) <= 0) continue;
    result_bus_.receive(in, collect);
  }
  if (!waiting.empty()) set_last_error(kErrTaskTimeout);
  return results;
}

bool WorkerProcess::task_group(const std::vector<std::string>& tasks, double timeout,
                               Server::TaskGroupHandler done) {
  if (kind_ != ProcessKind::Event || tasks.size() > kMaxTasksAtOnce) {
    log_warn("taskCo(): event workers only, at most {} tasks", kMaxTasksAtOnce);
    set_last_error(kind_ != ProcessKind::Event ? kErrWrongOperation : kErrInvalidParams);
    return false;
  }
  const uint64_t group = ++next_group_;
  TaskGroup& tg = groups_[group];
  tg.results.resize(tasks.size());
  tg.done = std::move(done);
  for (size_t i = 0; i < tasks.size(); i++) {
    const int64_t task_id = send_task(tasks[i], -1, kTaskGroup, 0);
    if (task_id < 0) continue;
    group_tasks_[static_cast<uint32_t>(task_id)] = {group, i};
    tg.pending++;
  }
  if (tg.pending == 0) {
    loop_.post([this, group] { close_group(group); });
  } else {
    tg.timer = loop_.add_timer(timeout * 1000, [this, group] {
      groups_[group].timer = 0;
      close_group(group);
    });
  }
  return true;
}

void WorkerProcess::close_group(uint64_t group) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return;
  TaskGroup tg = std::move(it->second);
  groups_.erase(it);
  if (tg.timer) loop_.cancel_timer(tg.timer);
  // Results that come later are dropped: their task ids are forgotten here.
  for (auto t = group_tasks_.begin(); t != group_tasks_.end();) {
    t = t->second.first == group ? group_tasks_.erase(t) : std::next(t);
  }
  if (tg.done) tg.done(std::move(tg.results));
}

bool WorkerProcess::finish(std::string_view data) {
  if (kind_ != ProcessKind::Task || !current_task_) {
    log_warn("finish(): can only be used in a task worker's onTask");
    set_last_error(kErrWrongOperation);
    return false;
  }
  CurrentTask& t = *current_task_;
  if (t.flags & kTaskNoReply || t.src < 0) {
    log_warn("finish(): task#{} is one-way (sent from outside an event worker)", t.id);
    set_last_error(kErrWrongOperation);
    return false;
  }
  // The sender of a taskwait posts its next task as soon as it has this answer: the lane
  // opens before the answer leaves, or that post would find it closed and take the socket.
  if (polls_after_tasks_ && !stopping_) slot_.lane_open.store(1, std::memory_order_seq_cst);
  // A second finish() of a lane task goes the socket way, and its sender drops it there.
  TaskLane* lane = std::exchange(t.lane, nullptr);
  if (lane && lane_answer(*lane, t.lane_ticket, data)) return true;
  // Too large for the lane: the sender is told first, so that it reads the result socket while
  // the answer is written (an answer larger than the socket's buffer needs a reader).
  if (lane) lane_settle(*lane, t.lane_ticket, LaneState::DonePipe);
  MessageHeader h = make_head(MsgType::Finish, t.id, -1, id_);
  h.aux = t.flags;
  if (t.flags & kTaskWaiting) {
    // The sender is blocked in taskwait: no batching.
    ipc_send_now(result_fd(t.src), h, data,
                 monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6));
  } else {
    ipc_send(process_fd(t.src), h, data);
  }
  return true;
}

// ---- entry ----

[[noreturn]] void run_worker_process(ServerImpl& s, int id) {
  const ProcessKind kind = s.kind_of(id);
  s.role = role_of(kind);
  s.worker_id = id;
  set_log_role(std::string(kind_name(kind)) + "#" + std::to_string(id));
  if (s.mode == Mode::Process || kind != ProcessKind::Event) {
    s.close_listeners(true);  // only BASE event workers accept; UDP sockets stay for sendto()
  }
  int code = 0;
  try {
    s.worker = std::make_unique<WorkerProcess>(s, id);
    code = s.worker->run();
    // Leaving because of a reload: the teardown is reload work (priority.h).
    if (s.reload_priority.active && s.arena->stats().reload_yielding.load() != 0) {
      set_own_nice(s.reload_priority.reload);
    }
    s.worker.reset();
  } catch (const std::exception& e) {
    log_error("{}#{} failed: {}", kind_name(kind), id, e.what());
    code = 1;
  }
  exit_child(code);
}

}  // namespace swkit::detail
