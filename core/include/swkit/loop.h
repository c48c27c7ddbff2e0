// swkit::Loop: an event loop of one's own, for a process that runs no server (the PHP
// extension's Swoole\Timer, Process::signal and coroutines outside a server, run by
// Swoole\Event::wait()): timers, descriptors and signals, the same services Server gives its
// worker, task worker and user processes. Not thread safe: one Loop per process, used from the
// thread that runs it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace swkit {

namespace detail {
class EventLoop;
}

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Timers in milliseconds (ms > 0 for tick, >= 0 for after); the id, or -1.
  int64_t tick(double ms, std::function<void(int64_t timer_id)> fn);
  int64_t after(double ms, std::function<void(int64_t timer_id)> fn);
  bool clearTimer(int64_t timer_id);
  // fn runs whenever fd is readable (writable) until unwatch(fd); one watch per fd.
  bool watch(int fd, bool writable, std::function<void()> fn);
  bool unwatch(int fd);
  // fn(signo) runs on the loop each time signo arrives (blocked otherwise, read from a
  // signalfd); an empty fn removes it and restores the default action. False for SIGKILL,
  // SIGSTOP or an unknown signal.
  bool onSignal(int signo, std::function<void(int)> fn);

  // True when no timer, watch or signal handler is left.
  bool empty() const;
  // Runs until empty() or stop().
  void run();
  // Makes run() return after the current iteration.
  void stop();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace swkit
