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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swkit/errors.h"
#include "swkit/settings.h"

namespace swkit {

enum class Mode { Base = 1, Process = 2 };

// Swoole's socket type values (SWOOLE_SOCK_*).
enum SockType : int {
  kSockTcp = 1,
  kSockUdp = 2,
  kSockTcp6 = 3,
  kSockUdp6 = 4,
  kSockUnixStream = 5,  // host is the socket's path; port is ignored (0)
  kSockUnixDgram = 6,   // the same, datagrams (onPacket; PacketInfo::address is the sender's path)
};

// Swoole's worker status values (SWOOLE_WORKER_*).
enum WorkerStatus : int { kWorkerBusy = 1, kWorkerIdle = 2, kWorkerExit = 3 };

// A client connection's id: a session id that only grows, never a raw socket fd.
using SessionId = int64_t;
// A task's id (per sending process, as in Swoole). A distinct type so that a task handler can
// never be mistaken for a receive handler.
enum class TaskId : int64_t {};

// Swoole's process types for addCommand/command and the admin endpoint.
enum class ProcessKind { Event, Task, User };

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
  int worker_id = -1;  // the event worker that owns the session (swkit's addition)
  uint32_t uid = 0;    // bind(); 0 when not bound
};

// Where a UDP datagram came from (Swoole's onPacket $clientInfo).
struct PacketInfo {
  std::string address;     // the sender's IP
  int port = 0;            // the sender's port
  int server_socket = -1;  // the UDP port's socket (sendto()'s server_socket)
  int server_port = 0;     // the UDP port's number
  double dispatch_time = 0;
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

// The supervisor's view of one process (swkit; Swoole has only getWorkerStatus).
struct WorkerInfo {
  int id = -1;
  ProcessKind kind = ProcessKind::Event;
  pid_t pid = -1;
  int status = 0;           // SWOOLE_WORKER_BUSY/IDLE/EXIT
  std::string state;        // STARTING, RUNNING, DRAINING, BACKOFF, STOPPED
  uint32_t generation = 0;  // the reload that started it (0: the initial start)
  int64_t requests = 0;
  int64_t respawns = 0;
  int last_exit_status = 0;  // as waitpid() reported it
  int64_t start_time = 0;
  int64_t backoff_until_ms = 0;  // wall clock, while in BACKOFF
  // Task worker: tasks it took from a blocked taskwait through shared memory rather than its
  // socket (docs/tasks.md, "taskwait latency"); counted across the slot's processes.
  int64_t lane_tasks = 0;
};

// One reload transaction (swkit): see docs/supervisor.md.
struct ReloadInfo {
  struct Worker {
    int id;
    pid_t old_pid;
    pid_t new_pid;
    int drain_ms;
    bool forced;
    int cpu_us;  // CPU of the replacement: start-up, teardown and, rolling, the manager's fork
                 // (-1 = not measured yet)
  };
  uint32_t id = 0;
  std::string trigger;   // signal, api, admin
  std::string strategy;  // rolling, parallel
  bool task_only = false;
  bool done = false;
  int forced = 0;
  int refused = 0;   // reload requests refused while it ran
  int paced_ms = 0;  // pauses between rolling steps (reload_cpu_percent)
  double started_at = 0;
  double finished_at = 0;
  std::vector<Worker> workers;
};

// Process types for addCommand/command (Swoole's SWOOLE_SERVER_COMMAND_* bits). Reactor threads
// take no commands in swkit; user processes (addProcess) do, which Swoole's do not.
enum CommandProcessType : int {
  kCommandMaster = 2,
  kCommandReactorThread = 4,
  kCommandEventWorker = 8,
  kCommandTaskWorker = 16,
  kCommandManager = 32,
  kCommandUserProcess = 64,
};

// Who asked for a reload (recorded in the reload transaction).
enum class ReloadSource { Signal = 0, Api = 1, Admin = 2 };

namespace detail {
class ServerImpl;
struct Listener;
}  // namespace detail

class Port;

class Server {
 public:
  using ServerHandler = std::function<void(Server&)>;
  using WorkerHandler = std::function<void(Server&, int worker_id)>;
  using ConnectHandler = std::function<void(Server&, SessionId fd, int reactor_id)>;
  using ReceiveHandler =
      std::function<void(Server&, SessionId fd, int reactor_id, std::string_view data)>;
  // onPacket: one UDP datagram (UDP and UDP6 ports).
  using PacketHandler =
      std::function<void(Server&, std::string_view data, const PacketInfo& client)>;
  using WorkerErrorHandler =
      std::function<void(Server&, int worker_id, pid_t worker_pid, int exit_code, int signal)>;
  // onTask: return a value to finish the task with it (Swoole: a returned value counts as
  // finish), or std::nullopt when the handler calls finish() itself or sends no result.
  using TaskHandler = std::function<std::optional<std::string>(
      Server&, TaskId task_id, int src_worker_id, std::string_view data)>;
  using FinishHandler = std::function<void(Server&, TaskId task_id, std::string_view data)>;
  using PipeMessageHandler =
      std::function<void(Server&, int src_worker_id, std::string_view message)>;
  using ProcessBody = std::function<void(Server&, int process_id)>;
  using TimerHandler = std::function<void(int64_t timer_id)>;
  // A command handler gets the caller's data and returns its reply (Swoole: a string).
  using CommandHandler = std::function<std::string(Server&, std::string_view data)>;
  // One process's answer to a command: code 0 and the handler's reply, or an error code
  // (9012 unknown command or process type not accepted, 9014 no answer before the deadline,
  // 1202 data too large, -1 the handler threw) and its message.
  struct CommandResult {
    int code = 0;
    std::string data;
  };
  struct CommandInfo {
    int id = 0;
    std::string name;
    int accepted_process_types = 0;
  };
  // A piece that lives in the master next to the reactors (the admin endpoint): start runs once
  // the master may have threads, before onStart (false fails start()); stop runs after every
  // child has stopped.
  struct MasterService {
    std::string name;
    std::function<bool(Server&)> start;
    std::function<void(Server&)> stop;
  };

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
  // managerStart, managerStop, beforeReload, afterReload (Server&); workerStart, workerStop,
  // workerExit (Server&, worker_id); workerError; connect, close; receive; task; finish;
  // pipeMessage; packet (UDP). Throws ConfigError for an unknown event or a handler of the
  // wrong shape.
  bool on(std::string_view event, ServerHandler fn);
  bool on(std::string_view event, WorkerHandler fn);
  bool on(std::string_view event, ConnectHandler fn);
  bool on(std::string_view event, ReceiveHandler fn);
  bool on(std::string_view event, PacketHandler fn);
  bool on(std::string_view event, WorkerErrorHandler fn);
  bool on(std::string_view event, TaskHandler fn);
  bool on(std::string_view event, FinishHandler fn);
  bool on(std::string_view event, PipeMessageHandler fn);

  // Before start. Listens on one more address (Swoole's addListener/listen): binds at once, so
  // port 0 is resolved when this returns (Port::port()). sock_type: kSockTcp, kSockTcp6,
  // kSockUdp, kSockUdp6, kSockUnixStream or kSockUnixDgram (host = the path; a stale socket file
  // there is replaced, and the master removes it at shutdown). SSL is not built yet:
  // EPROTONOSUPPORT. Returns
  // nullptr with the last error set (the system's errno, e.g. EADDRINUSE) when the address
  // cannot be bound. The Port lives as long as the Server.
  Port* addListener(const std::string& host, int port, int sock_type = kSockTcp);
  // Any process: every listening port, the primary one (the constructor's) first.
  std::vector<Port*> ports() const;

  // Before start. Adds a user process, started after the workers, restarted when it exits,
  // stopped with SIGTERM at shutdown, never reloaded. Returns its index among user processes;
  // its process id (getWorkerId() inside it) is worker_num + task_worker_num + index.
  int addProcess(ProcessBody body);

  // Before start. Registers a command that processes of accepted_process_types (bits of
  // CommandProcessType, reactor threads excluded) run when command() names them. False for a
  // duplicate name, an empty name, no accepted type, or after start.
  bool addCommand(std::string_view name, int accepted_process_types, CommandHandler fn);
  // Master (any thread; the admin endpoint calls it from its own). Runs command `name` in one
  // process: process_type is one CommandProcessType, process_id the index among its kind (0 for
  // the master and the manager). Waits at most timeout seconds on a control channel that
  // never queues behind tasks. nullopt with the last error set (see CommandResult) on failure;
  // 505 for an unknown process; 509 outside the master.
  std::optional<std::string> command(std::string_view name, int process_id, int process_type,
                                     std::string_view data, double timeout = 5.0);
  // Master: command() with the error's message kept (code 0 or the error code).
  CommandResult commandResult(std::string_view name, int process_id, int process_type,
                              std::string_view data, double timeout = 5.0);
  // Master: runs `name` in every process of the types in process_types (a bit mask), all at
  // once, with one deadline. One result per process, keyed master, manager, worker-N,
  // task_worker-N, user_process-N.
  std::map<std::string, CommandResult> commandAll(std::string_view name, int process_types,
                                                  std::string_view data, double timeout = 5.0);
  // Any process: the registered commands, in registration order.
  std::vector<CommandInfo> getCommands() const;
  // The name of a process in command results and on the admin endpoint.
  static std::string processName(int process_type, int process_id);

  // Before start. See MasterService.
  void addMasterService(MasterService service);

  // Before start: why start() would refuse for a missing handler ("require onReceive callback"
  // for a TCP port, "require onPacket callback" for a UDP one, "require onTask callback",
  // "require onFinish callback"), or "" when none is missing.
  std::string missingHandler() const;

  // Before start, in the process that will become the master. Blocks until the server shuts
  // down, then returns true; returns false at once when start-up fails (last error set, the
  // reason logged, no child process left behind).
  bool start();

  // Any process: asks the master to shut the whole tree down (SIGTERM to the master).
  bool shutdown();
  // Any process: reloads every event and task worker (only_task: task workers only) as one
  // tracked transaction. False when a reload is already running (the running one's id is
  // logged) or the server is not running.
  bool reload(bool only_task = false, ReloadSource source = ReloadSource::Api);
  // Worker: stops the calling worker (worker_id -1) after a replacement is up; wait_event
  // keeps it until its timers are gone (at most max_wait_time). Another worker id: SIGTERM to
  // it (the manager respawns it).
  bool stop(int worker_id = -1, bool wait_event = false);

  // Worker, task worker, user process: timers on the process's event loop (milliseconds).
  int64_t tick(double ms, TimerHandler fn);
  int64_t after(double ms, TimerHandler fn);
  bool clearTimer(int64_t timer_id);
  // Worker, task worker, user process: fn runs on the process's event loop whenever fd is
  // readable (writable when writable is true) until unwatch(fd). One watch per fd; false (505)
  // for a bad or already watched fd, 9009 outside those processes. A user process whose body
  // returns with a watch or a timer left keeps running its event loop (Swoole does the same).
  bool watch(int fd, bool writable, std::function<void()> fn);
  bool unwatch(int fd);
  // Worker, task worker, user process: fn(signo) runs on the process's event loop each time signo
  // arrives (Swoole's Process::signal; like Swoole's, never while a callback blocks the loop). An
  // empty fn removes the handler and restores the default action. False (505) for SIGTERM,
  // SIGWINCH and SIGIO (core's), SIGKILL, SIGSTOP or an unknown signal; 9009 elsewhere. A user
  // process whose body returns with a handler left keeps running its event loop.
  bool onSignal(int signo, std::function<void(int)> fn);

  // Event worker (master, manager and user processes: one-way, no result). Sends a task to
  // task worker dst_worker_id (-1: an idle one). Returns the task id, or -1 with an error.
  int64_t task(std::string_view data, int dst_worker_id = -1, FinishHandler on_finish = {});
  // Event worker: sends a task and blocks for its result at most timeout seconds; nullopt on
  // timeout (a late result is discarded, never handed to a later call).
  std::optional<std::string> taskwait(std::string_view data, double timeout = 0.5,
                                      int dst_worker_id = -1);
  // Event worker: sends every task, waits at most timeout for all; results by index, the
  // timed-out ones absent.
  std::map<size_t, std::string> taskWaitMulti(const std::vector<std::string>& tasks,
                                              double timeout = 0.5);
  // Event worker: like taskWaitMulti, one entry per task, nullopt (Swoole: false) for timed-out
  // ones. Refused (Swoole: false) with an empty vector and 505 for more than 1024 tasks, 509
  // outside an event worker; taskWaitMulti then returns an empty map.
  std::vector<std::optional<std::string>> taskCo(const std::vector<std::string>& tasks,
                                                 double timeout = 0.5);
  // Event worker, without blocking: sends every task and returns; done runs on the worker's
  // event loop with one entry per task (nullopt for a timed-out one) when all have answered or
  // timeout seconds have passed. The C++ counterpart of a coroutine's taskCo.
  using TaskGroupHandler = std::function<void(std::vector<std::optional<std::string>> results)>;
  bool taskCo(const std::vector<std::string>& tasks, double timeout, TaskGroupHandler done);
  // Task worker: sends the result of the current task to its sender.
  bool finish(std::string_view data);
  // Event worker, task worker, user process: onPipeMessage in worker_id (not oneself).
  bool sendMessage(std::string_view message, int worker_id);
  // Any process: true in task workers (Swoole's $server->taskworker).
  bool isTaskWorker() const;

  // Worker. Queues data for a client; false with 1001/1003/1004/1005, 1008 (the client's
  // output queue exceeds socket_buffer_size) or 1202 (data larger than buffer_output_size).
  bool send(SessionId fd, std::string_view data);
  // Worker, task worker, user process: one UDP datagram to ip:port from a UDP port of the
  // server: server_socket (PacketInfo::server_socket), or -1 for the first UDP (IPv4 ip) or UDP6
  // (IPv6 ip) port. An ip starting with '/' is a unix datagram peer's path (port ignored), sent
  // from a kSockUnixDgram port (Swoole's send($path, $data, $server_socket)). False with 505 (no
  // such port, bad ip or port) or the system's errno.
  bool sendto(std::string_view ip, int port, std::string_view data, int server_socket = -1);
  // Worker. Closes a client; onClose fires in the worker that owns the connection.
  // reset=true drops data still queued for the client.
  bool close(SessionId fd, bool reset = false);

  // Worker. pause() stops reading a client (data already read may still reach onReceive, and
  // output keeps flowing); resume() reads it again. False (1004/1005) for a closed session.
  bool pause(SessionId fd);
  bool resume(SessionId fd);
  // Any process, in shared memory: a protected connection is never closed by the heartbeat.
  // False (1004/1005) for a closed session.
  bool protect(SessionId fd, bool is_protected = true);
  // Worker. Queues length bytes (0: to the end) of a regular file from offset, after what is
  // queued for the client; the process that holds the socket reads and writes it a chunk at a
  // time as the client takes it, so no size limit applies. False with the system's errno
  // (ENOENT, EACCES...) or 505 (offset/length outside the file), 1004/1005 for a closed
  // session. A relative path is taken from the caller's working directory.
  bool sendfile(SessionId fd, const std::string& filename, int64_t offset = 0, int64_t length = 0);
  // BASE-mode worker that owns the connection: writes data (after what is queued) and returns
  // once all of it has left, waiting for the socket meanwhile (the worker serves nothing else
  // until then). False with 509 elsewhere (PROCESS mode, another worker's connection), 1004 when
  // the connection fails meanwhile.
  bool sendwait(SessionId fd, std::string_view data);
  // Worker. With enable_delay_receive a new connection is not read until confirm(fd) (usually
  // in onConnect). False (509) when it is read already, 1004/1005 for a closed session.
  bool confirm(SessionId fd);
  // Any process, in shared memory: binds the connection to uid (not 0; a negative PHP uid is
  // its 32-bit two's complement) so that dispatch_mode 5 sends its data to worker
  // uid % worker_num from now on. Once per connection: false (509) when already bound, 505
  // for uid 0, 1004/1005 for a closed session.
  bool bind(SessionId fd, uint32_t uid);
  // Any process, from shared memory: whether the session is connected.
  bool exist(SessionId fd) const;
  // Any process, from shared memory. False (1004/1005) for a closed or unknown session.
  bool getClientInfo(SessionId fd, ClientInfo& out) const;
  // Any process: up to page_size (1..100) connected sessions greater than start_fd, ascending.
  // False (505) when page_size is out of range.
  bool getClientList(SessionId start_fd, int page_size, std::vector<SessionId>& out) const;
  // Worker (any process that can close()). Every connection that received nothing for
  // heartbeat_idle_time seconds (since it connected, when nothing came yet), ascending; closed
  // too when close_connection. False (505, a warning names the setting) when heartbeat_idle_time
  // and heartbeat_check_interval are both unset.
  bool heartbeat(bool close_connection, std::vector<SessionId>& out);
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

  // Any process: the supervisor's view of process id (event, task or user), after start.
  std::optional<WorkerInfo> getWorkerInfo(int id) const;
  // Any process: the last 32 reload transactions, oldest first.
  std::vector<ReloadInfo> getReloads() const;
  // Any process: empty when the server serves normally (every event worker RUNNING, no reload
  // and no shutdown in progress), else why not ("starting: worker 1 is STARTING", "reloading:
  // reload #3", "shutting down").
  std::string notReadyReason() const;

  // Any process: the port actually bound (useful with port 0), after start() has bound it.
  int port() const;
  const std::string& host() const;
  Mode mode() const;

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

// One listening port (Swoole\Server\Port): the server's own (ports()[0]) or one added by
// addListener(). Connections remember their port; its protocol settings frame their data and its
// handlers (or the server's, where the port has none) run for them.
class Port {
 public:
  // Before start. Protocol settings of this port only: open_length_check, package_length_type,
  // package_length_offset, package_body_offset, open_eof_check, open_eof_split, package_eof,
  // package_max_length, open_tcp_nodelay. A port that never calls set() frames like the server
  // (it inherits the server's protocol settings, as in Swoole); one that does starts from the
  // defaults. Any other key throws ConfigError naming it and the keys a port takes. On the
  // primary port this is Server::set().
  void set(const Settings& settings);
  // The settings given to this port's set() (the server's for the primary port).
  const Settings& setting() const;
  // Before start. connect, close (ConnectHandler), receive (ReceiveHandler) and packet
  // (PacketHandler, UDP ports) for this port's connections; the server's handler runs where the
  // port has none. On the primary port this is Server::on(). Throws ConfigError for another event.
  bool on(std::string_view event, Server::ConnectHandler fn);
  bool on(std::string_view event, Server::ReceiveHandler fn);
  bool on(std::string_view event, Server::PacketHandler fn);

  const std::string& host() const;
  int port() const;
  int type() const;
  // The listening socket's fd (Swoole's $port->sock); -1 for the primary port before start.
  int fd() const;
  // Any process. The listening socket for getSocket(): as fd(), but the primary port is bound
  // now if start() has not bound it yet (Swoole binds it in its constructor; core in start(),
  // after set()). -1 with the last error set when binding fails or the socket is not open in
  // this process (a PROCESS-mode worker, which does not accept).
  int socket();

 private:
  friend class detail::ServerImpl;
  friend class Server;
  Port(detail::ServerImpl& server, detail::Listener& listener)
      : server_(server), listener_(listener) {}
  detail::ServerImpl& server_;
  detail::Listener& listener_;
};

// co_await taskCoAwait(server, tasks, timeout) inside a C++20 coroutine running in an event
// worker: sends the tasks, suspends without blocking the worker, and resumes on the worker's
// event loop with one entry per task (nullopt for a timed-out one). If the tasks cannot be
// sent (not an event worker, more than 1024) it does not suspend and returns all nullopt.
class TaskCoAwaitable {
 public:
  TaskCoAwaitable(Server& server, std::vector<std::string> tasks, double timeout)
      : server_(server), tasks_(std::move(tasks)), timeout_(timeout) {}
  bool await_ready() const noexcept { return false; }
  template <typename Handle>
  bool await_suspend(Handle h) {
    const bool sent = server_.taskCo(tasks_, timeout_, [this, h](auto results) mutable {
      results_ = std::move(results);
      h.resume();
    });
    if (!sent) results_.assign(tasks_.size(), std::nullopt);
    return sent;  // false: resume at once
  }
  std::vector<std::optional<std::string>> await_resume() { return std::move(results_); }

 private:
  Server& server_;
  std::vector<std::string> tasks_;
  double timeout_;
  std::vector<std::optional<std::string>> results_;
};

inline TaskCoAwaitable taskCoAwait(Server& server, std::vector<std::string> tasks,
                                   double timeout = 0.5) {
  return TaskCoAwaitable(server, std::move(tasks), timeout);
}

}  // namespace swkit
