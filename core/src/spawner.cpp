#include "spawner.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "event_loop.h"
#include "log.h"

namespace swkit::detail {

namespace {

void tell(int fd, char type, pid_t pid, int status) {
  SpawnerMessage m{type, pid, status};
  [[maybe_unused]] ssize_t n = ::send(fd, &m, sizeof m, MSG_NOSIGNAL);
}

// Stops the manager (it stops its children) within a bound, reaping as it goes.
void stop_manager(pid_t manager, double max_wait_time) {
  if (manager <= 0) return;
  kill(manager, SIGTERM);
  const int64_t deadline = monotonic_us() + static_cast<int64_t>((max_wait_time * 2 + 1) * 1e6);
  while (monotonic_us() < deadline) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == manager) return;
    }
    usleep(2000);
  }
  log_error("manager pid {} did not stop in time, killing it", manager);
  kill(manager, SIGKILL);
  waitpid(manager, nullptr, 0);
}

[[noreturn]] void run_spawner(ServerImpl& s, int fd, pid_t master) {
  bind_lifetime_to_parent(master, SIGTERM);
  // Workers orphaned by a manager crash are reparented here and reaped.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  s.role = Role::Manager;  // not a worker: API calls behave as in the manager
  set_log_role("spawner");
  signal(SIGINT, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGCHLD);
  const int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  pid_t manager = -1;
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents) {
      SpawnerMessage m{};
      const ssize_t n = ::recv(fd, &m, sizeof m, 0);
      if (n <= 0) {  // the master is gone
        stop_manager(manager, s.cfg.max_wait_time);
        exit_child(0);
      }
      if (m.type == 'S' && manager <= 0) {
        const pid_t me = getpid();
        manager = fork();
        if (manager == 0) {
          ::close(fd);
          ::close(sfd);
          bind_lifetime_to_parent(me, SIGTERM);
          run_manager(s);
        }
        if (manager < 0) log_error("fork manager: {}", std::strerror(errno));
        tell(fd, manager > 0 ? 'P' : 'X', manager, 0);
      }
    }
    if (fds[1].revents) {
      signalfd_siginfo si;
      if (::read(sfd, &si, sizeof si) != sizeof si) continue;
      if (si.ssi_signo == SIGTERM) {
        stop_manager(manager, s.cfg.max_wait_time);
        exit_child(0);
      }
      int status;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == manager) {
          manager = -1;
          tell(fd, 'X', pid, status);
        }
      }
    }
  }
}

}  // namespace

Spawner start_spawner(ServerImpl& s) {
  Spawner sp;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return sp;
  const pid_t master = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    ::close(fds[0]);
    run_spawner(s, fds[1], master);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return sp;
  }
  sp.pid = pid;
  sp.control_fd = fds[0];
  return sp;
}

}  // namespace swkit::detail
