// The master cycle (DESIGN §1, §2): fork the manager before any thread, then start the reactor
// threads (PROCESS mode), accept on the main thread, and act on signals read from a signalfd.
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
#include "reactor_thread.h"
#include "server_impl.h"

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
  void accept_ready();
  void on_signal(int sig);
  void on_manager_exit(int status);
  void stop_manager();

  ServerImpl& s_;
  EventLoop loop_;
  std::vector<std::unique_ptr<ReactorThread>> reactors_;
  pid_t manager_pid_ = -1;
  int signal_fd_ = -1;
  bool shutting_down_ = false;
};

pid_t fork_manager(ServerImpl& s) {
  const pid_t master = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    bind_lifetime_to_parent(master, SIGTERM);
    run_manager(s);
  }
  return pid;
}

bool Master::run() {
  StatsBlock& st = s_.arena->stats();
  st.master_pid.store(getpid());
  st.start_time.store(static_cast<int64_t>(wall_time()));

  // Workers orphaned by a manager crash are reparented here, not to init, so that the master
  // reaps them and no process of the tree escapes.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  manager_pid_ = fork_manager(s_);
  if (manager_pid_ < 0) {
    log_error("fork manager: {}", std::strerror(errno));
    return false;
  }
  st.manager_pid.store(manager_pid_);

  // Only now, with the manager forked, may the master have threads.
  if (s_.mode == Mode::Process) {
    for (int i = 0; i < s_.cfg.reactor_num; i++) {
      reactors_.push_back(std::make_unique<ReactorThread>(s_, i));
      reactors_.back()->start();
    }
    loop_.add(s_.listen_fd, EPOLLIN, [this](uint32_t) { accept_ready(); });
  }

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
  if (s_.cb.on_start) s_.cb.on_start(s_.api);
  loop_.run();

  // Shutdown: stop accepting, stop the manager (it stops every child), drop the connections.
  st.shutting_down.store(1);
  if (loop_.has(s_.listen_fd)) loop_.remove(s_.listen_fd);
  stop_manager();
  for (auto& r : reactors_) r->stop_and_join();
  reactors_.clear();
  ::close(s_.listen_fd);
  s_.listen_fd = -1;
  if (s_.cb.on_shutdown) s_.cb.on_shutdown(s_.api);
  ::close(signal_fd_);
  log_info("master stopped");
  return true;
}

void Master::accept_ready() {
  accept_pending(s_.listen_fd, [this](int fd, const sockaddr_storage& peer) {
    reactors_[fd % reactors_.size()]->adopt(fd, peer);
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
      if (pid == manager_pid_) on_manager_exit(status);
    }
  }
}

void Master::on_manager_exit(int status) {
  manager_pid_ = -1;
  if (shutting_down_) return;
  // Without a manager no worker is ever replaced; stop cleanly so that the service manager
  // (systemd, Kubernetes) restarts the whole tree rather than leave it half alive.
  log_error("manager process exited unexpectedly (status {}), shutting down", status);
  shutting_down_ = true;
  loop_.stop();
}

void Master::stop_manager() {
  if (manager_pid_ <= 0) return;
  kill(manager_pid_, SIGTERM);
  // The manager gives its children max_wait_time, then kills them; allow it that and a margin.
  const int64_t deadline =
      monotonic_us() + static_cast<int64_t>((s_.cfg.max_wait_time * 2 + 1) * 1e6);
  while (monotonic_us() < deadline) {
    int status = 0;
    if (waitpid(manager_pid_, &status, WNOHANG) == manager_pid_) {
      manager_pid_ = -1;
      return;
    }
    usleep(5000);
  }
  log_error("manager did not stop in time, killing it");
  kill(manager_pid_, SIGKILL);
  waitpid(manager_pid_, nullptr, 0);
  manager_pid_ = -1;
}

}  // namespace

bool run_master(ServerImpl& s) {
  s.role = Role::Master;
  Master m(s);
  return m.run();
}

}  // namespace swkit::detail
