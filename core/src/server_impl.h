// ServerImpl: the state behind swkit::Server, shared by the process roles. One file per role:
// master.cpp (master cycle), reactor_thread.cpp, manager.cpp, worker.cpp.
#pragma once

#include <sys/types.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "arena.h"
#include "config.h"
#include "swkit/server.h"

namespace swkit::detail {

enum class Role { Setup, Master, Manager, EventWorker };

struct Callbacks {
  Server::ServerHandler on_start, on_shutdown, on_manager_start, on_manager_stop;
  Server::WorkerHandler on_worker_start, on_worker_stop;
  Server::ConnectHandler on_connect, on_close;
  Server::ReceiveHandler on_receive;
  Server::WorkerErrorHandler on_worker_error;
};

class EventWorker;

class ServerImpl {
 public:
  ServerImpl(Server& api, std::string host, int port, Mode mode, int sock_type);
  ~ServerImpl();

  bool start();

  // True when onConnect/onClose are delivered (hash dispatch modes or enable_unsafe_event).
  bool connection_events_enabled() const {
    return cfg.dispatch_mode == 2 || cfg.dispatch_mode == 4 || cfg.enable_unsafe_event;
  }
  // The index of the IPC pair whose master end the owner of a session reads (PROCESS mode):
  // reactor thread r polls the pairs j with j % reactor_num == r (Swoole's layout).
  int reply_pipe(uint32_t session_id, int reactor_id) const {
    const int per_reactor = cfg.worker_num / cfg.reactor_num;
    return reactor_id + static_cast<int>(session_id % per_reactor) * cfg.reactor_num;
  }
  // Session check shared by send/close/exist: 0 when active, else Swoole's error code.
  int check_session(uint32_t sid) const;

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
  int listen_fd = -1;
  std::unique_ptr<Arena> arena;
  // pipes[i][0]: master end (read by the reactor thread, or by nobody in BASE mode);
  // pipes[i][1]: worker end (read by event worker i). Created before any fork.
  std::vector<std::array<int, 2>> pipes;
  std::unique_ptr<EventWorker> worker;  // set in event worker processes
};

// Role entry points. run_master returns when the server has shut down; the others never
// return (the child process exits).
bool run_master(ServerImpl& s);
[[noreturn]] void run_manager(ServerImpl& s);
[[noreturn]] void run_event_worker(ServerImpl& s, int worker_id);

// Blocks the signals every role handles through signalfd; returns the set.
sigset_t handled_signals();
// In a freshly forked child: die with the parent, and make sure the parent is still there.
void bind_lifetime_to_parent(pid_t expected_parent, int signal);
// Writes, then exits the process without running the parent's atexit handlers.
[[noreturn]] void exit_child(int code);

}  // namespace swkit::detail
