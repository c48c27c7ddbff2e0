// The event worker process: runs onWorkerStart/onConnect/onReceive/onClose. In PROCESS mode it
// reads its IPC pair; in BASE mode it also accepts and owns its connections.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "connection.h"
#include "event_loop.h"
#include "message_bus.h"
#include "server_impl.h"

namespace swkit::detail {

class EventWorker : public ConnectionHost {
 public:
  EventWorker(ServerImpl& s, int id);
  ~EventWorker() override;

  void run();
  // The API's send/close in this worker. Not thread safe, but in loop.
  bool send(uint32_t sid, std::string_view data);
  bool close(uint32_t sid, bool reset);

 private:
  void on_open(Connection& c) override;
  void on_packet(Connection& c, std::string_view packet) override;
  void on_closed(Connection& c) override;

  void on_pipe_message(const Message& m);
  void ipc_send(int fd, MessageHeader head, std::string_view payload);
  // Waits for EPOLLOUT on an IPC fd whose queue did not drain.
  void watch_writable(int fd);
  void accept_ready();
  // The row of an active session, or nullptr with the last error set (1003/1004/1005).
  ConnectionSlot* live_connection(uint32_t sid);
  void run_receive(uint32_t sid, int reactor_id, std::string_view data);

  ServerImpl& s_;
  int id_;
  WorkerSlot& slot_;
  EventLoop loop_;
  MessageBus bus_;
  std::unique_ptr<ConnectionSet> conns_;  // BASE mode
  // PROCESS: dup of every pair's worker end (a write there reaches its master end).
  // BASE: dup of every pair's master end (a write there reaches worker i).
  std::vector<int> out_fds_;
  int signal_fd_ = -1;
};

}  // namespace swkit::detail
