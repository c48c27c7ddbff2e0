#include "task_lane.h"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "event_loop.h"

namespace swkit::detail {

namespace {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
              std::atomic<uint32_t>::is_always_lock_free);

// Shared (not process-private) futexes: the word lives in the MAP_SHARED arena.
uint32_t* futex_word(std::atomic<uint32_t>& a) {
  return reinterpret_cast<uint32_t*>(&a);
}

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, int64_t timeout_us) {
  timespec ts{static_cast<time_t>(timeout_us / 1000000),
              static_cast<long>(timeout_us % 1000000) * 1000};
  syscall(SYS_futex, futex_word(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, futex_word(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

// The state word: the LaneState in the low 3 bits, the number of the post above them. Every
// move keeps the number, and each post takes the next one, so a compare-and-swap made on
// behalf of one post can never land on a later one (a task worker that read "posted for me"
// just before the post was withdrawn and the lane posted again for another worker).
constexpr uint32_t kKindBits = 3;
constexpr uint32_t kKindMask = (1u << kKindBits) - 1;

LaneState kind(uint32_t word) {
  return static_cast<LaneState>(word & kKindMask);
}
uint32_t with_kind(uint32_t word, LaneState k) {
  return (word & ~kKindMask) | static_cast<uint32_t>(k);
}

// from (a whole word) -> the same post in state `to`.
bool move(TaskLane& lane, uint32_t from, LaneState to) {
  return lane.state.compare_exchange_strong(from, with_kind(from, to), std::memory_order_seq_cst);
}

// After the task worker changes the state: wake a sender that went to sleep on it.
void wake_sender(TaskLane& lane) {
  if (lane.waiter_sleeping.load(std::memory_order_seq_cst)) futex_wake(lane.state);
}

void sleep_until(int64_t deadline_us) {
  for (int64_t left = deadline_us - monotonic_us(); left > 0; left = deadline_us - monotonic_us()) {
    timespec ts{static_cast<time_t>(left / 1000000), static_cast<long>(left % 1000000) * 1000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace

LaneState lane_state(const TaskLane& lane) {
  return kind(lane.state.load(std::memory_order_acquire));
}

bool lane_prepare(Arena& arena, int self, TaskLane& lane) {
  const int32_t me = static_cast<int32_t>(getpid());
  int32_t holder = lane.sender_pid.load(std::memory_order_acquire);
  if (holder != me) {
    if (holder != 0 && (kill(holder, 0) == 0 || errno != ESRCH)) return false;  // still there
    if (!lane.sender_pid.compare_exchange_strong(holder, me)) return false;
  }
  const uint32_t word = lane.state.load(std::memory_order_acquire);
  switch (kind(word)) {
    case LaneState::Free:
      return true;
    case LaneState::Posted:
      // Left by a sender that died posting it: the task never left, so it is taken out of the
      // counts that sending it raised (the target's queue, this id's tasks sent).
      if (move(lane, word, LaneState::Free)) {
        const int target = lane.target.load(std::memory_order_relaxed);
        if (target >= 0 && target < arena.max_workers()) {
          arena.worker(target).concurrency.fetch_sub(1, std::memory_order_relaxed);
        }
        arena.worker(self).tasks_sent.fetch_sub(1, std::memory_order_relaxed);
        arena.worker(self).task_bytes_sent.fetch_sub(lane.len, std::memory_order_relaxed);
      }
      break;
    case LaneState::Claimed:
      move(lane, word, LaneState::Abandoned);
      break;
    case LaneState::Done:
    case LaneState::DonePipe:
    case LaneState::NoResult:
      move(lane, word, LaneState::Free);
      break;
    case LaneState::Abandoned: {
      // The claimer frees it when its onTask returns; if it died first, nobody will, so the
      // sender does once the process is gone (reaped: a live claimer may still write its answer
      // into the lane, so a slot that merely shows another pid is not enough).
      const int32_t claimer = lane.claimer_pid.load(std::memory_order_relaxed);
      if (claimer != 0 && kill(claimer, 0) != 0 && errno == ESRCH) {
        move(lane, word, LaneState::Free);
      }
      break;
    }
  }
  return lane_state(lane) == LaneState::Free;
}

void lane_release(TaskLane& lane) {
  int32_t me = static_cast<int32_t>(getpid());
  lane.sender_pid.compare_exchange_strong(me, 0);
}

bool lane_post(TaskLane& lane, WorkerSlot& target_slot, int target, uint32_t task_id,
               uint32_t flags, std::string_view payload, int64_t claim_deadline_us) {
  const uint32_t free_word = lane.state.load(std::memory_order_acquire);
  if (payload.size() > TaskLane::kBytes ||
      target_slot.lane_open.load(std::memory_order_seq_cst) == 0 ||
      kind(free_word) != LaneState::Free) {
    return false;
  }
  lane.target.store(target, std::memory_order_relaxed);
  lane.claimer_pid.store(0, std::memory_order_relaxed);
  lane.task_id = task_id;
  lane.flags = flags;
  lane.len = static_cast<uint32_t>(payload.size());
  if (!payload.empty()) std::memcpy(lane.data, payload.data(), payload.size());
  const uint32_t posted = with_kind(free_word + (1u << kKindBits), LaneState::Posted);
  // seq_cst against the task worker's store of lane_open = 0 and its last look at the lanes:
  // either it sees this post, or this side sees it closed and withdraws.
  lane.state.store(posted, std::memory_order_seq_cst);
  for (;;) {
    if (lane.state.load(std::memory_order_acquire) != posted) return true;
    if (target_slot.lane_open.load(std::memory_order_seq_cst) == 0 ||
        monotonic_us() >= claim_deadline_us) {
      return !move(lane, posted, LaneState::Free);
    }
    __builtin_ia32_pause();
  }
}

LaneOutcome lane_wait(TaskLane& lane, int64_t deadline_us, int64_t spin_until_us,
                      std::string& out) {
  for (;;) {
    const uint32_t word = lane.state.load(std::memory_order_acquire);
    switch (kind(word)) {
      case LaneState::Done:
        out.assign(lane.data, lane.len);
        lane.state.store(with_kind(word, LaneState::Free), std::memory_order_release);
        return LaneOutcome::Answer;
      case LaneState::DonePipe:
        lane.state.store(with_kind(word, LaneState::Free), std::memory_order_release);
        return LaneOutcome::ViaPipe;
      case LaneState::NoResult:
        lane.state.store(with_kind(word, LaneState::Free), std::memory_order_release);
        sleep_until(deadline_us);
        return LaneOutcome::NoAnswer;
      case LaneState::Claimed:
        break;
      default:  // not ours (never posted): nothing to wait for
        return LaneOutcome::NoAnswer;
    }
    const int64_t now = monotonic_us();
    if (now >= deadline_us) {
      if (move(lane, word, LaneState::Abandoned)) return LaneOutcome::NoAnswer;
      continue;  // answered just now
    }
    if (now < spin_until_us) {
      __builtin_ia32_pause();
      continue;
    }
    lane.waiter_sleeping.store(1, std::memory_order_seq_cst);
    if (lane.state.load(std::memory_order_seq_cst) == word) {
      futex_wait(lane.state, word, deadline_us - now);
    }
    lane.waiter_sleeping.store(0, std::memory_order_relaxed);
  }
}

bool lane_claim(TaskLane& lane, int self, std::string& request, uint32_t& task_id, uint32_t& flags,
                uint32_t& ticket) {
  const uint32_t word = lane.state.load(std::memory_order_acquire);
  if (kind(word) != LaneState::Posted || lane.target.load(std::memory_order_relaxed) != self ||
      !move(lane, word, LaneState::Claimed)) {
    return false;
  }
  lane.claimer_pid.store(static_cast<int32_t>(getpid()), std::memory_order_relaxed);
  request.assign(lane.data, lane.len);
  task_id = lane.task_id;
  flags = lane.flags;
  ticket = with_kind(word, LaneState::Claimed);
  return true;
}

bool lane_answer(TaskLane& lane, uint32_t ticket, std::string_view data) {
  if (data.size() > TaskLane::kBytes) return false;
  if (lane.state.load(std::memory_order_acquire) == ticket) {  // still this claim
    if (!data.empty()) std::memcpy(lane.data, data.data(), data.size());
    lane.len = static_cast<uint32_t>(data.size());
  }
  lane_settle(lane, ticket, LaneState::Done);
  return true;
}

void lane_settle(TaskLane& lane, uint32_t ticket, LaneState outcome) {
  if (move(lane, ticket, outcome)) {
    wake_sender(lane);
  } else {
    move(lane, with_kind(ticket, LaneState::Abandoned), LaneState::Free);  // nobody waits now
  }
}

}  // namespace swkit::detail
