// Swoole\Server: the PHP object around swkit::Server. The PHP process that calls start()
// becomes the master; core forks the manager and the workers from it, so the object, its
// callbacks and every PHP value they reference exist in each process as they were at start().
#pragma once

#include <sys/types.h>

#include <array>
#include <memory>
#include <vector>

#include "php_callable.h"
#include "php_swkit.h"
#include "swkit/server.h"

namespace swkit::php {

// Server events with a PHP callback, in Swoole's argument order (see on()).
enum Event : int {
  kOnStart,
  kOnShutdown,
  kOnManagerStart,
  kOnManagerStop,
  kOnBeforeReload,
  kOnAfterReload,
  kOnWorkerStart,
  kOnWorkerStop,
  kOnWorkerExit,
  kOnWorkerError,
  kOnConnect,
  kOnReceive,
  kOnClose,
  kOnTask,
  kOnFinish,
  kOnPipeMessage,
  kEventCount
};

struct ServerState {
  std::unique_ptr<swkit::Server> server;
  std::array<std::unique_ptr<Callable>, kEventCount> callbacks;
  std::vector<std::unique_ptr<Callable>> commands;  // addCommand() handlers
  std::vector<zend_object*> processes;              // addProcess(): a reference on each
  bool coroutines = false;  // enable_coroutine: worker-side callbacks run in Fibers
  bool started = false;     // start() was called (true in every forked child)
  bool finished = false;    // start() has returned (master, after shutdown)
  pid_t synced_pid = 0;     // the process whose ids are in the properties
  pid_t synced_master = 0;
  pid_t synced_manager = 0;
};

struct ServerObject {
  ServerState* state;
  zend_object std;
};

inline ServerObject* server_from(zend_object* obj) {
  return reinterpret_cast<ServerObject*>(reinterpret_cast<char*>(obj) -
                                         XtOffsetOf(ServerObject, std));
}

// The server whose start() is running in this process (the master, or any process forked from
// it), or nullptr: Swoole\Timer works on its event loop.
ServerState* running_server();

}  // namespace swkit::php
