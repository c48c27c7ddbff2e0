// swkit::Server: the C++ API of Swoole\Server (see the seed), on swkit's process model.
//
// Where a method may run is said on each one:
//   "before start"  - in the process that will call start(), before it does;
//   "any process"   - master, manager, event workers (and later task/user processes);
//   "worker"        - in an event worker's callbacks (PROCESS and BASE modes).
// A method called where it may not run returns false (or -1) and sets last error 509.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "swkit/errors.h"
#include "swkit/settings.h"

namespace swkit {

enum class Mode { Base = 1, Process = 2 };

// Swoole's socket type values (SWOOLE_SOCK_*).
enum SockType : int { kSockTcp = 1, kSockUdp = 2, kSockTcp6 = 3, kSockUdp6 = 4 };

// Swoole's worker status values (SWOOLE_WORKER_*).
enum WorkerStatus : int { kWorkerBusy = 1, kWorkerIdle = 2, kWorkerExit = 3 };

// A client connection's id: a session id that only grows, never a raw socket fd.
using SessionId = int64_t;

struct ClientInfo {
  int server_port = 0;
  int server_fd = 0;
  int socket_fd = 0;
  int socket_type = 0;
  int remote_port = 0;
  std::string remote_ip;
  int reactor_id = 0;
  int64_t connect_time = 0;
  int64_t last_time = 0;
  double last_recv_time = 0;
  double last_send_time = 0;
  double last_dispatch_time = 0;
  int close_errno = 0;
  int64_t recv_queued_bytes = 0;
  int64_t send_queued_bytes = 0;
};

// The fields of the seed's stats(); worker_* describe the calling process.
struct ServerStats {
  int64_t start_time = 0;
  int64_t connection_num = 0;
  int64_t abort_count = 0;
  int64_t accept_count = 0;
  int64_t close_count = 0;
  int64_t worker_num = 0;
  int64_t task_worker_num = 0;
  int64_t user_worker_num = 0;
  int64_t idle_worker_num = 0;
  int64_t dispatch_count = 0;
  int64_t request_count = 0;
  int64_t response_count = 0;
  int64_t total_recv_bytes = 0;
  int64_t total_send_bytes = 0;
  int64_t pipe_packet_msg_id = 0;
  int64_t concurrency = 0;
  int64_t session_round = 0;
  int64_t min_fd = 0;
  int64_t max_fd = 0;
  int64_t worker_request_count = 0;
  int64_t worker_response_count = 0;
  int64_t worker_dispatch_count = 0;
  int64_t worker_concurrency = 0;
  int64_t task_idle_worker_num = 0;
  int64_t tasking_num = 0;
  int64_t task_queue_num = 0;
  int64_t task_queue_bytes = 0;
  int64_t task_count = 0;
  int64_t coroutine_num = 0;
  int64_t coroutine_peek_num = 0;
};

namespace detail {
class ServerImpl;
}

class Server {
 public:
  using ServerHandler = std::function<void(Server&)>;
  using WorkerHandler = std::function<void(Server&, int worker_id)>;
  using ConnectHandler = std::function<void(Server&, SessionId fd, int reactor_id)>;
  using ReceiveHandler =
      std::function<void(Server&, SessionId fd, int reactor_id, std::string_view data)>;
  using WorkerErrorHandler =
      std::function<void(Server&, int worker_id, pid_t worker_pid, int exit_code, int signal)>;

  // Before start. host "127.0.0.1"/"::1"/"0.0.0.0"; port 0 picks a free port (see port()).
  Server(std::string host, int port, Mode mode = Mode::Process, int sock_type = kSockTcp);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before start. Merges into earlier settings; throws ConfigError naming the key and range.
  void set(const Settings& settings);
  // Any process: the settings as given to set().
  const Settings& setting() const;

  // Before start. Event names are case-insensitive, without "on": start, shutdown,
  // managerStart, managerStop, workerStart, workerStop, workerError, connect, receive, close.
  // Throws ConfigError for an unknown event or a handler of the wrong shape.
  bool on(std::string_view event, ServerHandler fn);
  bool on(std::string_view event, WorkerHandler fn);
  bool on(std::string_view event, ConnectHandler fn);
  bool on(std::string_view event, ReceiveHandler fn);
  bool on(std::string_view event, WorkerErrorHandler fn);

  // Before start, in the process that will become the master. Blocks until the server shuts
  // down, then returns true; returns false at once when start-up fails (last error set, the
  // reason logged, no child process left behind).
  bool start();

  // Any process: asks the master to shut the whole tree down (SIGTERM to the master).
  bool shutdown();

  // Worker. Queues data for a client; false with 1001/1003/1004/1005, 1008 (the client's
  // output queue exceeds socket_buffer_size) or 1202 (data larger than buffer_output_size).
  bool send(SessionId fd, std::string_view data);
  // Worker. Closes a client; onClose fires in the worker that owns the connection.
  // reset=true drops data still queued for the client.
  bool close(SessionId fd, bool reset = false);

  // Any process, from shared memory: whether the session is connected.
  bool exist(SessionId fd) const;
  // Any process, from shared memory. False (1004/1005) for a closed or unknown session.
  bool getClientInfo(SessionId fd, ClientInfo& out) const;
  // Any process: up to page_size (1..100) connected sessions greater than start_fd, ascending.
  // False (505) when page_size is out of range.
  bool getClientList(SessionId start_fd, int page_size, std::vector<SessionId>& out) const;
  // Any process.
  ServerStats stats() const;

  // Any process: -1 outside event workers.
  int getWorkerId() const;
  // Any process: the pid of worker_id (-1 = the calling worker); -1 when there is none.
  pid_t getWorkerPid(int worker_id = -1) const;
  // Any process: SWOOLE_WORKER_BUSY/IDLE/EXIT of worker_id (-1 = the calling worker), or -1.
  int getWorkerStatus(int worker_id = -1) const;
  // Any process (after start).
  pid_t getMasterPid() const;
  pid_t getManagerPid() const;
  // Any process: the code of the last failed call in this thread.
  int getLastError() const;

  // Any process: the port actually bound (useful with port 0), after start() has bound it.
  int port() const;
  const std::string& host() const;
  Mode mode() const;

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

}  // namespace swkit
