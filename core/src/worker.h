// A worker process of any kind: event worker (onConnect/onReceive/onClose; in BASE mode it also
// accepts and owns its connections), task worker (onTask) or user process (addProcess). One
// class because the three share the IPC plumbing, send/close, tasks, messages, timers and the
// stop/retire protocol with the manager. Not thread safe, but in loop.
#pragma once

#include <signal.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connection.h"
#include "event_loop.h"
#include "message_bus.h"
#include "server_impl.h"
#include "task_lane.h"

namespace swkit::detail {

class WorkerProcess : public ConnectionHost {
 public:
  WorkerProcess(ServerImpl& s, int id);
  ~WorkerProcess() override;

  int run();  // returns the exit code

  bool send(uint32_t sid, std::string_view data);
  bool close(uint32_t sid, bool reset);
  bool set_paused(uint32_t sid, bool paused);
  bool send_wait(uint32_t sid, std::string_view data);
  bool send_file(uint32_t sid, const std::string& path, int64_t offset, int64_t length);
  int64_t task(std::string_view data, int dst, Server::FinishHandler on_finish);
  // Waits for the results of tasks; results[i] stays empty for a timed-out task i.
  std::vector<std::optional<std::string>> task_wait(const std::vector<std::string_view>& tasks,
                                                    double timeout, int dst);
  bool task_group(const std::vector<std::string>& tasks, double timeout,
                  Server::TaskGroupHandler done);
  bool finish(std::string_view data);
  bool send_message(std::string_view message, int dst);
  bool stop_self(bool wait_event);
  int64_t add_timer(double ms, Server::TimerHandler fn, bool repeat);
  bool clear_timer(int64_t id);
  bool add_watch(int fd, bool writable, std::function<void()> fn);
  bool remove_watch(int fd);
  bool set_signal(int signo, std::function<void(int)> fn);

 private:
  struct CurrentTask {
    uint32_t id;
    int src;
    uint32_t flags;
    TaskLane* lane;  // the task came through the sender's lane: the answer goes back there
    uint32_t lane_ticket;
  };

  void on_open(Connection& c) override;
  void on_packet(Connection& c, std::string_view packet) override;
  void on_closed(Connection& c) override;

  void on_pipe_message(const Message& m);
  void run_task(uint32_t task_id, int src, uint32_t flags, std::string_view payload, TaskLane* lane,
                uint32_t lane_ticket);
  // Task worker: after a task, polls its socket and the lanes for the next one (bounded).
  void poll_for_tasks();
  int take_lane_tasks();
  // Runs a user callback with the slot marked BUSY (dispatch_mode 3 and task scheduling skip
  // busy processes; stats() counts idle ones).
  template <typename Fn>
  void as_busy(Fn&& fn) {
    slot_.status.store(kWorkerBusy, std::memory_order_relaxed);
    fn();
    slot_.status.store(kWorkerIdle, std::memory_order_relaxed);
  }
  void note_task_sent(size_t bytes);
  // via_lane (a single blocking taskwait): may hand the task over in the lane; says if it did.
  int64_t send_task(std::string_view data, int dst, uint32_t flags, int64_t deadline_us,
                    bool* via_lane = nullptr);
  void run_receive(uint32_t sid, int reactor_id, int server_fd, std::string_view data);
  void accept_ready(const Listener& listener);
  void read_datagrams(const Listener& listener);
  void run_packet(const Listener& listener, const sockaddr_storage& peer, std::string_view data,
                  double dispatch_time);
  ConnectionSlot* live_connection(uint32_t sid);
  bool to_owner(uint32_t sid, MsgType type);

  // IPC out: fds are dup'ed lazily so that each process holds only what it writes to.
  int reply_fd(int pair);     // worker end of an event worker's pair (reaches its reactor)
  int process_fd(int id);     // master end of process id's pair (reaches process id)
  int result_fd(int worker);  // taskwait results of event worker `worker`
  int queue_fd();             // task_ipc_mode 3 queue
  void ipc_send(int fd, MessageHeader head, std::string_view payload);
  // Sends now, outside the batching: for blocking calls (taskwait) and code outside the loop.
  bool ipc_send_now(int fd, MessageHeader head, std::string_view payload, int64_t deadline_us);
  bool flush_now(int fd, int64_t deadline_us);
  void watch_writable(int fd);

  void begin_stop(bool retire, bool wait_event);
  void stop_tick();
  void after_request();
  void report_running();
  void stop_reading();
  void claim_pipe();
  void release_pipe();

  ServerImpl& s_;
  int id_;
  ProcessKind kind_;
  WorkerSlot& slot_;
  const uint32_t generation_;  // the slot's generation when this process was forked
  EventLoop loop_;
  MessageBus bus_;
  MessageBus result_bus_;
  std::unique_ptr<ConnectionSet> conns_;  // BASE-mode event worker
  std::string datagram_buf_;              // BASE-mode UDP reads
  std::unordered_map<int, int> reply_fds_, process_fds_, result_fds_;
  int queue_fd_ = -1;
  int signal_fd_ = -1;
  bool in_loop_ = false;
  bool reading_ = true;
  bool pipe_claimed_ = false;
  uint64_t claim_timer_ = 0;
  EventLoop::IoHandler pipe_handler_;
  std::function<int()> receive_tasks_;  // task worker: one non-blocking read of its socket
  bool polling_posted_ = false;
  bool polls_after_tasks_ = true;  // false while a task_ipc_mode 3 queue task runs
  std::string lane_request_;

  // Tasks.
  std::optional<CurrentTask> current_task_;
  std::unordered_map<uint32_t, Server::FinishHandler> finish_callbacks_;
  struct TaskGroup {
    std::vector<std::optional<std::string>> results;
    size_t pending = 0;
    uint64_t timer = 0;
    Server::TaskGroupHandler done;
  };
  uint64_t next_group_ = 0;
  std::unordered_map<uint64_t, TaskGroup> groups_;
  std::unordered_map<uint32_t, std::pair<uint64_t, size_t>> group_tasks_;  // task -> group, index
  void close_group(uint64_t group);

  // Recycling and stopping.
  long long handled_ = 0;
  long long limit_ = 0;  // max_request + grace for this process (0 = none)
  bool stopping_ = false;
  bool retiring_ = false;
  bool wait_event_ = false;
  int64_t stop_deadline_us_ = 0;
  int64_t last_exit_call_us_ = 0;
  std::set<uint64_t> user_timers_;
  std::set<int> user_watches_;  // fds watched for the program (Server::watch)
  std::map<int, std::function<void(int)>> user_signals_;  // Server::onSignal
  // The signals this process reads from its signalfd: core's and the program's.
  sigset_t signal_mask() const;
};

}  // namespace swkit::detail
