// The taskwait lane (core/src/task_lane.h): its state machine, a sender and a task worker handing
// one task and its answer through shared memory, in real processes where it matters; then the
// lane inside a real server.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "arena.h"
#include "event_loop.h"
#include "task_lane.h"
#include "test_support.h"

using namespace swkit::detail;
using namespace swkit::test;
using swkit::Mode;

namespace {

constexpr int kSender = 0;  // an event worker id
constexpr int kTarget = 1;  // a task worker id

LaneState state_of(const TaskLane& lane) {
  return lane_state(lane);
}

// A lane of event worker kSender in a fresh arena, with task worker kTarget polling the lanes.
struct OpenLane {
  OpenLane() { target.lane_open.store(1); }
  Arena arena{2, 16};
  TaskLane& lane = arena.lane(kSender);
  WorkerSlot& target = arena.worker(kTarget);
};

// A state word of the same post in state Claimed (the low 3 bits hold the state).
uint32_t with_claimed(uint32_t word) {
  return (word & ~7u) | static_cast<uint32_t>(LaneState::Claimed);
}

// A task worker's claim of the lane's next post for it.
struct Claim {
  std::string request;
  uint32_t id = 0, flags = 0, ticket = 0;
};

// Polls the lane as a task worker does until a post for `self` is claimed (at most 5 s).
bool claim_within_5s(TaskLane& lane, int self, Claim& c) {
  const int64_t give_up = monotonic_us() + 5'000'000;
  while (monotonic_us() < give_up) {
    if (lane_claim(lane, self, c.request, c.id, c.flags, c.ticket)) return true;
  }
  return false;
}

// A one-shot signal from the test to a child process it forked (at most 5 s of waiting).
class Go {
 public:
  Go() { REQUIRE(pipe(fds_) == 0); }
  ~Go() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  void give() { REQUIRE(::write(fds_[1], "g", 1) == 1); }
  bool wait() {
    pollfd p{fds_[0], POLLIN, 0};
    return poll(&p, 1, 5000) == 1;
  }

 private:
  int fds_[2];
};

// Runs fn in a child process and returns its exit code (bounded by fn itself).
template <typename Fn>
int in_child(Fn fn) {
  const pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("lane: a task worker that does not poll gets nothing; the sender withdraws", "[lane]") {
  Arena arena(2, 16);
  TaskLane& lane = arena.lane(kSender);
  WorkerSlot& target = arena.worker(kTarget);
  REQUIRE(lane_prepare(arena, kSender, lane));
  // Closed: not posted at all.
  CHECK_FALSE(lane_post(lane, target, kTarget, 1, 0, "x", monotonic_us() + 1000));
  CHECK(state_of(lane) == LaneState::Free);
  // Open but nobody claims within the claim deadline: posted, then withdrawn.
  target.lane_open.store(1);
  CHECK_FALSE(lane_post(lane, target, kTarget, 2, 0, "x", monotonic_us() + 2000));
  CHECK(state_of(lane) == LaneState::Free);
  // Too large for the lane: the socket's job.
  CHECK_FALSE(lane_post(lane, target, kTarget, 3, 0, std::string(TaskLane::kBytes + 1, 'x'),
                        monotonic_us() + 2000));
  CHECK(state_of(lane) == LaneState::Free);
}

TEST_CASE_METHOD(OpenLane, "lane: a task and its answer cross between two processes", "[lane]") {
  const pid_t worker = fork();
  if (worker == 0) {  // the task worker: answers 3 tasks, then a large answer goes "by pipe"
    int answered = 0;
    std::string request;
    const int64_t give_up = monotonic_us() + 10'000'000;
    while (answered < 4 && monotonic_us() < give_up) {
      uint32_t id = 0, flags = 0, ticket = 0;
      if (!lane_claim(lane, kTarget, request, id, flags, ticket)) continue;
      if (request == "big") {
        if (lane_answer(lane, ticket, std::string(TaskLane::kBytes + 1, 'b'))) _exit(2);
        lane_settle(lane, ticket, LaneState::DonePipe);
      } else {
        lane_answer(lane, ticket,
                    "re:" + request + ":" + std::to_string(id) + ":" + std::to_string(flags));
      }
      answered++;
    }
    _exit(answered == 4 ? 0 : 1);
  }
  REQUIRE(lane_prepare(arena, kSender, lane));
  for (uint32_t i = 1; i <= 3; i++) {
    const int64_t deadline = monotonic_us() + 5'000'000;
    REQUIRE(lane_post(lane, target, kTarget, i, 7, "t" + std::to_string(i), deadline));
    std::string answer;
    // i == 3: sleeps on the state word at once, so the futex wake-up is what ends the wait.
    const int64_t spin_until = i == 3 ? 0 : deadline;
    REQUIRE(lane_wait(lane, deadline, spin_until, answer) == LaneOutcome::Answer);
    CHECK(answer == "re:t" + std::to_string(i) + ":" + std::to_string(i) + ":7");
    CHECK(state_of(lane) == LaneState::Free);
  }
  const int64_t deadline = monotonic_us() + 5'000'000;
  REQUIRE(lane_post(lane, target, kTarget, 4, 0, "big", deadline));
  std::string answer;
  CHECK(lane_wait(lane, deadline, deadline, answer) == LaneOutcome::ViaPipe);
  CHECK(state_of(lane) == LaneState::Free);
  int status = 0;
  waitpid(worker, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

TEST_CASE_METHOD(OpenLane,
                 "lane: an answer after the deadline is dropped, never seen by a later call",
                 "[lane]") {
  REQUIRE(lane_prepare(arena, kSender, lane));
  Go answer_now;
  const pid_t claimer = fork();
  if (claimer == 0) {
    Claim c;
    if (!claim_within_5s(lane, kTarget, c)) _exit(2);
    if (!answer_now.wait()) _exit(3);  // after the sender gave up at its deadline
    lane_answer(lane, c.ticket, "late");
    _exit(state_of(lane) == LaneState::Free ? 0 : 1);  // dropped, lane free again
  }
  const int64_t deadline = monotonic_us() + 100'000;
  REQUIRE(lane_post(lane, target, kTarget, 1, 0, "slow", monotonic_us() + 5'000'000));
  std::string answer;
  CHECK(lane_wait(lane, deadline, 0, answer) == LaneOutcome::NoAnswer);
  CHECK(monotonic_us() >= deadline);
  CHECK(state_of(lane) == LaneState::Abandoned);
  CHECK_FALSE(lane_prepare(arena, kSender, lane));  // the claimer is alive: not reusable yet
  answer_now.give();
  int status = 0;
  waitpid(claimer, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(answer.empty());
  CHECK(lane_prepare(arena, kSender, lane));
}

TEST_CASE_METHOD(OpenLane, "lane: no answer from onTask waits out the deadline", "[lane]") {
  REQUIRE(lane_prepare(arena, kSender, lane));
  const pid_t claimer = fork();
  if (claimer == 0) {
    Claim c;
    if (!claim_within_5s(lane, kTarget, c)) _exit(2);
    lane_settle(lane, c.ticket, LaneState::NoResult);
    _exit(0);
  }
  const int64_t deadline = monotonic_us() + 200'000;
  REQUIRE(lane_post(lane, target, kTarget, 1, 0, "quiet", monotonic_us() + 5'000'000));
  std::string answer;
  CHECK(lane_wait(lane, deadline, deadline, answer) == LaneOutcome::NoAnswer);
  CHECK(monotonic_us() >= deadline);  // as a taskwait on the socket would
  CHECK(state_of(lane) == LaneState::Free);
  waitpid(claimer, nullptr, 0);
}

TEST_CASE("lane: one holder at a time; a successor takes over what a dead one left", "[lane]") {
  Arena arena(2, 16);
  TaskLane& lane = arena.lane(kSender);
  // A task worker that claims a task and dies (exited and reaped) ...
  pid_t dead_claimer = fork();
  if (dead_claimer == 0) _exit(0);
  waitpid(dead_claimer, nullptr, 0);
  // ... of a predecessor that dies holding the lane.
  CHECK(in_child([&] {
          if (!lane_prepare(arena, kSender, lane)) return 1;
          lane.target.store(kTarget);
          lane.claimer_pid.store(dead_claimer);
          lane.state.store(static_cast<uint32_t>(LaneState::Claimed));
          return 0;
        }) == 0);
  // First look: the holder is gone, so this process takes the lane; the claimed task is
  // abandoned, and since its claimer is gone too, the lane is freed at the next look.
  lane_prepare(arena, kSender, lane);
  CHECK(lane.sender_pid.load() == getpid());
  CHECK(lane_prepare(arena, kSender, lane));
  CHECK(state_of(lane) == LaneState::Free);
  // While this process holds it, another may not use it; after release it may.
  CHECK(in_child([&] { return lane_prepare(arena, kSender, lane) ? 1 : 0; }) == 0);
  lane_release(lane);
  CHECK(in_child([&] { return lane_prepare(arena, kSender, lane) ? 0 : 1; }) == 0);
}

TEST_CASE("lane: a claim of an earlier post never acts on a later one", "[lane]") {
  Arena arena(3, 16);
  TaskLane& lane = arena.lane(kSender);
  WorkerSlot& target = arena.worker(kTarget);
  constexpr int kOther = 2;  // a second task worker
  WorkerSlot& other = arena.worker(kOther);
  target.lane_open.store(1);
  other.lane_open.store(1);
  REQUIRE(lane_prepare(arena, kSender, lane));
  // Post 1 for kTarget, claimed; its sender gives up (deadline passed) and, once the claim is
  // dropped, posts again for kOther, which claims post 2. The claimer of post 1 comes back
  // late (or a forked copy of it does) with post 1's ticket: it must change nothing.
  const pid_t claimer = fork();
  if (claimer == 0) {
    Claim c;
    _exit(claim_within_5s(lane, kTarget, c) ? 0 : 1);
  }
  REQUIRE(lane_post(lane, target, kTarget, 1, 0, "one", monotonic_us() + 5'000'000));
  int status = 0;
  waitpid(claimer, &status, 0);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  std::string answer;
  CHECK(lane_wait(lane, monotonic_us(), 0, answer) == LaneOutcome::NoAnswer);  // gave up
  CHECK(state_of(lane) == LaneState::Abandoned);
  CHECK(lane_prepare(arena, kSender, lane));  // the claimer is gone (reaped): lane freed
  const uint32_t stale = with_claimed(lane.state.load());  // post 1's ticket, as its claimer had it
  // Post 2, for the other task worker, claimed by it in another process, which answers when
  // told (after the stale claim has tried its luck).
  Go answer_now;
  const pid_t second_claimer = fork();
  if (second_claimer == 0) {
    Claim c;
    if (!claim_within_5s(lane, kOther, c)) _exit(2);
    if (!answer_now.wait()) _exit(3);
    lane_answer(lane, c.ticket, "two");
    _exit(c.request == "two" ? 0 : 1);
  }
  REQUIRE(lane_post(lane, other, kOther, 2, 0, "two", monotonic_us() + 5'000'000));
  Claim wrong;
  CHECK_FALSE(lane_claim(lane, kTarget, wrong.request, wrong.id, wrong.flags, wrong.ticket));
  lane_answer(lane, stale, "stale");
  lane_settle(lane, stale, LaneState::NoResult);
  CHECK(state_of(lane) == LaneState::Claimed);  // still post 2's claim
  answer_now.give();
  CHECK(lane_wait(lane, monotonic_us() + 5'000'000, 0, answer) == LaneOutcome::Answer);
  CHECK(answer == "two");
  waitpid(second_claimer, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

TEST_CASE_METHOD(OpenLane, "lane: a task left posted by a dead sender is taken out of the counts",
                 "[lane]") {
  // The sender raised the target's queue and its own sent count, posted, and died before the
  // task worker looked.
  CHECK(in_child([&] {
          if (!lane_prepare(arena, kSender, lane)) return 1;
          target.concurrency.fetch_add(1);
          arena.worker(kSender).tasks_sent.fetch_add(1);
          arena.worker(kSender).task_bytes_sent.fetch_add(4);
          lane.target.store(kTarget);
          lane.len = 4;
          lane.state.store(static_cast<uint32_t>(LaneState::Posted) | (7u << 3));
          return 0;
        }) == 0);
  CHECK(lane_prepare(arena, kSender, lane));
  CHECK(state_of(lane) == LaneState::Free);
  CHECK(target.concurrency.load() == 0);
  CHECK(arena.worker(kSender).tasks_sent.load() == 0);
  CHECK(arena.worker(kSender).task_bytes_sent.load() == 0);
}

// Back-to-back taskwaits find the task worker polling between tasks and hand it the task
// through shared memory (docs/tasks.md, "taskwait latency"); every path must still give each
// call its own answer. Whether one call takes the lane depends on the task worker being on a
// CPU at that moment, so the lane's use is checked over batches (for up to 30 s), its answers
// always. These tests run alone (RUN_SERIAL in tests/CMakeLists.txt): with another test's
// processes on the two CPUs, the scheduler tends to put a taskwait's two processes on one CPU,
// where they take turns and the lane is never used (correctly: the socket serves then).
namespace {
// Runs batches of `n` back-to-back taskwaits until task worker `task_id` has taken one from the
// lane (for up to 30 s); every answer is checked. Returns how many it took from the lane.
long long taskwait_batches(Client& c, int task_id, int n) {
  const auto lane_tasks = [&] {
    return std::stoll(field(c.call("winfo " + std::to_string(task_id)), "lane_tasks"));
  };
  const long long before = lane_tasks();
  long long now = before;
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  for (int b = 0; now == before && std::chrono::steady_clock::now() < give_up; b++) {
    std::string cmd = "taskwaits 5.0";
    for (int i = 0; i < n; i++) cmd += " b" + std::to_string(b) + "d" + std::to_string(i);
    const auto r = split(c.call(cmd, 60s));
    REQUIRE(r.size() == static_cast<size_t>(n + 1));
    for (int i = 0; i < n; i++) {
      const std::string want = ":0:b" + std::to_string(b) + "d" + std::to_string(i);
      INFO(r[i + 1]);  // t<task worker>:<task id>:<src worker>:<data>
      REQUIRE(r[i + 1].size() > want.size());
      CHECK(r[i + 1].compare(r[i + 1].size() - want.size(), want.size(), want) == 0);
    }
    now = lane_tasks();
  }
  return now - before;
}
}  // namespace

TEST_CASE("back-to-back taskwaits take the shared-memory lane and each gets its own answer",
          "[tasks][lane]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  CHECK(taskwait_batches(c, 1, 300) > 0);
}

TEST_CASE("lane taskwaits: a timeout, no answer or a large answer leaks into no later call",
          "[tasks][lane]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  // Each right after the previous one, so the task worker is likely polling the lane: the slow
  // task times out (its late answer is dropped), "second" waits behind it, "noreply" gets
  // nothing for its whole timeout, the 100,000-byte answer does not fit the lane.
  const auto r =
      split(c.call("taskwaits 1.0 warm sleep:1500 second noreply third big:100000 fourth", 30s));
  REQUIRE(r.size() == 8);
  CHECK(r[1].find(":warm") != std::string::npos);
  CHECK(r[2] == "-");
  CHECK(r[3].find(":second") != std::string::npos);
  CHECK(r[4] == "-");
  CHECK(r[5].find(":third") != std::string::npos);
  CHECK(r[6] == "len=100000");
  CHECK(r[7].find(":fourth") != std::string::npos);
  // An answer larger than the result socket's buffer (2 MB): the sender reads the socket while
  // the task worker writes it, on the lane path as on the socket path.
  const auto big = split(c.call("taskwaits 5.0 warm big:2000000 after", 30s));
  REQUIRE(big.size() == 4);
  CHECK(big[2] == "len=2000000");
  CHECK(big[3].find(":after") != std::string::npos);
  // And the lane still works afterwards.
  CHECK(taskwait_batches(c, 1, 100) > 0);
}

TEST_CASE("a task worker killed inside a lane task: the lane is usable again", "[tasks][lane]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  // A stuck task: the taskwait gives up on it, the lane stays with its claimer.
  const auto r = split(c.call("taskwaits 0.3 warm warm2 warm3 sleep:20000", 10s));
  REQUIRE(r.size() == 5);
  CHECK(r[4] == "-");
  const std::string pid = field(c.call("winfo 1"), "pid");
  REQUIRE(kill(std::stoi(pid), SIGKILL) == 0);
  REQUIRE(eventually(
      [&] {
        const std::string info = c.call("winfo 1");
        return field(info, "pid") != pid && field(info, "state") == "RUNNING";
      },
      10s));
  // Once the killed claimer is reaped, the next taskwait frees the lane and it is used again.
  CHECK(taskwait_batches(c, 1, 100) > 0);
}
