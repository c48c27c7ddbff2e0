// The master cycle (DESIGN §1, §2): fork the manager before any thread, then start the reactor
// threads (PROCESS mode), accept on the main thread, and act on signals read from a signalfd.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "event_loop.h"
#include "log.h"
#include "notify.h"
#include "reactor_thread.h"
#include "server_impl.h"
#include "spawner.h"

namespace swkit::detail {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH, SIGIO, SIGRTMIN}) {
    sigaddset(&set, sig);
  }
  return set;
}

void bind_lifetime_to_parent(pid_t expected_parent, int signal) {
  prctl(PR_SET_PDEATHSIG, signal);
  if (getppid() != expected_parent) _exit(1);  // the parent died before prctl took effect
}

void exit_child(int code) {
  flush_log();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

namespace {

class Master {
 public:
  explicit Master(ServerImpl& s) : s_(s) {}
  bool run();

 private:
  void accept_ready(const Listener& listener);
  void on_signal(int sig);
  void on_spawner_message();
  void request_manager();
  bool wait_manager_started();
  void stop_manager();

  ServerImpl& s_;
  Spawner spawner_;
  int manager_restarts_ = 0;
  int64_t last_restart_ms_ = 0;
  EventLoop loop_;
  std::vector<std::unique_ptr<ReactorThread>> reactors_;
  pid_t manager_pid_ = -1;
  int signal_fd_ = -1;
  bool shutting_down_ = false;
  bool failed_ = false;  // the tree lost a piece it cannot replace: start() returns false
};

bool Master::run() {
  StatsBlock& st = s_.arena->stats();
  st.master_pid.store(getpid());
  st.start_time.store(static_cast<int64_t>(wall_time()));

  // Processes orphaned on the way down are reparented here, not to init, and reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  s_.reload_priority = plan_reload_priority(s_.cfg.reload_nice);
  if (!s_.reload_priority.inert_why.empty()) {
    log_info("reload_nice={} has no effect: {}", s_.cfg.reload_nice, s_.reload_priority.inert_why);
  }
  // The spawner forks the manager now and again whenever it dies (see spawner.h).
  spawner_ = start_spawner(s_);
  if (spawner_.pid < 0) {
    log_error("fork spawner: {}", std::strerror(errno));
    return false;
  }
  request_manager();
  if (!wait_manager_started()) {
    log_error("the manager did not start");
    kill(spawner_.pid, SIGTERM);
    waitpid(spawner_.pid, nullptr, 0);
    return false;
  }

  // Only now, with the manager forked, may the master have threads.
  if (s_.mode == Mode::Process) {
    for (int i = 0; i < s_.cfg.reactor_num; i++) {
      reactors_.push_back(std::make_unique<ReactorThread>(s_, i));
      reactors_.back()->start();
    }
    for (const auto& l : s_.listeners) {
      if (l->udp()) continue;  // read by a reactor thread
      const Listener* listener = l.get();
      loop_.add(l->fd, EPOLLIN, [this, listener](uint32_t) { accept_ready(*listener); });
    }
  }

  loop_.add(spawner_.control_fd, EPOLLIN, [this](uint32_t) { on_spawner_message(); });
  sigset_t set = handled_signals();
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  loop_.add(signal_fd_, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo si;
    while (::read(signal_fd_, &si, sizeof si) == sizeof si)
      on_signal(static_cast<int>(si.ssi_signo));
  });

  log_info("master started: {}:{} mode={} workers={} reactors={}", s_.host, s_.port,
           s_.mode == Mode::Process ? "PROCESS" : "BASE", s_.cfg.worker_num,
           s_.mode == Mode::Process ? s_.cfg.reactor_num : 0);
  // Services (the admin endpoint) may start threads now; one that cannot start fails start().
  size_t services_started = 0;
  bool ok = true;
  for (auto& svc : s_.services) {
    if (svc.start && !svc.start(s_.api)) {
      log_error("start(): {} could not start", svc.name);
      set_last_error(kErrWrongOperation);
      ok = false;
      break;
    }
    services_started++;
  }
  if (ok) {
    sd_notify_send("READY=1\nSTATUS=serving on " + s_.host + ":" + std::to_string(s_.port) +
                   "\nMAINPID=" + std::to_string(getpid()));
    if (s_.cb.on_start) s_.cb.on_start(s_.api);
    loop_.run();
  }
  sd_notify_send("STOPPING=1\nSTATUS=shutting down");

  // Shutdown: stop accepting, stop the manager (it stops every child), drop the connections.
  st.shutting_down.store(1);
  for (const auto& l : s_.listeners) {
    if (loop_.has(l->fd)) loop_.remove(l->fd);
  }
  stop_manager();
  for (auto& r : reactors_) r->stop_and_join();
  reactors_.clear();
  s_.close_listeners();
  // Services stop last: the admin endpoint reports "shutting down" while the workers drain.
  for (size_t i = services_started; i-- > 0;) {
    if (s_.services[i].stop) s_.services[i].stop(s_.api);
  }
  if (ok && s_.cb.on_shutdown) s_.cb.on_shutdown(s_.api);
  ::close(signal_fd_);
  log_info("master stopped");
  if (failed_) set_last_error(kErrWrongOperation);
  return ok && !failed_;
}

void Master::accept_ready(const Listener& listener) {
  accept_pending(listener.fd, [this, &listener](int fd, const sockaddr_storage& peer) {
    reactors_[fd % reactors_.size()]->adopt(fd, peer, listener.info());
  });
}

void Master::on_signal(int sig) {
  if (sig == SIGTERM || sig == SIGINT) {
    if (!shutting_down_)
      log_info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    shutting_down_ = true;
    loop_.stop();
  } else if (sig == SIGUSR1 || sig == SIGUSR2) {
    if (manager_pid_ > 0) kill(manager_pid_, sig);  // the manager runs reloads
  } else if (sig == SIGWINCH || sig == SIGRTMIN) {
    reopen_log();
    if (manager_pid_ > 0) kill(manager_pid_, sig);  // the manager passes it on to its children
  } else if (sig == SIGCHLD) {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == spawner_.pid && !shutting_down_) {
        // Without the spawner no manager can be replaced: stop cleanly, and start() returns
        // false so that the service manager (systemd, Kubernetes) restarts the whole tree.
        log_error("spawner exited unexpectedly (status {}), shutting down", status);
        spawner_.pid = -1;
        failed_ = true;
        shutting_down_ = true;
        loop_.stop();
      }
    }
  }
}

void Master::request_manager() {
  SpawnerMessage m{'S', 0, 0};
  [[maybe_unused]] ssize_t n = ::send(spawner_.control_fd, &m, sizeof m, MSG_NOSIGNAL);
}

bool Master::wait_manager_started() {
  pollfd p{spawner_.control_fd, POLLIN, 0};
  if (poll(&p, 1, 10000) <= 0) return false;
  SpawnerMessage m{};
  if (::recv(spawner_.control_fd, &m, sizeof m, 0) != sizeof m || m.type != 'P') return false;
  manager_pid_ = m.pid;
  s_.arena->stats().manager_pid.store(m.pid);
  return true;
}

// The manager died (SIGKILL, a crash): its workers die with it (PDEATHSIG); a new manager
// starts new ones. In PROCESS mode the connections live here and are kept; what was queued for
// the workers waits in their sockets for the successors.
void Master::on_spawner_message() {
  SpawnerMessage m{};
  const ssize_t n = ::recv(spawner_.control_fd, &m, sizeof m, 0);
  if (n <= 0) {
    if (loop_.has(spawner_.control_fd)) loop_.remove(spawner_.control_fd);
    return;
  }
  if (m.type == 'P') {
    manager_pid_ = m.pid;
    s_.arena->stats().manager_pid.store(m.pid);
    log_info("manager restarted: pid {}", m.pid);
    return;
  }
  if (m.type != 'X' || m.pid != manager_pid_) return;
  manager_pid_ = -1;
  s_.arena->stats().manager_pid.store(0);
  if (shutting_down_) return;
  const int64_t now = monotonic_us() / 1000;
  manager_restarts_ = now - last_restart_ms_ > 10000 ? 0 : manager_restarts_ + 1;
  last_restart_ms_ = now;
  const int64_t delay =
      manager_restarts_ == 0 ? 0 : std::min<int64_t>(5000, 100LL << std::min(manager_restarts_, 6));
  log_error("manager exited unexpectedly (status {}), restarting it in {} ms", m.status, delay);
  if (delay == 0) {
    request_manager();
  } else {
    loop_.add_timer(static_cast<double>(delay), [this] {
      if (!shutting_down_) request_manager();
    });
  }
}

void Master::stop_manager() {
  // The spawner stops the manager (which stops every child) and then exits itself.
  if (spawner_.pid <= 0) return;
  kill(spawner_.pid, SIGTERM);
  const int64_t deadline =
      monotonic_us() + static_cast<int64_t>((s_.cfg.max_wait_time * 2 + 2) * 1e6);
  while (monotonic_us() < deadline) {
    if (waitpid(spawner_.pid, nullptr, WNOHANG) == spawner_.pid) {
      spawner_.pid = -1;
      break;
    }
    usleep(5000);
  }
  if (spawner_.pid > 0) {
    log_error("the manager did not stop in time, killing the tree");
    if (manager_pid_ > 0) kill(manager_pid_, SIGKILL);
    kill(spawner_.pid, SIGKILL);
    waitpid(spawner_.pid, nullptr, 0);
    spawner_.pid = -1;
  }
  // Reap what the subreaper inherited on the way down.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  ::close(spawner_.control_fd);
  manager_pid_ = -1;
}

}  // namespace

bool run_master(ServerImpl& s) {
  s.role = Role::Master;
  Master m(s);
  return m.run();
}

}  // namespace swkit::detail
