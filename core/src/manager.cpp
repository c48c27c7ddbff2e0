// The manager cycle: forks the event workers, reaps them, respawns the ones that die, and stops
// them all on SIGTERM. Single-threaded for its whole life, because it forks.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "event_loop.h"
#include "log.h"
#include "server_impl.h"

namespace swkit::detail {

namespace {

class Manager {
 public:
  explicit Manager(ServerImpl& s) : s_(s) {}
  void run();

 private:
  pid_t spawn(int worker_id);
  void reap();
  void on_worker_exit(int worker_id, pid_t pid, int status);
  void reclaim_connections(int worker_id);
  void stop_children();

  ServerImpl& s_;
  EventLoop loop_;
  std::vector<pid_t> pids_;
  int signal_fd_ = -1;
  bool stopping_ = false;
};

pid_t Manager::spawn(int worker_id) {
  const pid_t manager = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    bind_lifetime_to_parent(manager, SIGTERM);
    run_event_worker(s_, worker_id);
  }
  if (pid < 0) {
    log_error("fork worker#{}: {}", worker_id, std::strerror(errno));
    return -1;
  }
  WorkerSlot& slot = s_.arena->worker(worker_id);
  slot.pid.store(pid);
  slot.type.store(static_cast<int32_t>(WorkerType::Event));
  slot.status.store(kWorkerIdle);
  slot.start_time.store(static_cast<int64_t>(wall_time()));
  slot.request_count.store(0);
  slot.response_count.store(0);
  slot.dispatch_count.store(0);
  slot.concurrency.store(0);
  pids_[worker_id] = pid;
  return pid;
}

void Manager::run() {
  StatsBlock& st = s_.arena->stats();
  st.manager_pid.store(getpid());
  pids_.assign(s_.cfg.worker_num, -1);
  sigset_t set = handled_signals();
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  for (int i = 0; i < s_.cfg.worker_num; i++) spawn(i);
  loop_.add(signal_fd_, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == sizeof si) {
      switch (si.ssi_signo) {
        case SIGTERM:
          stopping_ = true;
          loop_.stop();
          break;
        case SIGCHLD:
          reap();
          break;
        case SIGWINCH:
          reopen_log();
          break;
        default:
          if (static_cast<int>(si.ssi_signo) == SIGRTMIN) reopen_log();
          // SIGUSR1/SIGUSR2 (reload) belong to the supervisor issue; SIGINT goes to the master.
          break;
      }
    }
  });
  if (s_.cb.on_manager_start) s_.cb.on_manager_start(s_.api);
  loop_.run();
  stop_children();
  if (s_.cb.on_manager_stop) s_.cb.on_manager_stop(s_.api);
  log_info("manager stopped");
}

void Manager::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int id = 0; id < static_cast<int>(pids_.size()); id++) {
      if (pids_[id] == pid) on_worker_exit(id, pid, status);
    }
  }
}

void Manager::on_worker_exit(int worker_id, pid_t pid, int status) {
  pids_[worker_id] = -1;
  WorkerSlot& slot = s_.arena->worker(worker_id);
  slot.last_exit_status.store(status);
  slot.status.store(kWorkerExit);
  if (stopping_) return;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (code != 0 || sig != 0) {
    log_warn("worker#{} (pid {}) exited abnormally: code={} signal={}", worker_id, pid, code, sig);
    if (s_.cb.on_worker_error) s_.cb.on_worker_error(s_.api, worker_id, pid, code, sig);
  }
  if (s_.mode == Mode::Base) reclaim_connections(worker_id);
  slot.respawn_count.fetch_add(1);
  spawn(worker_id);
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

void Manager::stop_children() {
  for (pid_t pid : pids_) {
    if (pid > 0) kill(pid, SIGTERM);
  }
  const int64_t deadline = monotonic_us() + static_cast<int64_t>(s_.cfg.max_wait_time * 1e6);
  auto alive = [this] {
    for (pid_t pid : pids_) {
      if (pid > 0) return true;
    }
    return false;
  };
  while (alive() && monotonic_us() < deadline) {
    reap();
    if (alive()) usleep(2000);
  }
  for (pid_t& pid : pids_) {
    if (pid > 0) {
      log_warn("worker pid {} did not stop within max_wait_time, killing it", pid);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
}

}  // namespace

void run_manager(ServerImpl& s) {
  s.role = Role::Manager;
  set_log_role("manager");
  signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the whole group; the master alone acts on it
  if (s.mode == Mode::Process && s.listen_fd >= 0) {
    // In PROCESS mode only the master accepts. (BASE workers inherit it from here.)
    ::close(s.listen_fd);
    s.listen_fd = -1;
  }
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
