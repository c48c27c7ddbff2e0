// The manager cycle: forks task workers, event workers and user processes; reaps them and
// respawns with crash-loop backoff; recycles workers that ask to retire (max_request, stop());
// runs reloads as tracked transactions; stops everything on SIGTERM. Single-threaded for its
// whole life, because it forks.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <vector>

#include "event_loop.h"
#include "log.h"
#include "notify.h"
#include "reload_pace.h"
#include "server_impl.h"

namespace swkit::detail {

namespace {

// Crash-loop backoff: the first crash respawns at once; each further crash within
// kHealthyLifetimeMs of its start doubles the wait, from kBackoffInitialMs up to kBackoffMaxMs.
// A process that ran kHealthyLifetimeMs or longer starts the count again.
constexpr int64_t kHealthyLifetimeMs = 1000;
constexpr int64_t kBackoffInitialMs = 50;
constexpr int64_t kBackoffMaxMs = 5000;

// How long a reload's work may run at reload_nice (Manager::stop_yielding).
constexpr int64_t kReloadYieldMs = 500;

int64_t now_ms() {
  return monotonic_us() / 1000;
}

class Manager {
 public:
  explicit Manager(ServerImpl& s) : s_(s) {}
  void run();

 private:
  struct Proc {
    pid_t pid = -1;
    int64_t started_ms = 0;
    int crashes = 0;  // consecutive short-lived crashes
    uint64_t respawn_timer = 0;
    bool exited = false;  // a process of this id has exited since the manager started
  };
  // An old process on its way out (reload or retire); its id already has (or will get) a
  // successor.
  struct Leaving {
    int id;
    int64_t term_ms;
    uint64_t kill_timer;
    bool reload;                  // part of the running reload transaction
    int64_t cpu_at_term_ns = -1;  // its CPU when told to stop (its teardown is the rest)
  };
  struct Reload {
    ReloadRecord rec;
    std::vector<int> queue;  // ids still to stop (rolling) or stopping (parallel)
    size_t next = 0;         // rolling: next index of queue to stop
    std::unordered_map<int, int> result_index;  // id -> index in rec.results
    std::unordered_map<int, pid_t> old_of;      // id -> old pid still to stop or to leave
    int64_t started_ms = 0;                     // monotonic, for the bound on yielding
    // Pacing of rolling steps (reload_pace.h): the step under way, what it has cost so far.
    bool step_open = false;
    int64_t step_manager_cpu0_ns = 0;          // the manager's CPU when the step started
    int64_t step_requests0 = 0;                // requests handled when the step started
    uint64_t pause_timer = 0;                  // pausing before the next step
    std::unordered_map<int, int64_t> cost_ns;  // id -> CPU of its replacement so far
  };

  pid_t spawn(int id);
  void schedule_respawn(int id, int64_t delay_ms);
  void reap();
  void on_exit(pid_t pid, int status, int64_t cpu_ns);
  void on_retire_requests();
  void reclaim_connections(int worker_id);
  void start_user_processes();
  void stop_children();

  void begin_reload(bool task_only);
  void start_replacement(int id);
  void stop_old(pid_t old);
  void release_read_owner(int id, pid_t pid);
  void advance_reload();
  void start_next_step();
  int64_t close_step();
  void add_cost(int id, int64_t ns);
  void stop_yielding(const std::string& why);
  // The running reload's work runs at reload_nice (the arena's flag, which leaving workers read).
  bool yielding() const { return s_.arena->stats().reload_yielding.load() != 0; }
  void publish(const ReloadRecord& rec);

  ServerImpl& s_;
  EventLoop loop_;
  std::vector<Proc> procs_;
  std::unordered_map<pid_t, Leaving> leaving_;
  std::optional<Reload> reload_;
  uint64_t reload_timer_ = 0;
  int signal_fd_ = -1;
  bool stopping_ = false;
  bool users_started_ = false;
};

pid_t Manager::spawn(int id) {
  WorkerSlot& slot = s_.arena->worker(id);
  // Everything but the pid is written before fork: the child sets RUNNING on its own and must
  // not be overwritten by a late STARTING from here.
  const ProcessKind kind = s_.kind_of(id);
  slot.type.store(static_cast<int32_t>(kind == ProcessKind::Event  ? WorkerType::Event
                                       : kind == ProcessKind::Task ? WorkerType::Task
                                                                   : WorkerType::User));
  slot.status.store(kWorkerIdle);
  slot.state.store(static_cast<int32_t>(SlotState::Starting));
  slot.start_time.store(static_cast<int64_t>(wall_time()));
  slot.request_count.store(0);
  slot.response_count.store(0);
  slot.dispatch_count.store(0);
  slot.retire_requested.store(0);
  slot.backoff_until_ms.store(0);
  slot.generation.store(reload_ ? reload_->rec.id : slot.generation.load());
  const pid_t manager = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // The child says who it is too: it may run onWorkerStart (and be asked about) before the
    // manager gets back from fork().
    slot.pid.store(getpid());
    bind_lifetime_to_parent(manager, SIGTERM);
    run_worker_process(s_, id);
  }
  if (pid < 0) {
    log_error("fork process#{}: {}", id, std::strerror(errno));
    schedule_respawn(id, kBackoffMaxMs);
    return -1;
  }
  slot.pid.store(pid);
  procs_[id].pid = pid;
  procs_[id].started_ms = now_ms();
  return pid;
}

void Manager::schedule_respawn(int id, int64_t delay_ms) {
  WorkerSlot& slot = s_.arena->worker(id);
  if (delay_ms <= 0) {
    spawn(id);
    return;
  }
  slot.state.store(static_cast<int32_t>(SlotState::Backoff));
  slot.backoff_until_ms.store(static_cast<int64_t>(wall_time() * 1000) + delay_ms);
  procs_[id].respawn_timer = loop_.add_timer(static_cast<double>(delay_ms), [this, id] {
    procs_[id].respawn_timer = 0;
    if (!stopping_ && procs_[id].pid < 0) spawn(id);
  });
}

void Manager::run() {
  StatsBlock& st = s_.arena->stats();
  st.manager_pid.store(getpid());
  // A new manager runs no reload: one killed in the middle of a reload left these set, and
  // reload() would be refused for good.
  st.reload_running.store(0);
  st.reload_yielding.store(0);
  procs_.assign(s_.total_processes(), Proc{});
  sigset_t set = handled_signals();
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  // Swoole's order: task workers, event workers, then user processes (once the workers have
  // started: start_user_processes).
  for (int i = 0; i < s_.task_workers(); i++) spawn(s_.event_workers() + i);
  for (int i = 0; i < s_.event_workers(); i++) spawn(i);

  loop_.add(signal_fd_, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == sizeof si) {
      const int sig = static_cast<int>(si.ssi_signo);
      if (sig == SIGTERM) {
        stopping_ = true;
        loop_.stop();
      } else if (sig == SIGCHLD) {
        reap();
      } else if (sig == SIGUSR1 || sig == SIGUSR2) {
        begin_reload(sig == SIGUSR2);
      } else if (sig == SIGIO) {
        on_retire_requests();
        advance_reload();  // a worker reports RUNNING this way too
        start_user_processes();
      } else if (sig == SIGWINCH || sig == SIGRTMIN) {
        reopen_log();
        for (const auto& p : procs_) {
          if (p.pid > 0) kill(p.pid, SIGWINCH);
        }
      }
    }
  });
  serve_commands(s_, loop_, s_.control.child_end(s_.control.manager_index()), kCommandManager);
  if (s_.cb.on_manager_start) s_.cb.on_manager_start(s_.api);
  loop_.run();
  // Shutting down in the middle of a reload: the teardown is not reload work.
  stop_yielding("the server is shutting down");
  stop_children();
  if (s_.cb.on_manager_stop) s_.cb.on_manager_stop(s_.api);
  log_info("manager stopped");
}

void Manager::reap() {
  for (;;) {
    // Peek first: the exited child's own CPU clock is readable until it is reaped (wait4's
    // rusage would add the CPU of every child it waited for, e.g. a PHP worker's system()).
    siginfo_t info{};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid <= 0) break;
    const pid_t pid = info.si_pid;
    const int64_t cpu_ns = process_cpu_ns(pid);
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != pid) break;
    on_exit(pid, status, cpu_ns);
  }
  start_user_processes();
}

// User processes start after every event and task worker has started: each has run its
// onWorkerStart and reported RUNNING, or has exited trying (a worker that crashes at start-up
// does not hold them back). Swoole only forks them last; their bodies could run first.
void Manager::start_user_processes() {
  if (users_started_ || stopping_) return;
  for (int id = 0; id < s_.event_workers() + s_.task_workers(); id++) {
    const WorkerSlot& slot = s_.arena->worker(id);
    const bool running = slot_runs(slot, procs_[id].pid);
    if (!running && !procs_[id].exited) return;
  }
  users_started_ = true;
  for (int i = 0; i < s_.user_processes(); i++) spawn(s_.event_workers() + s_.task_workers() + i);
}

// cpu_ns: the CPU the process used (-1: unknown).
void Manager::on_exit(pid_t pid, int status, int64_t cpu_ns) {
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (auto it = leaving_.find(pid); it != leaving_.end()) {
    const Leaving leaving = it->second;
    leaving_.erase(it);
    loop_.cancel_timer(leaving.kill_timer);
    if (s_.mode == Mode::Base && s_.kind_of(leaving.id) == ProcessKind::Event) {
      reclaim_connections(leaving.id);
    }
    release_read_owner(leaving.id, pid);
    if (leaving.reload && reload_) {
      const int idx = reload_->result_index[leaving.id];
      ReloadWorkerResult& r = reload_->rec.results[idx];
      r.drain_ms = leaving.term_ms ? static_cast<int32_t>(now_ms() - leaving.term_ms) : 0;
      r.forced = sig == SIGKILL ? 1 : 0;
      if (r.forced) reload_->rec.forced++;
      if (leaving.cpu_at_term_ns >= 0 && cpu_ns >= 0) {
        add_cost(leaving.id, std::max<int64_t>(0, cpu_ns - leaving.cpu_at_term_ns));
      }
      reload_->old_of.erase(leaving.id);
      advance_reload();
    }
    return;
  }
  int id = -1;
  for (int i = 0; i < static_cast<int>(procs_.size()); i++) {
    if (procs_[i].pid == pid) id = i;
  }
  if (id < 0) return;  // not ours (a user's own child, reaped here as subreaper of nothing)
  Proc& p = procs_[id];
  p.pid = -1;
  p.exited = true;
  release_read_owner(id, pid);
  WorkerSlot& slot = s_.arena->worker(id);
  slot.last_exit_status.store(status);
  slot.status.store(kWorkerExit);
  slot.state.store(static_cast<int32_t>(SlotState::Stopped));
  if (stopping_) return;
  if (s_.mode == Mode::Base && s_.kind_of(id) == ProcessKind::Event) reclaim_connections(id);
  const int64_t lived = now_ms() - p.started_ms;
  const bool crashed = code != 0 || sig != 0;
  if (crashed) {
    log_warn("process#{} (pid {}) exited abnormally: code={} signal={}", id, pid, code, sig);
    if (s_.cb.on_worker_error) s_.cb.on_worker_error(s_.api, id, pid, code, sig);
  }
  slot.respawn_count.fetch_add(1);
  // A clean exit of an event or task worker (stop(), an outside SIGTERM) respawns at once.
  // Crashes, and user processes that keep returning at once, back off.
  const bool counts = crashed || s_.kind_of(id) == ProcessKind::User;
  if (!counts || lived >= kHealthyLifetimeMs) {
    p.crashes = counts ? 1 : 0;
  } else {
    p.crashes++;
  }
  const int64_t delay =
      p.crashes <= 1 ? 0
                     : std::min(kBackoffMaxMs, kBackoffInitialMs << std::min(p.crashes - 2, 20));
  if (delay > 0) {
    log_warn("process#{} crash loop: respawn in {} ms ({} quick exits in a row)", id, delay,
             p.crashes);
  }
  schedule_respawn(id, delay);
}

// max_request or stop(): the worker stopped reading and asks for its successor; it leaves once
// the successor runs.
void Manager::on_retire_requests() {
  for (int id = 0; id < static_cast<int>(procs_.size()); id++) {
    WorkerSlot& slot = s_.arena->worker(id);
    if (!slot.retire_requested.load() || procs_[id].pid <= 0) continue;
    const pid_t old = procs_[id].pid;
    if (slot.pid.load() != old) continue;
    leaving_[old] = Leaving{id, now_ms(), 0, false};
    // The old process waits for the successor at most max_wait_time; then it is killed.
    leaving_[old].kill_timer =
        loop_.add_timer(s_.cfg.max_wait_time * 1000 + 1000, [old] { kill(old, SIGKILL); });
    spawn(id);
  }
}

// BASE mode: a dead worker's sockets died with it; free their rows in the arena.
void Manager::reclaim_connections(int worker_id) {
  StatsBlock& st = s_.arena->stats();
  const int rows = s_.arena->rows_in_use();
  for (int row = 0; row < rows; row++) {
    ConnectionSlot* c = s_.arena->connection(row);
    const uint32_t sid = c->session_id.load();
    if (sid == 0 || c->reactor_id != worker_id) continue;
    s_.arena->session(sid).state.store(static_cast<uint8_t>(SessionState::Closed));
    c->state.store(static_cast<uint8_t>(ConnState::Free));
    c->session_id.store(0);
    s_.arena->free_row(row);
    st.close_count.fetch_add(1);
    st.connection_num.fetch_sub(1);
  }
}

// ---- reload transactions ----

void Manager::publish(const ReloadRecord& rec) {
  ReloadHistory& h = s_.arena->reloads();
  std::lock_guard<Spinlock> lock(h.lock);
  // The running transaction keeps its place; a new one takes the next.
  const uint32_t newest = h.count == 0 ? 0 : h.records[(h.count - 1) % kReloadHistory].id;
  if (h.count == 0 || newest != rec.id) h.count++;
  h.records[(h.count - 1) % kReloadHistory] = rec;
}

void Manager::begin_reload(bool task_only) {
  StatsBlock& st = s_.arena->stats();
  const auto trigger = static_cast<ReloadTrigger>(st.reload_trigger.exchange(0));
  if (stopping_) return;
  if (reload_) {
    log_warn("reload refused: reload #{} is still running", reload_->rec.id);
    reload_->rec.refused++;
    publish(reload_->rec);
    return;
  }
  std::vector<int> ids;
  if (!task_only) {
    for (int i = 0; i < s_.event_workers(); i++) ids.push_back(i);
  }
  for (int i = 0; i < s_.task_workers(); i++) ids.push_back(s_.event_workers() + i);
  reload_.emplace();
  Reload& r = *reload_;
  r.rec = ReloadRecord{};
  r.rec.id = st.reload_seq.fetch_add(1) + 1;
  r.rec.trigger = static_cast<int32_t>(trigger);
  r.rec.parallel = s_.cfg.reload_async ? 1 : 0;
  r.rec.task_only = task_only ? 1 : 0;
  r.rec.started_at = wall_time();
  r.queue = ids;
  for (size_t i = 0; i < ids.size() && i < ReloadRecord::kMaxWorkers; i++) {
    r.rec.results[i] = ReloadWorkerResult{ids[i], -1, -1, -1, 0, -1};
    r.result_index[ids[i]] = static_cast<int>(i);
  }
  r.rec.workers = static_cast<int32_t>(std::min<size_t>(ids.size(), ReloadRecord::kMaxWorkers));
  st.reload_running.store(r.rec.id);
  log_info("reload #{} started: {} {} workers, {}", r.rec.id, ids.size(),
           task_only ? "task" : "event and task", r.rec.parallel ? "parallel" : "rolling");
  publish(r.rec);
  sd_notify_reloading("reload #" + std::to_string(r.rec.id) + " running");
  // Reload work yields the CPU to the workers serving traffic (priority.h); the successors
  // forked from here start at this priority too.
  r.started_ms = now_ms();
  if (s_.reload_priority.active) {
    st.reload_yielding.store(1);
    set_own_nice(s_.reload_priority.reload);
  }
  if (s_.cb.on_before_reload) s_.cb.on_before_reload(s_.api);
  if (r.rec.parallel) {
    for (int id : ids) start_replacement(id);
    r.next = ids.size();
  }
  // Progress is driven by the workers' SIGIO (running, retiring) and SIGCHLD (exits); a timer
  // checks as well, in case a step changed without either (a successor that died starting).
  reload_timer_ = loop_.add_timer(
      20, [this] { advance_reload(); }, 20);
  advance_reload();
}

// A process that died holding its IPC socket cannot hand it over: free it for the successor.
void Manager::release_read_owner(int id, pid_t pid) {
  WorkerSlot& slot = s_.arena->worker(id);
  int32_t owner = pid;
  if (slot.read_owner.compare_exchange_strong(owner, 0)) {
    const pid_t successor = slot.pid.load();
    if (successor > 0 && successor != pid) kill(successor, SIGIO);
  }
}

// One step of a reload: the successor starts while the old process still serves (it reads the
// socket only once the old one hands it over), and the old one is stopped once the successor
// runs (advance_reload). The gap in service is the hand-over, not a fork and a start-up.
void Manager::start_replacement(int id) {
  Reload& r = *reload_;
  ReloadWorkerResult& res = r.rec.results[r.result_index[id]];
  const pid_t old = procs_[id].pid;
  res.old_pid = old;
  if (procs_[id].respawn_timer) loop_.cancel_timer(procs_[id].respawn_timer);
  procs_[id].respawn_timer = 0;
  if (old <= 0) {
    // In backoff or not running: start it now, in this reload's generation.
    res.drain_ms = 0;
    spawn(id);
    return;
  }
  leaving_[old] = Leaving{id, 0, 0, true};
  r.old_of[id] = old;
  procs_[id].pid = -1;
  spawn(id);
}

void Manager::stop_old(pid_t old) {
  Leaving& leaving = leaving_[old];
  leaving.term_ms = now_ms();
  leaving.cpu_at_term_ns = process_cpu_ns(old);
  // After max_wait_time the straggler is killed; its result says forced.
  leaving.kill_timer = loop_.add_timer(s_.cfg.max_wait_time * 1000, [this, old] {
    if (leaving_.count(old)) {
      log_warn("reload #{}: pid {} did not exit within max_wait_time, killing it",
               reload_ ? reload_->rec.id : 0, old);
      kill(old, SIGKILL);
    }
  });
  kill(old, SIGTERM);
}

// A reload yields the CPU for a bounded time only: under a CPU that stays saturated its work
// would otherwise wait for as long as the load lasts. After kReloadYieldMs (or half of
// max_wait_time, whichever is shorter, so that no leaving worker is killed for a slow teardown
// at the low priority) the manager, the successors still starting and the workers still
// leaving return to the base priority (the manager may set theirs: it holds the right the
// setting requires).
void Manager::stop_yielding(const std::string& why) {
  if (!reload_ || !yielding()) return;
  s_.arena->stats().reload_yielding.store(0);
  const int base = s_.reload_priority.base;
  set_own_nice(base);
  for (const auto& p : procs_) {
    if (p.pid > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(p.pid), base);
  }
  for (const auto& [pid, l] : leaving_) setpriority(PRIO_PROCESS, static_cast<id_t>(pid), base);
  log_info("reload #{}: {}, its work continues at the normal priority", reload_->rec.id, why);
}

void Manager::advance_reload() {
  if (!reload_) return;
  Reload& r = *reload_;
  if (yielding()) {
    const auto limit =
        std::min<int64_t>(kReloadYieldMs, static_cast<int64_t>(s_.cfg.max_wait_time * 500));
    // Pauses between paced steps (reload_cpu_percent) are not reload work: they do not count.
    if (now_ms() - r.started_ms - r.rec.paced_ms >= limit)
      stop_yielding("still running after " + std::to_string(limit) + " ms");
  }
  // An id is done when its successor runs and its old process has left.
  int waiting = 0;
  bool changed = false;
  for (size_t i = 0; i < r.next; i++) {
    const int id = r.queue[i];
    const pid_t cur = procs_[id].pid;
    const WorkerSlot& slot = s_.arena->worker(id);
    const bool up = slot_runs(slot, cur);
    // The record shows each successor as soon as it runs, not only when the reload ends.
    if (auto at = r.result_index.find(id); up && at != r.result_index.end()) {
      int32_t& new_pid = r.rec.results[at->second].new_pid;
      if (new_pid != cur) {
        new_pid = cur;
        changed = true;
        if (const int64_t start_cpu = slot.start_cpu_ns.load(); start_cpu >= 0) {
          add_cost(id, start_cpu);
        }
      }
    }
    auto old = r.old_of.find(id);
    if (up && old != r.old_of.end()) {
      auto l = leaving_.find(old->second);
      if (l != leaving_.end() && l->second.term_ms == 0) stop_old(old->second);
    }
    if (!up || old != r.old_of.end()) waiting++;
  }
  if (!r.rec.parallel && waiting == 0 && r.next < r.queue.size()) {
    if (r.pause_timer != 0) return;
    const int64_t pause = close_step();
    if (pause <= 0) {
      start_next_step();
      return;
    }
    r.rec.paced_ms += static_cast<int32_t>(pause);
    publish(r.rec);
    // The step is closed; when the pause ends, advance_reload checks again that every earlier
    // step still runs (a successor may have crashed meanwhile) before the next starts.
    r.pause_timer = loop_.add_timer(static_cast<double>(pause), [this] {
      if (!reload_ || stopping_) return;
      reload_->pause_timer = 0;
      advance_reload();
    });
    return;
  }
  if (waiting > 0 || r.next < r.queue.size()) {
    if (changed) publish(r.rec);
    return;
  }
  close_step();
  for (const int id : r.queue) {
    if (r.result_index.count(id)) r.rec.results[r.result_index[id]].new_pid = procs_[id].pid;
  }
  r.rec.done = 1;
  r.rec.finished_at = wall_time();
  s_.arena->stats().reload_running.store(0);  // before the record says done: a reader may act on it
  publish(r.rec);
  log_info("reload #{} finished in {:.0f} ms: {} workers, {} forced", r.rec.id,
           (r.rec.finished_at - r.rec.started_at) * 1000, r.rec.workers, r.rec.forced);
  sd_notify_send("READY=1\nSTATUS=serving; reload #" + std::to_string(r.rec.id) + " done (" +
                 std::to_string(r.rec.forced) + " forced)");
  loop_.cancel_timer(reload_timer_);
  if (yielding()) {
    s_.arena->stats().reload_yielding.store(0);
    set_own_nice(s_.reload_priority.base);
  }
  reload_.reset();
  if (s_.cb.on_after_reload) s_.cb.on_after_reload(s_.api);
}

void Manager::add_cost(int id, int64_t ns) {
  Reload& r = *reload_;
  const int64_t total = r.cost_ns[id] += ns;
  if (auto at = r.result_index.find(id); at != r.result_index.end()) {
    r.rec.results[at->second].cpu_us =
        static_cast<int32_t>(std::min<int64_t>(total / 1000, INT32_MAX));
  }
}

// Rolling: the next step starts; the manager's CPU from here to the step's end (its fork and
// bookkeeping) counts towards the step.
void Manager::start_next_step() {
  Reload& r = *reload_;
  r.step_open = true;
  r.step_requests0 = s_.arena->stats().request_count.load();
  r.step_manager_cpu0_ns = process_cpu_ns(0);
  start_replacement(r.queue[r.next++]);
  publish(r.rec);
}

// Rolling: the step under way is done (its successor runs, its old process has left). Returns
// the pause before the next step (0 for none, or no step open: a parallel reload opens none).
int64_t Manager::close_step() {
  Reload& r = *reload_;
  if (!r.step_open) return 0;
  r.step_open = false;
  const int id = r.queue[r.next - 1];
  if (const int64_t now = process_cpu_ns(0); now >= 0 && r.step_manager_cpu0_ns >= 0) {
    add_cost(id, now - r.step_manager_cpu0_ns);
  }
  // Traffic: the workers handled a request (onReceive, onPacket) during the step, in either
  // mode (in BASE mode no master dispatches).
  const bool traffic = s_.arena->stats().request_count.load() != r.step_requests0;
  return step_pause_ms(r.cost_ns[id], traffic, s_.cfg.reload_cpu_percent);
}

void Manager::stop_children() {
  std::vector<pid_t> pids;
  for (auto& p : procs_) {
    if (p.pid > 0) pids.push_back(p.pid);
  }
  for (auto& [pid, l] : leaving_) pids.push_back(pid);
  for (pid_t pid : pids) kill(pid, SIGTERM);
  const int64_t deadline = monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6);
  auto alive = [&] {
    for (pid_t pid : pids) {
      if (pid > 0) return true;
    }
    return false;
  };
  while (alive() && monotonic_us() < deadline) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      std::replace(pids.begin(), pids.end(), pid, static_cast<pid_t>(-1));
    }
    if (alive()) usleep(2000);
  }
  for (pid_t pid : pids) {
    if (pid > 0) {
      log_warn("pid {} did not stop within max_wait_time, killing it", pid);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  s_.arena->stats().reload_running.store(0);
}

}  // namespace

void run_manager(ServerImpl& s) {
  s.role = Role::Manager;
  set_log_role("manager");
  signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the whole group; the master alone acts on it
  // In PROCESS mode only the master accepts; the UDP sockets stay for the workers' sendto().
  if (s.mode == Mode::Process) s.close_listeners(true);
  int code = 0;
  try {
    Manager m(s);
    m.run();
  } catch (const std::exception& e) {
    log_error("manager failed: {}", e.what());
    code = 1;
  }
  exit_child(code);
}

}  // namespace swkit::detail
