// ServerImpl: the state behind swkit::Server, shared by the process roles. One file per role:
// master.cpp (master cycle), reactor_thread.cpp, manager.cpp, worker.cpp.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "arena.h"
#include "config.h"
#include "connection.h"
#include "control.h"
#include "priority.h"
#include "swkit/server.h"

namespace swkit::detail {

enum class Role { Setup, Master, Manager, EventWorker, TaskWorker, UserProcess };

struct Callbacks {
  Server::ServerHandler on_start, on_shutdown, on_manager_start, on_manager_stop;
  Server::ServerHandler on_before_reload, on_after_reload;
  Server::WorkerHandler on_worker_start, on_worker_stop, on_worker_exit;
  Server::ConnectHandler on_connect, on_close;
  Server::ReceiveHandler on_receive;
  Server::PacketHandler on_packet;
  Server::WorkerErrorHandler on_worker_error;
  Server::TaskHandler on_task;
  Server::FinishHandler on_finish;
  Server::PipeMessageHandler on_pipe_message;
};

class WorkerProcess;

// One listening socket and what its connections use (see swkit::Port). listeners[0] is the
// primary port. The handlers and proto are resolved by start(): the port's own, else the server's.
struct Listener {
  std::string host;
  int port = 0;
  int sock_type = kSockTcp;
  int fd = -1;         // the listening socket, -1 once closed (children that do not accept)
  int server_fd = -1;  // its number as bound: the port's identity in connections and messages
  Settings settings;   // Port::set() (non-primary ports)
  bool has_settings = false;  // set() was called: proto starts from the defaults
  Config proto;               // protocol settings connections of this port frame with
  Server::ConnectHandler on_connect, on_close;
  Server::ReceiveHandler on_receive;
  Server::PacketHandler on_packet;
  std::unique_ptr<Port> api;

  // A datagram port (UDP, UDP6 or a unix datagram socket): onPacket, no connections.
  bool udp() const {
    return sock_type == kSockUdp || sock_type == kSockUdp6 || sock_type == kSockUnixDgram;
  }
  bool unix_socket() const { return sock_type == kSockUnixStream || sock_type == kSockUnixDgram; }

  ListenerInfo info() const { return ListenerInfo{server_fd, port, sock_type, &proto}; }
};

class ServerImpl {
 public:
  ServerImpl(Server& api, std::string host, int port, Mode mode, int sock_type);
  ~ServerImpl();

  bool start();

  // True when onConnect/onClose are delivered (hash dispatch modes or enable_unsafe_event).
  bool connection_events_enabled() const {
    return cfg.dispatch_mode == 2 || cfg.dispatch_mode == 4 || cfg.dispatch_mode == 5 ||
           cfg.enable_unsafe_event;
  }
  // The index of the IPC pair whose master end the owner of a session reads (PROCESS mode):
  // reactor thread r polls the pairs j with j % reactor_num == r (Swoole's layout).
  int reply_pipe(uint32_t session_id, int reactor_id) const {
    const int per_reactor = cfg.worker_num / cfg.reactor_num;
    return reactor_id + static_cast<int>(session_id % per_reactor) * cfg.reactor_num;
  }
  // The listener a connection came through (by its listening fd); the primary one when unknown.
  const Listener& listener_of(int server_fd) const {
    for (const auto& l : listeners) {
      if (l->server_fd == server_fd) return *l;
    }
    return *listeners[0];
  }
  // Removes the files of the unix-socket ports (the master at shutdown; the creating process).
  void remove_unix_sockets();
  // Closes the listening sockets: all of them (master at shutdown), or the TCP ones only
  // (children that do not accept keep the UDP sockets for sendto()).
  void close_listeners(bool keep_udp = false);
  // start(): binds the primary port, resolves each port's protocol and handlers. False (logged,
  // last error set) when a port cannot start.
  bool bind_primary();  // the server's own port; start() does it unless Port::socket() did
  bool prepare_listeners();

  // The seed's reason start() refuses for a missing handler, or nullptr.
  const char* missing_handler() const;

  // Session check shared by send/close/exist: 0 when active, else Swoole's error code.
  int check_session(uint32_t sid) const;

  int event_workers() const { return cfg.worker_num; }
  int task_workers() const { return cfg.task_worker_num; }
  int user_processes() const { return static_cast<int>(process_bodies.size()); }
  int total_processes() const { return event_workers() + task_workers() + user_processes(); }
  ProcessKind kind_of(int id) const {
    if (id < event_workers()) return ProcessKind::Event;
    if (id < event_workers() + task_workers()) return ProcessKind::Task;
    return ProcessKind::User;
  }
  bool is_task_worker_id(int id) const {
    return id >= event_workers() && id < event_workers() + task_workers();
  }

  Server& api;
  std::string host;
  int port;
  Mode mode;
  int sock_type;
  Settings settings;
  Config cfg;
  Callbacks cb;

  Role role = Role::Setup;
  int worker_id = -1;
  bool started = false;
  std::vector<std::unique_ptr<Listener>> listeners;  // [0]: the primary port
  pid_t creator = getpid();                          // the process that made the Server
  std::unique_ptr<Arena> arena;
  // One pair per process id (event workers, task workers, user processes), created before
  // any fork. pipes[i][1] is read by process i; a write to pipes[i][0] reaches it. pipes[i][0]
  // of an event worker is read by a reactor thread (PROCESS mode): what the worker writes to
  // pipes[i][1] reaches it.
  std::vector<std::array<int, 2>> pipes;
  // taskwait results, one pair per event worker: task workers write [0], the worker reads [1].
  std::vector<std::array<int, 2>> result_pipes;
  // task_ipc_mode 3: one queue every task worker reads ([1]); senders write [0].
  std::array<int, 2> task_queue{-1, -1};
  std::vector<Server::ProcessBody> process_bodies;  // addProcess()
  std::vector<RegisteredCommand> commands;          // addCommand()
  ControlChannels control;                          // command() (see control.h)
  std::vector<Server::MasterService> services;      // addMasterService()
  std::unique_ptr<WorkerProcess> worker;            // set in event/task worker and user processes
  ReloadPriority reload_priority;                   // decided by the master at start()
};

// Role entry points. run_master returns when the server has shut down; the others never
// return (the child process exits).
bool run_master(ServerImpl& s);
[[noreturn]] void run_manager(ServerImpl& s);
[[noreturn]] void run_worker_process(ServerImpl& s, int id);
// Master/manager: a one-way task written with blocking I/O (no event loop there).
int64_t send_task_blocking(ServerImpl& s, std::string_view data, int dst_worker_id);
// Picks a task worker id (absolute): dst (0-based among task workers) or an idle one; raises
// its queued-task count. -1 with the last error set when dst is out of range.
int pick_task_worker(ServerImpl& s, int dst);
// task_ipc_mode 3 shares one queue among task workers, so a task must fit one datagram: a larger
// payload is written to a file in task_tmpdir and its path sent instead (kTaskTmpfile). Returns
// false (last error set) when the file cannot be written.
bool pack_task_payload(const ServerImpl& s, std::string_view data, bool shared_queue,
                       std::string& storage, std::string_view& payload, uint32_t& flags);
// The task worker's side: reads (and removes) the file of a kTaskTmpfile task.
bool unpack_task_payload(uint32_t flags, std::string_view payload, std::string& storage,
                         std::string_view& data);

// Blocks the signals every role handles through signalfd; returns the set.
sigset_t handled_signals();
// In a freshly forked child: die with the parent, and make sure the parent is still there.
void bind_lifetime_to_parent(pid_t expected_parent, int signal);
// Writes, then exits the process without running the parent's atexit handlers.
[[noreturn]] void exit_child(int code);

}  // namespace swkit::detail
