#include "arena.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace swkit::detail {

bool slot_runs(const WorkerSlot& slot, pid_t pid) {
  return pid > 0 && slot.pid.load() == pid &&
         slot.state.load() == static_cast<int32_t>(SlotState::Running) &&
         slot.running_generation.load() == slot.generation.load();
}

const char* slot_state_name(SlotState s) {
  switch (s) {
    case SlotState::Starting:
      return "STARTING";
    case SlotState::Running:
      return "RUNNING";
    case SlotState::Draining:
      return "DRAINING";
    case SlotState::Backoff:
      return "BACKOFF";
    default:
      return "STOPPED";
  }
}

namespace {
size_t align_up(size_t n, size_t a) {
  return (n + a - 1) / a * a;
}
}  // namespace

Arena::Arena(int max_workers, int connection_table_size)
    : max_workers_(max_workers), table_size_(connection_table_size) {
  const size_t stats_off = 0;
  const size_t reloads_off = align_up(stats_off + sizeof(StatsBlock), 64);
  const size_t workers_off = align_up(reloads_off + sizeof(ReloadHistory), 64);
  const size_t lanes_off = align_up(workers_off + sizeof(WorkerSlot) * max_workers, 64);
  const size_t conns_off = align_up(lanes_off + sizeof(TaskLane) * max_workers, 64);
  const size_t free_off = align_up(conns_off + sizeof(ConnectionSlot) * table_size_, 64);
  const size_t sessions_off = align_up(free_off + sizeof(int32_t) * table_size_, 64);
  size_ = align_up(sessions_off + sizeof(SessionEntry) * kSessionListSize, 4096);
  base_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base_ == MAP_FAILED) {
    base_ = nullptr;
    throw std::runtime_error(std::string("mmap shared arena: ") + std::strerror(errno));
  }
  auto* bytes = static_cast<char*>(base_);
  // Anonymous shared memory is zero-filled; placement-new only where a member is not zero.
  stats_ = new (bytes + stats_off) StatsBlock();
  reloads_ = new (bytes + reloads_off) ReloadHistory();
  workers_ = reinterpret_cast<WorkerSlot*>(bytes + workers_off);
  for (int i = 0; i < max_workers_; i++) new (&workers_[i]) WorkerSlot();
  lanes_ = reinterpret_cast<TaskLane*>(bytes + lanes_off);
  for (int i = 0; i < max_workers_; i++) new (&lanes_[i]) TaskLane();
  connections_ = reinterpret_cast<ConnectionSlot*>(bytes + conns_off);
  for (int i = 0; i < table_size_; i++) new (&connections_[i]) ConnectionSlot();
  free_rows_ = reinterpret_cast<int32_t*>(bytes + free_off);
  sessions_ = reinterpret_cast<SessionEntry*>(bytes + sessions_off);
  // SessionEntry's non-zero default (fd -1) is never read while session_id is 0: leave the
  // pages untouched so the 1M-entry list costs memory only where sessions land.
}

Arena::~Arena() {
  if (base_) munmap(base_, size_);
}

int Arena::rows_in_use() {
  std::lock_guard<Spinlock> lock(stats_->session_lock);
  return stats_->rows_high_water;
}

void Arena::free_row(int row) {
  std::lock_guard<Spinlock> lock(stats_->session_lock);
  free_rows_[stats_->free_rows_top++] = row;
}

uint32_t Arena::allocate_session(int& row) {
  std::lock_guard<Spinlock> lock(stats_->session_lock);
  if (stats_->free_rows_top > 0) {
    row = free_rows_[--stats_->free_rows_top];
  } else if (stats_->rows_high_water < table_size_) {
    row = stats_->rows_high_water++;
  } else {
    return 0;
  }
  uint32_t sid = stats_->session_round.load(std::memory_order_relaxed);
  for (uint32_t tries = 0; tries < kSessionListSize; tries++) {
    sid++;
    if (sid == 0) sid = 1;  // wraps past 2^32-1 and skips 0
    SessionEntry& e = session(sid);
    const auto st = static_cast<SessionState>(e.state.load(std::memory_order_acquire));
    if (st == SessionState::Active || st == SessionState::Closing) continue;
    e.row.store(row, std::memory_order_relaxed);
    e.state.store(static_cast<uint8_t>(SessionState::Active), std::memory_order_relaxed);
    e.session_id.store(sid, std::memory_order_release);
    stats_->session_round.store(sid, std::memory_order_relaxed);
    return sid;
  }
  free_rows_[stats_->free_rows_top++] = row;
  return 0;
}

bool snapshot_connection(Arena& arena, uint32_t sid, ConnectionSnapshot& out) {
  SessionEntry& e = arena.session(sid);
  if (e.session_id.load(std::memory_order_acquire) != sid) return false;
  const int row = e.row.load(std::memory_order_relaxed);
  ConnectionSlot* c = arena.connection(row);
  if (!c || c->session_id.load(std::memory_order_acquire) != sid) return false;
  out.session_id = sid;
  out.state = static_cast<ConnState>(c->state.load(std::memory_order_relaxed));
  out.row = row;
  out.fd = c->fd;
  out.server_fd = c->server_fd;
  out.server_port = c->server_port;
  out.socket_type = c->socket_type;
  out.reactor_id = c->reactor_id;
  out.remote_port = c->remote_port;
  std::memcpy(out.remote_ip, c->remote_ip, sizeof out.remote_ip);
  out.remote_ip[sizeof out.remote_ip - 1] = 0;
  out.owner_worker = c->owner_worker.load(std::memory_order_relaxed);
  out.close_errno = c->close_errno.load(std::memory_order_relaxed);
  out.is_protected = c->is_protected.load(std::memory_order_relaxed) != 0;
  out.uid = c->uid.load(std::memory_order_relaxed);
  out.connect_time = c->connect_time.load(std::memory_order_relaxed);
  out.last_recv_us = c->last_recv_us.load(std::memory_order_relaxed);
  out.last_send_us = c->last_send_us.load(std::memory_order_relaxed);
  out.last_dispatch_us = c->last_dispatch_us.load(std::memory_order_relaxed);
  out.recv_queued = c->recv_queued_bytes.load(std::memory_order_relaxed);
  out.send_queued = c->send_queued_bytes.load(std::memory_order_relaxed);
  // An RMW with release semantics keeps the copies above from moving past this re-check (a
  // fence would do, but TSan does not model fences). Not a hot path.
  return c->session_id.fetch_add(0, std::memory_order_acq_rel) == sid &&
         out.state != ConnState::Free;
}

}  // namespace swkit::detail
