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
#include "state_object.h"
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
  kOnPacket,
  kEventCount
};

struct ServerState {
  std::unique_ptr<swkit::Server> server;
  std::array<std::unique_ptr<Callable>, kEventCount> callbacks;
  std::vector<std::unique_ptr<Callable>> commands;  // addCommand() handlers
  std::vector<zend_object*> processes;              // addProcess(): a reference on each
  std::vector<zend_object*> ports;                  // $server->ports: a reference on each
  bool coroutines = false;  // enable_coroutine: worker-side callbacks run in Fibers
  bool started = false;     // start() was called (true in every forked child)
  bool finished = false;    // start() has returned (master, after shutdown)
  pid_t synced_pid = 0;     // the process whose ids are in the properties
  pid_t synced_master = 0;
  pid_t synced_manager = 0;
};

using ServerObject = StateObject<ServerState>;

inline ServerObject* server_from(zend_object* obj) {
  return ServerObject::from(obj);
}

// Runs cb (may be null: nothing runs) for an event of obj's server as on() callbacks run: the
// process properties synced first, in a Fiber when coroutines are on. *retval (when given)
// gets the result, IS_UNDEF when there is none; the caller releases it.
void call_callable(zend_object* obj, Callable* cb, Event ev, uint32_t argc, zval* argv,
                   zval* retval = nullptr);
// Core handlers that run the PHP callable in *slot (read at each call) with Swoole's arguments:
// ($server, $fd, $reactorId) for connect/close, plus $data for receive.
swkit::Server::ConnectHandler connection_handler(zend_object* obj, Event ev,
                                                 const std::unique_ptr<Callable>* slot);
swkit::Server::ReceiveHandler receive_handler(zend_object* obj,
                                              const std::unique_ptr<Callable>* slot);
// ($server, $data, $clientInfo) for packet; $clientInfo has Swoole's keys server_socket,
// dispatch_time, server_port, address, port.
swkit::Server::PacketHandler packet_handler(zend_object* obj,
                                            const std::unique_ptr<Callable>* slot);
// Server::set() and Server::on() (also what the primary Swoole\Server\Port's set()/on() do):
// false with a warning saying why.
bool server_set(zend_object* obj, zval* zset);
bool server_on(zend_object* obj, zend_string* name, zval* callable);
// A PHP settings array as core settings; false with a warning naming a key of a wrong type.
bool settings_from_array(HashTable* arr, swkit::Settings& out);
// A ConfigError as Swoole's warning (without core's "set(): " prefix).
void config_warning(const swkit::ConfigError& e);
// $obj->setting = array_merge($obj->setting ?? [], $zset)
void merge_setting_property(zend_class_entry* ce, zend_object* obj, zval* zset);
// Server event index of a name (case-insensitive): -1 unknown, -2 a Swoole event not built yet.
int find_event(zend_string* name);

// Adds a Swoole\Server\Port for port to $server->ports (and *out, a new reference, if given).
void add_port(zend_object* obj, ServerState* s, swkit::Port* port, bool primary,
              zval* out = nullptr);

// The server whose start() is running in this process (the master, or any process forked from
// it), or nullptr: Swoole\Timer works on its event loop.
ServerState* running_server();

}  // namespace swkit::php
