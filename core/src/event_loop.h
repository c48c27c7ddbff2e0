// A small epoll event loop with two kinds of events, file and time (in the spirit of Redis'
// ae.c), plus post() for work handed over by other threads. One loop per thread; everything but
// post() and stop() is "not thread safe, but in loop".
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

namespace swkit::detail {

class EventLoop {
 public:
  using IoHandler = std::function<void(uint32_t events)>;
  using TimerHandler = std::function<void()>;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registers fd with EPOLLIN/EPOLLOUT/... (edge or level as given). One handler per fd.
  void add(int fd, uint32_t events, IoHandler handler);
  void modify(int fd, uint32_t events);
  // Removes fd; a pending event for it in the current batch is dropped. Does not close fd.
  void remove(int fd);
  bool has(int fd) const;

  // Timers in milliseconds; interval_ms > 0 repeats. Returns an id for cancel().
  uint64_t add_timer(double delay_ms, TimerHandler fn, double interval_ms = 0);
  bool cancel_timer(uint64_t id);

  // Thread safe: runs fn on the loop's thread at its next iteration.
  void post(std::function<void()> fn);
  // Thread safe: makes run() return after the current iteration.
  void stop();

  // Runs fn after each iteration's events, posted work and timers, before the loop waits
  // again (used to flush corked IPC writes once per batch).
  void set_before_wait(std::function<void()> fn) { before_wait_ = std::move(fn); }

  void run();
  // One iteration with a wait of at most timeout_ms (-1 = until an event).
  void run_once(int timeout_ms);
  bool stopping() const { return stop_requested_; }

 private:
  struct Slot {
    std::unique_ptr<IoHandler> handler;  // heap-held: moving it never moves a running handler
    uint32_t generation = 0;
    bool active = false;
  };
  struct Timer {
    TimerHandler fn;
    double interval_ms;
  };

  int next_timeout_ms(int cap) const;
  void run_timers();
  void run_posted();

  int epfd_ = -1;
  int wakefd_ = -1;
  // A deque: growing it (add() from inside a handler) keeps references to running handlers
  // valid. Handlers removed or replaced while the batch runs wait in graveyard_ until its end,
  // so a handler can remove itself without being copied on every event.
  std::deque<Slot> slots_;
  std::vector<std::unique_ptr<IoHandler>> graveyard_;
  std::multimap<int64_t, uint64_t> timer_queue_;  // due time (us, monotonic) -> id
  std::map<uint64_t, std::pair<Timer, int64_t>> timers_;
  uint64_t next_timer_id_ = 1;
  std::function<void()> before_wait_;
  std::atomic<bool> has_posted_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::atomic<bool> stop_requested_{false};
};

// Monotonic clock in microseconds.
int64_t monotonic_us();
// Wall clock in seconds, with microseconds.
double wall_time();

// A program's timer: its id stays in live until it has run (one-shot) or is cancelled by the
// caller; fn gets the id. The bookkeeping of user timers (worker processes, swkit::Loop).
uint64_t add_tracked_timer(EventLoop& loop, std::set<uint64_t>& live, double ms,
                           std::function<void(int64_t)> fn, bool repeat);

}  // namespace swkit::detail
