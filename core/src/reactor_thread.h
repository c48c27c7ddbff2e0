// A reactor thread of the PROCESS-mode master: owns the connections handed to it, reads and
// frames client data, dispatches it to event workers, and writes what workers send back.
// It never calls user code.
#pragma once

#include <thread>
#include <vector>

#include "connection.h"
#include "event_loop.h"
#include "message_bus.h"
#include "server_impl.h"

namespace swkit::detail {

class ReactorThread : public ConnectionHost {
 public:
  ReactorThread(ServerImpl& s, int id);
  ~ReactorThread() override;

  void start();
  // Thread safe: hands an accepted socket to this thread.
  void adopt(int fd, const sockaddr_storage& peer, const ListenerInfo& listener);
  // Thread safe: stops the loop, closes every connection, joins.
  void stop_and_join();

 private:
  void on_open(Connection& c) override;
  void on_packet(Connection& c, std::string_view packet) override;
  void on_closed(Connection& c) override;

  void on_pipe_message(const Message& m);
  // claimed: the worker's concurrency was already raised (dispatch_mode 3).
  // The worker for a client: key is what dispatch_mode 2 hashes (the fd; a UDP sender's address
  // hash), ip what mode 4 hashes.
  int pick_worker(uint32_t key, const char* ip, bool& claimed);
  int pick_worker(const Connection& c, bool& claimed);
  // Counts a dispatch (stats and the worker's concurrency, unless pick_worker claimed it) and
  // sends the message to worker w.
  void dispatch(int w, bool claimed, MsgType type, uint32_t session_id, int server_fd,
                std::string_view payload);
  // Reads the datagrams of a UDP port and dispatches each to a worker.
  void read_datagrams(const Listener& listener);
  void to_worker(int worker, MessageHeader head, std::string_view payload);
  void watch_writable(int fd);

  ServerImpl& s_;
  int id_;
  EventLoop loop_;
  MessageBus bus_;
  ConnectionSet conns_;
  std::vector<int> to_worker_fds_;
  std::string datagram_buf_;  // dup of every pair's master end, for writing
  std::thread thread_;
};

}  // namespace swkit::detail
