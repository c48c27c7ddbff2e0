// The taskwait fast lane (docs/tasks.md, "taskwait latency").
//
// An event worker blocked in taskwait() and a task worker polling between tasks are both
// running on a CPU anyway; handing the task and its answer through shared memory saves the four
// system calls of a socket round trip. Each event worker owns one TaskLane in the arena; a task
// worker polls the lanes only while WorkerSlot::lane_open says so, and every other case (the
// task worker sleeps or is busy, the payload is large, a second task is in flight) takes the
// socket, so the lane only ever shortens a wait.
//
// States (LaneState) and who moves them:
//   Free -> Posted            sender, after writing the task
//   Posted -> Free            sender, withdrawing it (the target stopped polling, or took too
//                             long to notice): the task then goes by socket
//   Posted -> Claimed         the target task worker (compare-and-swap: exactly one of the two)
//   Claimed -> Done           task worker, answer in the lane
//   Claimed -> DonePipe       task worker, answer too large: it went to the result socket
//   Claimed -> NoResult       task worker, onTask returned without an answer
//   Claimed -> Abandoned      sender, at its deadline (compare-and-swap against the above)
//   Done/DonePipe/NoResult -> Free   sender, having read the outcome
//   Abandoned -> Free         task worker when it finishes (the answer is dropped), or the next
//                             sender once the claimer has exited and been reaped
// A task answered after its deadline is therefore never seen by a later call: the sender gives
// the lane up before the answer can land, and the answer is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "arena.h"

namespace swkit::detail {

enum class LaneState : uint32_t {
  Free = 0,
  Posted = 1,
  Claimed = 2,
  Done = 3,
  DonePipe = 4,
  NoResult = 5,
  Abandoned = 6
};

// ---- the sender (an event worker in taskwait) ----

// The state of the lane (its state word also numbers the posts: see task_lane.cpp).
LaneState lane_state(const TaskLane& lane);

// Before each post: whether this process may use the lane now. The lane belongs to one process
// at a time (a worker id's successor can start while its predecessor still drains); the first
// taskwait after the previous holder exited takes it over with what that one left (a posted
// task is withdrawn and taken out of the task counts, a claimed one abandoned). Also frees an
// Abandoned lane whose claimer has exited and been reaped. `self` is the lane's worker id. True
// when the lane is this process's and Free.
bool lane_prepare(Arena& arena, int self, TaskLane& lane);
// At the holder's exit: lets a successor take the lane at once.
void lane_release(TaskLane& lane);

// Posts a task for task worker `target` when the payload fits and the target polls the lanes,
// then waits (polling, until claim_deadline_us at the latest) until it claims it. true: claimed,
// wait with lane_wait(). false: not posted or withdrawn; send it on the socket instead.
bool lane_post(TaskLane& lane, WorkerSlot& target_slot, int target, uint32_t task_id,
               uint32_t flags, std::string_view payload, int64_t claim_deadline_us);

enum class LaneOutcome { Answer, ViaPipe, NoAnswer };
// Waits for the claimed task's answer until deadline_us: polling until spin_until_us, then
// sleeping on the state word. Answer: `out` holds it. ViaPipe: it comes on the result socket.
// NoAnswer: the deadline passed, or onTask returned without an answer (then it waits out the
// deadline, as a taskwait on the socket does).
LaneOutcome lane_wait(TaskLane& lane, int64_t deadline_us, int64_t spin_until_us, std::string& out);

// ---- the task worker ----

// Claims a task posted for task worker `self`; copies it out of the lane (the lane carries the
// answer next). True when claimed; `ticket` names this claim for lane_answer/lane_settle, which
// then act only on it (never on a later post of the lane).
bool lane_claim(TaskLane& lane, int self, std::string& request, uint32_t& task_id, uint32_t& flags,
                uint32_t& ticket);
// Answers the claimed task. False when `data` does not fit: call lane_settle(..., DonePipe)
// first (the sender then reads the result socket) and send it there.
bool lane_answer(TaskLane& lane, uint32_t ticket, std::string_view data);
// Ends the claimed task with `outcome` (DonePipe or NoResult), or drops it if abandoned.
void lane_settle(TaskLane& lane, uint32_t ticket, LaneState outcome);

}  // namespace swkit::detail
