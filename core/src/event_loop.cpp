#include "event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

namespace swkit::detail {

int64_t monotonic_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

double wall_time() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

EventLoop::EventLoop() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wakefd_ < 0) {
    throw std::runtime_error(std::string("event loop: ") + std::strerror(errno));
  }
  add(wakefd_, EPOLLIN, [this](uint32_t) {
    uint64_t n;
    while (::read(wakefd_, &n, sizeof n) > 0) {
    }
  });
}

EventLoop::~EventLoop() {
  if (wakefd_ >= 0) ::close(wakefd_);
  if (epfd_ >= 0) ::close(epfd_);
}

void EventLoop::add(int fd, uint32_t events, IoHandler handler) {
  if (fd >= static_cast<int>(slots_.size())) slots_.resize(fd + 64);
  Slot& s = slots_[fd];
  if (s.handler) graveyard_.push_back(std::move(s.handler));
  s.handler = std::make_unique<IoHandler>(std::move(handler));
  s.generation++;
  s.active = true;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = (static_cast<uint64_t>(s.generation) << 32) | static_cast<uint32_t>(fd);
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    s.active = false;
    throw std::runtime_error("epoll_ctl(ADD, " + std::to_string(fd) + "): " + std::strerror(errno));
  }
}

void EventLoop::modify(int fd, uint32_t events) {
  Slot& s = slots_.at(fd);
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = (static_cast<uint64_t>(s.generation) << 32) | static_cast<uint32_t>(fd);
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::remove(int fd) {
  if (fd < 0 || fd >= static_cast<int>(slots_.size()) || !slots_[fd].active) return;
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  slots_[fd].active = false;
  slots_[fd].generation++;
  graveyard_.push_back(std::move(slots_[fd].handler));
}

bool EventLoop::has(int fd) const {
  return fd >= 0 && fd < static_cast<int>(slots_.size()) && slots_[fd].active;
}

uint64_t EventLoop::add_timer(double delay_ms, TimerHandler fn, double interval_ms) {
  const uint64_t id = next_timer_id_++;
  const int64_t due = monotonic_us() + static_cast<int64_t>(delay_ms * 1000);
  timers_.emplace(id, std::make_pair(Timer{std::move(fn), interval_ms}, due));
  timer_queue_.emplace(due, id);
  return id;
}

bool EventLoop::cancel_timer(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  auto range = timer_queue_.equal_range(it->second.second);
  for (auto q = range.first; q != range.second; ++q) {
    if (q->second == id) {
      timer_queue_.erase(q);
      break;
    }
  }
  timers_.erase(it);
  return true;
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(fn));
    has_posted_.store(true, std::memory_order_release);
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wakefd_, &one, sizeof one);
}

void EventLoop::stop() {
  stop_requested_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wakefd_, &one, sizeof one);
}

int EventLoop::next_timeout_ms(int cap) const {
  if (timer_queue_.empty()) return cap;
  const int64_t wait_us = timer_queue_.begin()->first - monotonic_us();
  int ms = wait_us <= 0 ? 0 : static_cast<int>((wait_us + 999) / 1000);
  return cap < 0 ? ms : std::min(ms, cap);
}

void EventLoop::run_timers() {
  const int64_t now = monotonic_us();
  while (!timer_queue_.empty() && timer_queue_.begin()->first <= now) {
    const uint64_t id = timer_queue_.begin()->second;
    timer_queue_.erase(timer_queue_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    TimerHandler fn = it->second.first.fn;
    const double interval = it->second.first.interval_ms;
    if (interval > 0) {
      const int64_t due = now + static_cast<int64_t>(interval * 1000);
      it->second.second = due;
      timer_queue_.emplace(due, id);
    } else {
      timers_.erase(it);
    }
    fn();
  }
}

void EventLoop::run_posted() {
  if (!has_posted_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    work.swap(posted_);
    has_posted_.store(false, std::memory_order_relaxed);
  }
  for (auto& fn : work) fn();
}

uint64_t add_tracked_timer(EventLoop& loop, std::set<uint64_t>& live, double ms,
                           std::function<void(int64_t)> fn, bool repeat) {
  auto id = std::make_shared<uint64_t>(0);
  *id = loop.add_timer(
      ms,
      [&live, fn = std::move(fn), id, repeat] {
        if (!repeat) live.erase(*id);
        fn(static_cast<int64_t>(*id));
      },
      repeat ? ms : 0);
  live.insert(*id);
  return *id;
}

void EventLoop::run_once(int timeout_ms) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epfd_, events, kMaxEvents, next_timeout_ms(timeout_ms));
  if (n < 0 && errno != EINTR) {
    throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
  }
  for (int i = 0; i < n; i++) {
    const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
    const uint32_t gen = static_cast<uint32_t>(events[i].data.u64 >> 32);
    if (fd >= static_cast<int>(slots_.size())) continue;
    Slot& s = slots_[fd];
    if (!s.active || s.generation != gen) continue;  // removed earlier in this batch
    IoHandler* h = s.handler.get();  // stays valid if it removes itself: see graveyard_
    (*h)(events[i].events);
  }
  run_posted();
  run_timers();
  graveyard_.clear();
  if (before_wait_) before_wait_();
}

void EventLoop::run() {
  while (!stop_requested_) run_once(-1);
}

}  // namespace swkit::detail
