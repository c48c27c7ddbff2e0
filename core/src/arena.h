// The shared-memory arena (DESIGN §3): one MAP_SHARED|MAP_ANONYMOUS mapping created before the
// first fork. Every process reads it without IPC.
//
// Writers, by field:
//  - StatsBlock: atomics, updated by any process (relaxed increments).
//  - WorkerSlot: written by its own worker (status, counters) and by the manager (pid on spawn).
//  - ConnectionSlot: one row per live connection, allocated from a free list (rows, not socket
//    fds: in BASE mode two workers hold different sockets with the same fd number). Written by
//    the connection's owner (a reactor thread in PROCESS mode, the
//    owning worker in BASE mode). Fixed fields are written before session_id is published with a
//    release store; readers check session_id before and after copying (a seqlock in spirit).
//  - TaskLane: one per event worker, handed between it and a task worker by its state word
//    (task_lane.h).
//  - SessionEntry: written under StatsBlock::session_lock when a session is allocated, then by
//    the owner when it closes.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace swkit::detail {

class Spinlock {
 public:
  void lock() {
    while (flag_.exchange(1, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
  }
  void unlock() { flag_.store(0, std::memory_order_release); }

 private:
  std::atomic<int> flag_{0};
};

enum class WorkerType : int32_t { None = 0, Event = 1, Task = 2, User = 3 };

struct alignas(64) StatsBlock {
  std::atomic<int64_t> start_time{0};
  std::atomic<int64_t> connection_num{0};
  std::atomic<int64_t> abort_count{0};
  std::atomic<int64_t> accept_count{0};
  std::atomic<int64_t> close_count{0};
  std::atomic<int64_t> dispatch_count{0};
  std::atomic<int64_t> request_count{0};
  std::atomic<int64_t> response_count{0};
  std::atomic<int64_t> total_recv_bytes{0};
  std::atomic<int64_t> total_send_bytes{0};
  std::atomic<uint64_t> pipe_packet_msg_id{0};
  std::atomic<int64_t> concurrency{0};
  std::atomic<uint32_t> session_round{0};
  std::atomic<int32_t> min_fd{0};
  std::atomic<int32_t> max_fd{0};
  std::atomic<uint32_t> dispatch_round{0};
  std::atomic<int32_t> master_pid{0};
  std::atomic<int32_t> manager_pid{0};
  std::atomic<int32_t> shutting_down{0};
  // Supervisor: the reload in progress (0 = none), the trigger the next SIGUSR1/2 carries
  // (ReloadTrigger; written by reload() before it signals), and task counters.
  std::atomic<uint32_t> reload_running{0};
  std::atomic<int32_t> reload_trigger{0};
  std::atomic<uint32_t> reload_seq{0};
  // 1 while the running reload's work runs at reload_nice (priority.h): a worker leaving then
  // takes that priority for its teardown.
  std::atomic<int32_t> reload_yielding{0};
  // Tasks sent by the master and the manager (one-way). Workers count theirs in their own
  // slot: a shared counter bounced between two cores on every task costs the taskwait round
  // trip about 2 µs on this VM (measured).
  std::atomic<int64_t> other_tasks_sent{0};
  std::atomic<int64_t> other_task_bytes_sent{0};
  std::atomic<uint32_t> task_round{0};
  Spinlock session_lock;
  int32_t rows_high_water = 0;  // rows [0, high water) have been used; under session_lock
  int32_t free_rows_top = 0;    // entries on the free-row stack; under session_lock
};

struct alignas(64) WorkerSlot {
  std::atomic<int32_t> pid{0};
  std::atomic<int32_t> status{0};  // WorkerStatus
  std::atomic<int32_t> type{0};    // WorkerType
  std::atomic<int32_t> last_exit_status{0};
  std::atomic<int64_t> start_time{0};
  std::atomic<int64_t> request_count{0};
  std::atomic<int64_t> response_count{0};
  std::atomic<int64_t> dispatch_count{0};
  std::atomic<int64_t> concurrency{0};
  std::atomic<int64_t> respawn_count{0};
  std::atomic<int32_t> state{0};  // SlotState (the supervisor's view)
  // The generation of the process that last reported RUNNING here. An old process finishing
  // its own start-up may store RUNNING after a reload forked its successor: RUNNING counts only
  // when it was reported by the slot's current generation (slot_runs), and a process never
  // reports over a newer generation (WorkerProcess::report_running).
  std::atomic<uint32_t> running_generation{0};
  std::atomic<uint32_t> generation{0};  // id of the reload that started it (0 = initial)
  std::atomic<int64_t> backoff_until_ms{0};
  std::atomic<int32_t> retire_requested{0};  // max_request / stop(): replace me
  // Written by the process when it reports RUNNING: the CPU its start-up took, from fork through
  // onWorkerStart, in ns (reload_pace.h; -1 = unknown).
  std::atomic<int64_t> start_cpu_ns{0};
  // The pid that may read this id's IPC socket (0: the next to claim it). A successor started
  // while its predecessor still serves waits until the predecessor hands the socket over, so
  // that two processes never read it at once (chunks of one message would be split).
  std::atomic<int32_t> read_owner{0};
  // Task worker: 1 while it polls for the next task between tasks, so a blocked taskwait may
  // hand it a task through shared memory (TaskLane) instead of its socket.
  std::atomic<int32_t> lane_open{0};
  // Set by the master before it sends a command to this id: a task worker checks it between
  // tasks of one batch, so that a command never waits behind queued tasks.
  std::atomic<int32_t> command_pending{0};
  // Task counters, written only by this slot's processes, never reset (stats() sums them over
  // all slots: queued = sent - started). On a cache line of their own.
  alignas(64) std::atomic<int64_t> tasks_sent{0};
  std::atomic<int64_t> task_bytes_sent{0};
  std::atomic<int64_t> tasks_started{0};
  std::atomic<int64_t> task_bytes_started{0};
  std::atomic<int64_t> lane_tasks{0};  // tasks this task worker took from a taskwait's lane
  // Task ids of this worker id, across its processes: a successor never reuses the id of a
  // task its predecessor sent, so a late result (it arrives on the id's socket, which outlives
  // the process) never matches a later taskwait/taskCo/callback.
  std::atomic<uint32_t> next_task_id{0};
};

// The supervisor's view of a worker slot (beyond Swoole's BUSY/IDLE/EXIT status).
enum class SlotState : int32_t {
  Stopped = 0,
  Starting = 1,
  Running = 2,
  Draining = 3,
  Backoff = 4
};
const char* slot_state_name(SlotState s);
// Any process: pid is the slot's process and runs (RUNNING, reported by its generation).
bool slot_runs(const WorkerSlot& slot, pid_t pid);

enum class ReloadTrigger : int32_t { Signal = 0, Api = 1, Admin = 2 };

// One worker's part in a reload transaction.
struct ReloadWorkerResult {
  int32_t worker_id;
  int32_t old_pid;
  int32_t new_pid;
  int32_t drain_ms;  // SIGTERM to exit
  int32_t forced;    // 1 = SIGKILLed after max_wait_time
  int32_t cpu_us;    // CPU of the replacement (ReloadInfo::Worker::cpu_us; -1 = not yet)
};

// A reload transaction as the manager records it; the last kReloadHistory stay in the arena.
struct ReloadRecord {
  static constexpr int kMaxWorkers = 128;
  uint32_t id;
  int32_t trigger;    // ReloadTrigger
  int32_t parallel;   // 0 = rolling, 1 = parallel (reload_async)
  int32_t task_only;  // SIGUSR2 / reload(true)
  int32_t done;       // 0 = running
  int32_t workers;    // entries in results (up to kMaxWorkers)
  int32_t forced;     // how many were SIGKILLed
  int32_t refused;    // reload requests refused while this one ran
  int32_t paced_ms;   // pauses between rolling steps (reload_cpu_percent)
  double started_at;  // wall clock
  double finished_at;
  ReloadWorkerResult results[kMaxWorkers];
};
constexpr int kReloadHistory = 32;

// Written by the manager only; readers take a copy under the lock.
struct ReloadHistory {
  Spinlock lock;
  uint32_t count;  // records ever written
  ReloadRecord records[kReloadHistory];
};

// The taskwait fast lane of one event worker (task_lane.h): one task at a time, handed to a
// task worker that is polling between tasks, and its answer handed back, without a system call
// on either side. The sender writes the fields while the lane is Free; `state` publishes them.
struct alignas(64) TaskLane {
  static constexpr size_t kBytes = 8192 - 32;  // the payload and the answer (one at a time)
  std::atomic<uint32_t> state{0};              // LaneState | post number << 3
  std::atomic<uint32_t> waiter_sleeping{0};    // the sender sleeps in futex(state)
  std::atomic<int32_t> target{-1};             // the task worker (absolute id) it is for
  std::atomic<int32_t> claimer_pid{0};
  std::atomic<int32_t> sender_pid{0};  // the event worker process that uses it
  uint32_t task_id = 0;
  uint32_t flags = 0;
  uint32_t len = 0;
  char data[kBytes];
};
static_assert(sizeof(TaskLane) == 8192);

enum class ConnState : uint8_t { Free = 0, Active = 1, Closing = 2 };
enum class CloseReason : uint8_t { None = 0, Client = 1, Server = 2, Reset = 3, Error = 4 };

struct ConnectionSlot {
  std::atomic<uint32_t> session_id{0};
  std::atomic<uint8_t> state{0};  // ConnState
  std::atomic<uint8_t> close_reason{0};
  std::atomic<uint8_t> is_protected{0};  // protect(): the heartbeat leaves it alone
  std::atomic<uint32_t> uid{0};          // bind(): 0 = not bound
  std::atomic<uint8_t> delayed{0};       // enable_delay_receive: not read until confirm()
  int32_t fd = -1;
  int32_t server_fd = -1;
  int32_t server_port = 0;
  int32_t socket_type = 0;
  int32_t reactor_id = 0;
  int32_t remote_port = 0;
  char remote_ip[48] = {};
  std::atomic<int32_t> owner_worker{-1};  // the worker that got onConnect (runs onClose)
  std::atomic<int32_t> close_errno{0};
  std::atomic<int64_t> connect_time{0};
  std::atomic<int64_t> last_recv_us{0};  // wall clock, microseconds
  std::atomic<int64_t> last_send_us{0};
  std::atomic<int64_t> last_dispatch_us{0};
  std::atomic<int64_t> recv_queued_bytes{0};
  std::atomic<int64_t> send_queued_bytes{0};
};

enum class SessionState : uint8_t { Free = 0, Active = 1, Closing = 2, Closed = 3 };

struct SessionEntry {
  std::atomic<uint32_t> session_id{0};
  std::atomic<int32_t> row{-1};   // ConnectionSlot index
  std::atomic<uint8_t> state{0};  // SessionState
};

// Owns the mapping. Construct before forking; children use the same addresses.
class Arena {
 public:
  static constexpr uint32_t kSessionListSize = 1u << 20;

  Arena(int max_workers, int connection_table_size);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  StatsBlock& stats() { return *stats_; }
  ReloadHistory& reloads() { return *reloads_; }
  WorkerSlot& worker(int id) { return workers_[id]; }
  TaskLane& lane(int id) { return lanes_[id]; }
  int max_workers() const { return max_workers_; }
  ConnectionSlot* connection(int row) {
    return row >= 0 && row < table_size_ ? &connections_[row] : nullptr;
  }
  int table_size() const { return table_size_; }
  // Rows [0, rows_in_use()) may hold connections; scans stop there.
  int rows_in_use();
  SessionEntry& session(uint32_t sid) { return sessions_[sid & (kSessionListSize - 1)]; }

  // Allocates the next session id (skipping 0 and ids whose entry is still live) and a free
  // connection row. Returns 0 when the table is full.
  uint32_t allocate_session(int& row);
  // Returns a row to the free list once its connection is gone.
  void free_row(int row);

 private:
  void* base_ = nullptr;
  size_t size_ = 0;
  StatsBlock* stats_ = nullptr;
  ReloadHistory* reloads_ = nullptr;
  WorkerSlot* workers_ = nullptr;
  int max_workers_ = 0;
  TaskLane* lanes_ = nullptr;  // one per worker id (only event workers send on theirs)
  ConnectionSlot* connections_ = nullptr;
  int table_size_ = 0;
  SessionEntry* sessions_ = nullptr;
  int32_t* free_rows_ = nullptr;
};

// Copies a connection slot consistently; false when the session is gone or reused.
struct ConnectionSnapshot {
  uint32_t session_id;
  ConnState state;
  int row, fd, server_fd, server_port, socket_type, reactor_id, remote_port, owner_worker,
      close_errno;
  bool is_protected;
  uint32_t uid;
  char remote_ip[48];
  int64_t connect_time, last_recv_us, last_send_us, last_dispatch_us, recv_queued, send_queued;
};
bool snapshot_connection(Arena& arena, uint32_t sid, ConnectionSnapshot& out);

}  // namespace swkit::detail
