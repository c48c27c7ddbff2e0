// Choosing a task worker, and one-way tasks from processes without an event loop.
#include <poll.h>
#include <unistd.h>

#include "event_loop.h"
#include "log.h"
#include "message_bus.h"
#include "server_impl.h"

namespace swkit::detail {

int pick_task_worker(ServerImpl& s, int dst) {
  const int first = s.event_workers();
  const int n = s.task_workers();
  if (n == 0) {
    log_warn("task(): no task workers (set task_worker_num)");
    set_last_error(kErrTaskDispatchFail);
    return -1;
  }
  if (dst >= 0) {
    if (dst >= n) {
      log_warn("task(): dst_worker_id must be in [0, {}], got {}", n - 1, dst);
      set_last_error(kErrInvalidParams);
      return -1;
    }
    s.arena->worker(first + dst).concurrency.fetch_add(1, std::memory_order_relaxed);
    return first + dst;
  }
  // Round robin over idle task workers, claiming one atomically; when all are busy, the one
  // with the fewest queued tasks (Swoole: plain round robin).
  const uint32_t start = s.arena->stats().task_round.fetch_add(1, std::memory_order_relaxed);
  int best = first + static_cast<int>(start % n);
  int64_t best_load = INT64_MAX;
  for (int i = 0; i < n; i++) {
    const int id = first + static_cast<int>((start + i) % n);
    WorkerSlot& slot = s.arena->worker(id);
    int64_t load = slot.concurrency.load(std::memory_order_relaxed);
    if (load == 0 && slot.status.load(std::memory_order_relaxed) == kWorkerIdle &&
        slot.concurrency.compare_exchange_strong(load, 1)) {
      return id;
    }
    if (load < best_load) {
      best = id;
      best_load = load;
    }
  }
  s.arena->worker(best).concurrency.fetch_add(1, std::memory_order_relaxed);
  return best;
}

int64_t send_task_blocking(ServerImpl& s, std::string_view data, int dst) {
  static uint32_t next_id = 0;
  const bool queue = s.cfg.task_ipc_mode == 3 && dst < 0;
  if (queue && data.size() > kMaxChunkPayload) {
    set_last_error(kErrDataLengthTooLarge);
    return -1;
  }
  const int target = queue ? -1 : pick_task_worker(s, dst);
  if (!queue && target < 0) return -1;
  const int fd = ::dup(queue ? s.task_queue[0] : s.pipes[target][0]);
  MessageBus bus(&s.arena->stats().pipe_packet_msg_id);
  MessageHeader h{};
  h.type = MsgType::Task;
  h.session_id = next_id++;
  h.worker_id = -1;
  h.aux = kTaskNoReply;
  h.time = wall_time();
  s.arena->stats().tasking_num.fetch_add(1, std::memory_order_relaxed);
  bool ok = bus.send(fd, h, data);
  for (int i = 0; ok && bus.has_pending(fd) && i < 5000; i++) {  // at most ~5 s
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, 1);
    ok = bus.flush(fd);
  }
  ::close(fd);
  if (!ok || bus.has_pending(fd)) {
    set_last_error(kErrServerPipeBufferFull);
    return -1;
  }
  return h.session_id;
}

}  // namespace swkit::detail
