// Choosing a task worker, and one-way tasks from processes without an event loop.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

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
  std::string storage;
  std::string_view payload;
  uint32_t flags = kTaskNoReply;
  if (!pack_task_payload(s, data, queue, storage, payload, flags)) return -1;
  const int target = queue ? -1 : pick_task_worker(s, dst);
  if (!queue && target < 0) return -1;
  const int fd = ::dup(queue ? s.task_queue[0] : s.pipes[target][0]);
  MessageBus bus(&s.arena->stats().pipe_packet_msg_id);
  MessageHeader h{};
  h.type = MsgType::Task;
  h.session_id = next_id++;
  h.worker_id = -1;
  h.aux = flags;
  h.time = wall_time();
  s.arena->stats().other_tasks_sent.fetch_add(1, std::memory_order_relaxed);
  s.arena->stats().other_task_bytes_sent.fetch_add(static_cast<int64_t>(payload.size()));
  bool ok = bus.send(fd, h, payload);
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

bool pack_task_payload(const ServerImpl& s, std::string_view data, bool shared_queue,
                       std::string& storage, std::string_view& payload, uint32_t& flags) {
  if (!shared_queue || data.size() <= kMaxChunkPayload) {
    payload = data;
    return true;
  }
  storage = s.cfg.task_tmpdir + "/swkit.task." + std::string(6, 'X');  // mkstemp template
  const int fd = mkstemp(storage.data());
  if (fd < 0) {
    log_warn("task(): cannot create a file in task_tmpdir {}: {}", s.cfg.task_tmpdir,
             std::strerror(errno));
    set_last_error(errno);
    return false;
  }
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      log_warn("task(): writing {} failed: {}", storage, std::strerror(errno));
      ::close(fd);
      ::unlink(storage.c_str());
      set_last_error(kErrTaskPackageTooBig);
      return false;
    }
    off += n;
  }
  ::close(fd);
  payload = storage;
  flags |= kTaskTmpfile;
  return true;
}

bool unpack_task_payload(uint32_t flags, std::string_view payload, std::string& storage,
                         std::string_view& data) {
  if (!(flags & kTaskTmpfile)) {
    data = payload;
    return true;
  }
  const std::string path(payload);
  std::ifstream in(path, std::ios::binary);
  storage.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const bool ok = in.good() || in.eof();
  ::unlink(path.c_str());
  data = storage;
  if (!ok) log_warn("task: cannot read the payload file {}", path);
  return ok;
}

}  // namespace swkit::detail
