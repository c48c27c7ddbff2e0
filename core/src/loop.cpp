#include "swkit/loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <map>
#include <set>

#include "event_loop.h"

namespace swkit {

struct Loop::State {
  detail::EventLoop loop;
  std::set<uint64_t> timers;
  std::set<int> watches;
  std::map<int, std::function<void(int)>> signals;
  int signal_fd = -1;
  bool stopped = false;

  sigset_t mask() const {
    sigset_t set;
    sigemptyset(&set);
    for (const auto& [signo, fn] : signals) sigaddset(&set, signo);
    return set;
  }

  int64_t add_timer(double ms, std::function<void(int64_t)> fn, bool repeat) {
    return static_cast<int64_t>(detail::add_tracked_timer(loop, timers, ms, std::move(fn), repeat));
  }
};

Loop::Loop() : s_(std::make_unique<State>()) {}

Loop::~Loop() {
  if (s_->signal_fd >= 0) ::close(s_->signal_fd);
  const sigset_t set = s_->mask();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

int64_t Loop::tick(double ms, std::function<void(int64_t)> fn) {
  return ms > 0 ? s_->add_timer(ms, std::move(fn), true) : -1;
}

int64_t Loop::after(double ms, std::function<void(int64_t)> fn) {
  return ms >= 0 ? s_->add_timer(ms, std::move(fn), false) : -1;
}

bool Loop::clearTimer(int64_t timer_id) {
  const auto id = static_cast<uint64_t>(timer_id);
  if (!s_->timers.erase(id)) return false;
  s_->loop.cancel_timer(id);
  return true;
}

bool Loop::watch(int fd, bool writable, std::function<void()> fn) {
  if (fd < 0 || s_->loop.has(fd)) return false;
  s_->loop.add(fd, writable ? EPOLLOUT : EPOLLIN, [fn = std::move(fn)](uint32_t) { fn(); });
  s_->watches.insert(fd);
  return true;
}

bool Loop::unwatch(int fd) {
  if (!s_->watches.erase(fd)) return false;
  s_->loop.remove(fd);
  return true;
}

bool Loop::onSignal(int signo, std::function<void(int)> fn) {
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) return false;
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signo);
  if (fn) {
    s_->signals[signo] = std::move(fn);
    sigprocmask(SIG_BLOCK, &one, nullptr);
  } else {
    if (!s_->signals.erase(signo)) return false;
    sigprocmask(SIG_UNBLOCK, &one, nullptr);
  }
  const sigset_t set = s_->mask();
  if (s_->signal_fd < 0) {
    s_->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s_->signal_fd < 0) return false;
    State* st = s_.get();
    s_->loop.add(s_->signal_fd, EPOLLIN, [st](uint32_t) {
      signalfd_siginfo si;
      while (::read(st->signal_fd, &si, sizeof si) == sizeof si) {
        const int n = static_cast<int>(si.ssi_signo);
        if (auto it = st->signals.find(n); it != st->signals.end()) {
          const auto handler = it->second;  // it may replace or remove itself
          handler(n);
        }
      }
    });
  } else {
    signalfd(s_->signal_fd, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  return true;
}

bool Loop::empty() const {
  return s_->timers.empty() && s_->watches.empty() && s_->signals.empty();
}

void Loop::run() {
  s_->stopped = false;
  while (!empty() && !s_->stopped) s_->loop.run_once(-1);
}

void Loop::stop() {
  s_->stopped = true;
  s_->loop.stop();
}

}  // namespace swkit
