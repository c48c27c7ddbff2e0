// Swoole\Server on swkit::Server. Every method says where it may run, as core's header does;
// the warnings and return values are the seed's (and Swoole's) where they say one.
#include "server_object.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <string_view>

#include "connection_iterator.h"
#include "coroutine.h"
#include "port_object.h"
#include "process_object.h"
#include "swkit/admin.h"
#include "task_codec.h"
#include "timer.h"

extern "C" {
#include <zend_smart_str.h>
#include <ext/json/php_json.h>
#include <ext/standard/php_array.h>
}

namespace swkit::php {

zend_class_entry* server_ce = nullptr;

namespace {

ServerState* g_running = nullptr;

// Swoole's event names, lower case and without "on", in Event order.
constexpr const char* kEvents[kEventCount] = {
    "start",       "shutdown",   "managerstart", "managerstop", "beforereload", "afterreload",
    "workerstart", "workerstop", "workerexit",   "workererror", "connect",      "receive",
    "close",       "task",       "finish",       "pipemessage", "packet",
};
// Events of Swoole's servers that swkit does not deliver yet (UDP, HTTP, WebSocket, buffers).
constexpr const char* kNotYet[] = {
    "request",    "message",    "open",        "handshake",     "beforehandshakeresponse",
    "disconnect", "bufferfull", "bufferempty", "beforeshutdown"};

}  // namespace

int find_event(zend_string* name) {
  std::string lower(ZSTR_VAL(name), ZSTR_LEN(name));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (int i = 0; i < kEventCount; i++) {
    if (lower == kEvents[i]) return i;
  }
  for (const char* e : kNotYet) {
    if (lower == e) return -2;
  }
  return -1;
}

namespace {

ServerState* state_of(zval* self) {
  return server_from(Z_OBJ_P(self))->state;
}

const char* class_name(zval* self) {
  return ZSTR_VAL(Z_OBJCE_P(self)->name);
}

// The state of a constructed server, or nullptr with an Error thrown.
ServerState* checked(zval* self) {
  ServerState* s = state_of(self);
  if (!s->server) {
    zend_throw_error(nullptr, "%s: the constructor was not called", class_name(self));
    return nullptr;
  }
  return s;
}

// Methods valid once start() has been called (in the master or any process forked from it).
ServerState* running(zval* self) {
  ServerState* s = checked(self);
  if (!s) return nullptr;
  if (!s->started || s->finished) {
    php_error_docref(nullptr, E_WARNING, "server is not running");
    return nullptr;
  }
  return s;
}

long long setting_int(const swkit::Server& srv, const char* key, long long fallback) {
  const auto& settings = srv.setting();
  auto it = settings.find(key);
  if (it == settings.end()) return fallback;
  if (const auto* i = std::get_if<long long>(&it->second)) return *i;
  if (const auto* d = std::get_if<double>(&it->second)) return static_cast<long long>(*d);
  return fallback;
}

// *out = a separate copy of the array property name of obj ([] when it is not an array).
void copy_array_property(zend_object* obj, const char* name, zval* out) {
  zval rv;
  zval* current = zend_read_property(obj->ce, obj, name, std::strlen(name), 1, &rv);
  if (Z_TYPE_P(current) == IS_ARRAY) {
    ZVAL_ARR(out, zend_array_dup(Z_ARRVAL_P(current)));
  } else {
    array_init(out);
  }
}

void update_long(zend_object* obj, const char* name, zend_long value) {
  zend_update_property_long(server_ce, obj, name, std::strlen(name), value);
}

// Swoole fills the properties that describe the calling process when its callbacks run; here
// the first callback in each process does, and master/manager pids follow a manager restart.
void sync_process(zend_object* obj, ServerState* s) {
  const pid_t pid = getpid();
  swkit::Server& srv = *s->server;
  const pid_t master = std::max<pid_t>(0, srv.getMasterPid());
  const pid_t manager = std::max<pid_t>(0, srv.getManagerPid());
  if (s->synced_pid == pid && s->synced_master == master && s->synced_manager == manager) return;
  s->synced_master = master;
  s->synced_manager = manager;
  update_long(obj, "master_pid", master);
  update_long(obj, "manager_pid", manager);
  if (s->synced_pid == pid) return;
  s->synced_pid = pid;
  const int id = srv.getWorkerId();
  update_long(obj, "worker_id", id);
  update_long(obj, "worker_pid", id >= 0 ? pid : 0);
  update_long(obj, "port", srv.port());
  for (zend_object* port : s->ports) port_sync(port);
  zend_update_property_bool(server_ce, obj, ZEND_STRL("taskworker"), srv.isTaskWorker());
  // $server->setting shows the effective process counts, as Swoole's does after start().
  zval copy;
  copy_array_property(obj, "setting", &copy);
  const swkit::ServerStats st = srv.stats();
  if (!zend_hash_str_exists(Z_ARRVAL(copy), ZEND_STRL("worker_num"))) {
    add_assoc_long(&copy, "worker_num", st.worker_num);
  }
  if (!zend_hash_str_exists(Z_ARRVAL(copy), ZEND_STRL("task_worker_num"))) {
    add_assoc_long(&copy, "task_worker_num", st.task_worker_num);
  }
  zend_update_property(server_ce, obj, ZEND_STRL("setting"), &copy);
  zval_ptr_dtor(&copy);
}

}  // namespace

void call_callable(zend_object* obj, Callable* cb, Event ev, uint32_t argc, zval* argv,
                   zval* retval) {
  ServerState* s = server_from(obj)->state;
  if (retval) ZVAL_UNDEF(retval);
  sync_process(obj, s);
  if (!cb) return;
  if (s->coroutines && !retval &&
      (ev == kOnWorkerStart || ev == kOnConnect || ev == kOnReceive || ev == kOnClose ||
       ev == kOnFinish || ev == kOnPipeMessage || ev == kOnPacket)) {
    call_in_fiber(*cb, argc, argv);
    return;
  }
  zval rv;
  cb->call(argc, argv, &rv);
  if (retval) {
    ZVAL_COPY_VALUE(retval, &rv);
  } else {
    zval_ptr_dtor(&rv);
  }
}

namespace {

// Calls the PHP callback of ev with argv (argv[0] is the server); see call_callable.
void call_event(zend_object* obj, Event ev, uint32_t argc, zval* argv, zval* retval = nullptr) {
  call_callable(obj, server_from(obj)->state->callbacks[ev].get(), ev, argc, argv, retval);
}

void call_server_event(zend_object* obj, Event ev) {
  zval args[1];
  ZVAL_OBJ(&args[0], obj);
  call_event(obj, ev, 1, args);
}

void call_worker_event(zend_object* obj, Event ev, int worker_id) {
  zval args[2];
  ZVAL_OBJ(&args[0], obj);
  ZVAL_LONG(&args[1], worker_id);
  call_event(obj, ev, 2, args);
}

}  // namespace

swkit::Server::ConnectHandler connection_handler(zend_object* obj, Event ev,
                                                 const std::unique_ptr<Callable>* slot) {
  return [obj, ev, slot](swkit::Server&, swkit::SessionId fd, int reactor_id) {
    zval args[3];
    ZVAL_OBJ(&args[0], obj);
    ZVAL_LONG(&args[1], fd);
    ZVAL_LONG(&args[2], reactor_id);
    call_callable(obj, slot->get(), ev, 3, args);
  };
}

swkit::Server::ReceiveHandler receive_handler(zend_object* obj,
                                              const std::unique_ptr<Callable>* slot) {
  return [obj, slot](swkit::Server&, swkit::SessionId fd, int reactor_id, std::string_view data) {
    zval args[4];
    ZVAL_OBJ(&args[0], obj);
    ZVAL_LONG(&args[1], fd);
    ZVAL_LONG(&args[2], reactor_id);
    ZVAL_STRINGL_FAST(&args[3], data.data(), data.size());
    call_callable(obj, slot->get(), kOnReceive, 4, args);
    zval_ptr_dtor(&args[3]);
  };
}

swkit::Server::PacketHandler packet_handler(zend_object* obj,
                                            const std::unique_ptr<Callable>* slot) {
  return [obj, slot](swkit::Server&, std::string_view data, const swkit::PacketInfo& from) {
    zval args[3];
    ZVAL_OBJ(&args[0], obj);
    ZVAL_STRINGL_FAST(&args[1], data.data(), data.size());
    array_init_size(&args[2], 5);
    add_assoc_long(&args[2], "server_socket", from.server_socket);
    add_assoc_double(&args[2], "dispatch_time", from.dispatch_time);
    add_assoc_long(&args[2], "server_port", from.server_port);
    add_assoc_stringl(&args[2], "address", from.address.data(), from.address.size());
    add_assoc_long(&args[2], "port", from.port);
    call_callable(obj, slot->get(), kOnPacket, 3, args);
    zval_ptr_dtor(&args[1]);
    zval_ptr_dtor(&args[2]);
  };
}

namespace {

// Hands core the C++ handler that runs the PHP callback of ev.
void bind_event(zend_object* obj, swkit::Server& srv, Event ev) {
  using S = swkit::Server;
  const char* name = kEvents[ev];
  switch (ev) {
    case kOnStart:
    case kOnShutdown:
    case kOnManagerStart:
    case kOnManagerStop:
    case kOnBeforeReload:
    case kOnAfterReload:
      srv.on(name, S::ServerHandler([obj, ev](S&) { call_server_event(obj, ev); }));
      break;
    case kOnWorkerStart:
    case kOnWorkerStop:
    case kOnWorkerExit:
      srv.on(name, S::WorkerHandler([obj, ev](S&, int id) { call_worker_event(obj, ev, id); }));
      break;
    case kOnWorkerError:
      srv.on(name, S::WorkerErrorHandler([obj](S&, int id, pid_t pid, int code, int sig) {
               zval args[5];
               ZVAL_OBJ(&args[0], obj);
               ZVAL_LONG(&args[1], id);
               ZVAL_LONG(&args[2], pid);
               ZVAL_LONG(&args[3], code);
               ZVAL_LONG(&args[4], sig);
               call_event(obj, kOnWorkerError, 5, args);
             }));
      break;
    case kOnConnect:
    case kOnClose:
      srv.on(name, connection_handler(obj, ev, &server_from(obj)->state->callbacks[ev]));
      break;
    case kOnReceive:
      srv.on(name, receive_handler(obj, &server_from(obj)->state->callbacks[ev]));
      break;
    case kOnTask:
      srv.on(name, S::TaskHandler([obj](S&, swkit::TaskId id, int src,
                                        std::string_view data) -> std::optional<std::string> {
               zval args[4];
               ZVAL_OBJ(&args[0], obj);
               ZVAL_LONG(&args[1], static_cast<zend_long>(id));
               ZVAL_LONG(&args[2], src);
               decode_value(data, &args[3]);
               zval ret;
               call_event(obj, kOnTask, 4, args, &ret);
               zval_ptr_dtor(&args[3]);
               // A returned value counts as finish() (Swoole: anything but null).
               std::optional<std::string> result;
               if (Z_TYPE(ret) != IS_UNDEF && Z_TYPE(ret) != IS_NULL) {
                 std::string encoded;
                 if (encode_value(&ret, encoded)) {
                   result = std::move(encoded);
                 } else {
                   report_exception();
                 }
               }
               zval_ptr_dtor(&ret);
               return result;
             }));
      break;
    case kOnFinish:
      srv.on(name, S::FinishHandler([obj](S&, swkit::TaskId id, std::string_view data) {
               zval args[3];
               ZVAL_OBJ(&args[0], obj);
               ZVAL_LONG(&args[1], static_cast<zend_long>(id));
               decode_value(data, &args[2]);
               call_event(obj, kOnFinish, 3, args);
               zval_ptr_dtor(&args[2]);
             }));
      break;
    case kOnPipeMessage:
      srv.on(name, S::PipeMessageHandler([obj](S&, int src, std::string_view message) {
               zval args[3];
               ZVAL_OBJ(&args[0], obj);
               ZVAL_LONG(&args[1], src);
               decode_value(message, &args[2]);
               call_event(obj, kOnPipeMessage, 3, args);
               zval_ptr_dtor(&args[2]);
             }));
      break;
    case kOnPacket:
      srv.on(name, packet_handler(obj, &server_from(obj)->state->callbacks[ev]));
      break;
    case kEventCount:
      break;
  }
}

bool in_event_worker(const swkit::Server& srv) {
  const int id = srv.getWorkerId();
  return id >= 0 && id < setting_int(srv, "worker_num", 1 << 30) && !srv.isTaskWorker();
}

// One entry per task: the decoded result, or false.
void results_array(const std::vector<std::optional<std::string>>& results, zval* out) {
  array_init_size(out, static_cast<uint32_t>(results.size()));
  for (size_t i = 0; i < results.size(); i++) {
    zval v;
    if (results[i]) {
      decode_value(*results[i], &v);
    } else {
      ZVAL_FALSE(&v);
    }
    add_index_zval(out, i, &v);
  }
}

// Sends the tasks and suspends fiber until every result is in or timeout has passed; *out gets
// results_array(). False when the tasks could not be sent (or the fiber is being destroyed).
bool task_group_in_fiber(swkit::Server& srv, zend_object* fiber, std::vector<std::string> tasks,
                         double timeout, zval* out) {
  GC_ADDREF(fiber);
  const bool sent =
      srv.taskCo(tasks, timeout, [fiber](std::vector<std::optional<std::string>> results) {
        zval v;
        results_array(results, &v);
        resume_fiber(fiber, &v);
        zval_ptr_dtor(&v);
      });
  if (!sent) {
    OBJ_RELEASE(fiber);
    return false;
  }
  return suspend_current(out);
}

// ---- object handlers ----

void server_free(zend_object* obj) {
  ServerObject* o = server_from(obj);
  if (o->state == g_running) g_running = nullptr;
  for (zend_object* process : o->state->processes) OBJ_RELEASE(process);
  for (zend_object* port : o->state->ports) {
    port_detach(port);
    OBJ_RELEASE(port);
  }
  release_state_object<ServerState>(obj);
}

// The callbacks are part of the object for the cycle collector (a closure that uses $server).
HashTable* server_get_gc(zend_object* obj, zval** table, int* n) {
  ServerState* s = server_from(obj)->state;
  zend_get_gc_buffer* buf = zend_get_gc_buffer_create();
  if (s) {
    for (auto& cb : s->callbacks) {
      if (cb) zend_get_gc_buffer_add_zval(buf, cb->value());
    }
    for (auto& cb : s->commands) zend_get_gc_buffer_add_zval(buf, cb->value());
    for (zend_object* process : s->processes) zend_get_gc_buffer_add_obj(buf, process);
    for (zend_object* port : s->ports) zend_get_gc_buffer_add_obj(buf, port);
  }
  zend_get_gc_buffer_use(buf, table, n);
  return zend_std_get_properties(obj);
}

}  // namespace

void add_port(zend_object* obj, ServerState* s, swkit::Port* port, bool primary, zval* out) {
  zval zport;
  port_create(obj, port, primary, &zport);
  GC_ADDREF(Z_OBJ(zport));
  s->ports.push_back(Z_OBJ(zport));
  // $server->ports[] = $port
  zval list;
  copy_array_property(obj, "ports", &list);
  Z_ADDREF(zport);
  add_next_index_zval(&list, &zport);
  zend_update_property(server_ce, obj, ZEND_STRL("ports"), &list);
  zval_ptr_dtor(&list);
  if (out) {
    ZVAL_COPY_VALUE(out, &zport);
  } else {
    zval_ptr_dtor(&zport);
  }
}

ServerState* running_server() {
  return g_running;
}

void server_minit(zend_class_entry* ce) {
  server_ce = ce;
  register_state_class<ServerState>(ce, server_free, server_get_gc);
}

}  // namespace swkit::php

using swkit::php::checked;
using swkit::php::running;
using swkit::php::ServerState;

// Before start. Swoole binds in the constructor; core binds in start(), so port 0 is resolved
// there ($server->port shows the bound port in the callbacks).
ZEND_METHOD(Swoole_Server, __construct) {
  zend_string* host = nullptr;
  zend_long port = 0;
  zend_long mode = static_cast<zend_long>(swkit::Mode::Process);
  zend_long sock_type = swkit::kSockTcp;
  ZEND_PARSE_PARAMETERS_START(0, 4)
  Z_PARAM_OPTIONAL
  Z_PARAM_STR(host)
  Z_PARAM_LONG(port)
  Z_PARAM_LONG(mode)
  Z_PARAM_LONG(sock_type)
  ZEND_PARSE_PARAMETERS_END();

  ServerState* s = swkit::php::state_of(ZEND_THIS);
  if (s->server) {
    zend_throw_error(nullptr, "Constructor of %s can only be called once",
                     swkit::php::class_name(ZEND_THIS));
    RETURN_THROWS();
  }
  if (mode != static_cast<zend_long>(swkit::Mode::Base) &&
      mode != static_cast<zend_long>(swkit::Mode::Process)) {
    zend_throw_error(nullptr, "invalid $mode parameters %d", static_cast<int>(mode));
    RETURN_THROWS();
  }
  if (port < 0 || port > 65535) {
    zend_argument_value_error(2, "must be between 0 and 65535");
    RETURN_THROWS();
  }
  const std::string h = host ? std::string(ZSTR_VAL(host), ZSTR_LEN(host)) : "0.0.0.0";
  s->server = std::make_unique<swkit::Server>(
      h, static_cast<int>(port), static_cast<swkit::Mode>(mode), static_cast<int>(sock_type));
  zend_object* obj = Z_OBJ_P(ZEND_THIS);
  zend_update_property_stringl(swkit::php::server_ce, obj, ZEND_STRL("host"), h.data(), h.size());
  swkit::php::update_long(obj, "port", port);
  swkit::php::update_long(obj, "mode", mode);
  swkit::php::update_long(obj, "type", sock_type);
  swkit::php::add_port(obj, s, s->server->ports()[0], true);
  zval connections;
  swkit::php::connection_iterator_create(obj, &connections);
  zend_update_property(swkit::php::server_ce, obj, ZEND_STRL("connections"), &connections);
  zval_ptr_dtor(&connections);
}

namespace swkit::php {

bool settings_from_array(HashTable* arr, swkit::Settings& out) {
  zend_string* key;
  zend_ulong index;
  zval* value;
  ZEND_HASH_FOREACH_KEY_VAL(arr, index, key, value) {
    if (!key) {
      php_error_docref(nullptr, E_WARNING,
                       "setting names are strings, got the index " ZEND_ULONG_FMT, index);
      return false;
    }
    const std::string k(ZSTR_VAL(key), ZSTR_LEN(key));
    ZVAL_DEREF(value);
    if (k == "enable_coroutine") {
      continue;  // the PHP layer's own setting (Server::set), not core's
    }
    switch (Z_TYPE_P(value)) {
      case IS_TRUE:
        out[k] = true;
        break;
      case IS_FALSE:
        out[k] = false;
        break;
      case IS_LONG:
        out[k] = static_cast<long long>(Z_LVAL_P(value));
        break;
      case IS_DOUBLE:
        out[k] = Z_DVAL_P(value);
        break;
      case IS_STRING:
        out[k] = std::string(Z_STRVAL_P(value), Z_STRLEN_P(value));
        break;
      default:
        php_error_docref(nullptr, E_WARNING, "'%s' must be a bool, int, float or string, got %s",
                         k.c_str(), zend_zval_type_name(value));
        return false;
    }
  }
  ZEND_HASH_FOREACH_END();
  return true;
}

void config_warning(const swkit::ConfigError& e) {
  std::string_view why = e.what();
  for (std::string_view prefix : {"set(): ", "Port::set(): "}) {
    if (why.rfind(prefix, 0) == 0) why.remove_prefix(prefix.size());
  }
  php_error_docref(nullptr, E_WARNING, "%.*s", static_cast<int>(why.size()), why.data());
}

void merge_setting_property(zend_class_entry* ce, zend_object* obj, zval* zset) {
  zval rv;
  zval* current = zend_read_property(ce, obj, ZEND_STRL("setting"), 1, &rv);
  zval merged;
  array_init(&merged);
  if (Z_TYPE_P(current) == IS_ARRAY) php_array_merge(Z_ARRVAL(merged), Z_ARRVAL_P(current));
  php_array_merge(Z_ARRVAL(merged), Z_ARRVAL_P(zset));
  zend_update_property(ce, obj, ZEND_STRL("setting"), &merged);
  zval_ptr_dtor(&merged);
}

bool server_set(zend_object* obj, zval* zset) {
  ServerState* s = server_from(obj)->state;
  if (s->started) {
    php_error_docref(nullptr, E_WARNING, "server is running, unable to execute %s->set",
                     ZSTR_VAL(obj->ce->name));
    return false;
  }
  swkit::Settings settings;
  if (!settings_from_array(Z_ARRVAL_P(zset), settings)) return false;
  zval* coroutines = zend_hash_str_find(Z_ARRVAL_P(zset), ZEND_STRL("enable_coroutine"));
  try {
    s->server->set(settings);
  } catch (const swkit::ConfigError& e) {
    config_warning(e);
    return false;
  }
  if (coroutines) s->coroutines = zend_is_true(coroutines);
  merge_setting_property(server_ce, obj, zset);  // $this->setting = array_merge(...)
  return true;
}

bool server_on(zend_object* obj, zend_string* name, zval* callable) {
  ServerState* s = server_from(obj)->state;
  if (s->started) {
    php_error_docref(nullptr, E_WARNING,
                     "server is running, unable to register event callback function");
    return false;
  }
  const int ev = find_event(name);
  if (ev == -2) {
    php_error_docref(nullptr, E_WARNING, "event '%s' is not supported by swkit yet",
                     ZSTR_VAL(name));
    return false;
  }
  if (ev < 0) {
    php_error_docref(nullptr, E_WARNING, "unknown event types[%s]", ZSTR_VAL(name));
    return false;
  }
  s->callbacks[ev] = std::make_unique<Callable>(callable);
  bind_event(obj, *s->server, static_cast<Event>(ev));
  return true;
}

}  // namespace swkit::php

// Before start. Values map onto core's settings as bool, int, float or string; a setting core
// refuses (unknown key, out of range, a Swoole key swkit does not build) is a warning naming it,
// and the call
// changes nothing.
ZEND_METHOD(Swoole_Server, set) {
  zval* zset;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_ARRAY(zset)
  ZEND_PARSE_PARAMETERS_END();
  if (!checked(ZEND_THIS)) RETURN_THROWS();
  RETURN_BOOL(swkit::php::server_set(Z_OBJ_P(ZEND_THIS), zset));
}

// Before start. Any PHP callable; a second call for the same event replaces the first.
ZEND_METHOD(Swoole_Server, on) {
  zend_string* name;
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_STR(name)
  Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  if (!checked(ZEND_THIS)) RETURN_THROWS();
  RETURN_BOOL(swkit::php::server_on(Z_OBJ_P(ZEND_THIS), name, &fci.function_name));
}

// Any process: the callable given to on(), or null.
ZEND_METHOD(Swoole_Server, getCallback) {
  zend_string* name;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_STR(name)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  const int ev = swkit::php::find_event(name);
  if (ev < 0 || !s->callbacks[ev]) RETURN_NULL();
  RETURN_COPY(s->callbacks[ev]->value());
}

// Swoole 4's alias of Swoole\Event::defer() (the seed: gone since Swoole 5; kept so that older
// code runs). Runs the callback on this process's loop after the current callback.
ZEND_METHOD(Swoole_Server, defer) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  swkit::php::defer(&fci.function_name);
}

// The seed's getSocket(): a \Socket on the server's own port (bound now if start() has not).
ZEND_METHOD(Swoole_Server, getSocket) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  swkit::php::port_socket(s->ports[0], return_value);
  swkit::php::update_long(Z_OBJ_P(ZEND_THIS), "port", s->server->port());  // port 0 resolved
}

// Before start. The handler gets ($server, $data) (data as command() json-encoded it) and
// returns a string.
ZEND_METHOD(Swoole_Server, addCommand) {
  zend_string* name;
  zend_long types;
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(3, 3)
  Z_PARAM_STR(name)
  Z_PARAM_LONG(types)
  Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  if (s->started) {
    php_error_docref(nullptr, E_WARNING, "server is running, can't add command");
    RETURN_FALSE;
  }
  if (types & swkit::kCommandReactorThread) {
    php_error_docref(nullptr, E_WARNING, "only support worker/task_worker process");
    RETURN_FALSE;
  }
  auto cb = std::make_unique<swkit::php::Callable>(&fci.function_name);
  swkit::php::Callable* handler = cb.get();
  zend_object* obj = Z_OBJ_P(ZEND_THIS);
  const bool added = s->server->addCommand(
      std::string_view(ZSTR_VAL(name), ZSTR_LEN(name)), static_cast<int>(types),
      [obj, handler](swkit::Server&, std::string_view data) -> std::string {
        swkit::php::sync_process(obj, swkit::php::server_from(obj)->state);
        zval args[2];
        ZVAL_OBJ(&args[0], obj);
        ZVAL_STRINGL_FAST(&args[1], data.data(), data.size());
        zval ret;
        handler->call(2, args, &ret);
        zval_ptr_dtor(&args[1]);
        std::string out = Z_TYPE(ret) == IS_STRING
                              ? std::string(Z_STRVAL(ret), Z_STRLEN(ret))
                              : std::string("{\"data\": \"wrong return type\", \"code\": -2}");
        zval_ptr_dtor(&ret);
        return out;
      });
  if (!added) RETURN_FALSE;
  s->commands.push_back(std::move(cb));
  RETURN_TRUE;
}

// Before start. The manager starts the process after the workers, restarts it when it exits and
// stops it with SIGTERM at shutdown; it is never reloaded. Returns its index among user
// processes ($process->id).
ZEND_METHOD(Swoole_Server, addProcess) {
  zval* process;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_OBJECT_OF_CLASS(process, swkit::php::process_ce)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  if (s->started) {
    php_error_docref(nullptr, E_WARNING, "server is running, can't add process");
    RETURN_FALSE;
  }
  zend_object* obj = Z_OBJ_P(ZEND_THIS);
  zend_object* proc = Z_OBJ_P(process);
  GC_ADDREF(proc);
  s->processes.push_back(proc);
  const int index = s->server->addProcess([obj, proc](swkit::Server&, int) {
    swkit::php::sync_process(obj, swkit::php::server_from(obj)->state);
    swkit::php::process_run_body(proc, -1);
  });
  zend_update_property_long(swkit::php::process_ce, proc, ZEND_STRL("id"), index);
  RETURN_LONG(index);
}

// Before start. Binds at once ($port->port is the bound port, also for port 0). False with
// Swoole's warning when the address cannot be bound or the type is not built yet (SSL).
ZEND_METHOD(Swoole_Server, addListener) {
  zend_string* host;
  zend_long port;
  zend_long sock_type;
  ZEND_PARSE_PARAMETERS_START(3, 3)
  Z_PARAM_STR(host)
  Z_PARAM_LONG(port)
  Z_PARAM_LONG(sock_type)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  if (s->started) {
    php_error_docref(nullptr, E_WARNING, "server is running, can't add listener");
    RETURN_FALSE;
  }
  if (port < 0 || port > 65535) {
    zend_argument_value_error(2, "must be between 0 and 65535");
    RETURN_THROWS();
  }
  swkit::Port* p = s->server->addListener(std::string(ZSTR_VAL(host), ZSTR_LEN(host)),
                                          static_cast<int>(port), static_cast<int>(sock_type));
  if (!p) {
    const int err = s->server->getLastError();
    php_error_docref(nullptr, E_WARNING,
                     "failed to listen server port[%s:" ZEND_LONG_FMT "], Error: %s[%d]",
                     ZSTR_VAL(host), port, std::strerror(err), err);
    RETURN_FALSE;
  }
  swkit::php::add_port(Z_OBJ_P(ZEND_THIS), s, p, false, return_value);
}

// Before start, in the process that becomes the master. Returns true after shutdown, false at
// once when the server cannot start (a warning says why). Never returns in the processes core
// forks: they leave through core's exit path when they stop.
ZEND_METHOD(Swoole_Server, start) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  const char* cls = swkit::php::class_name(ZEND_THIS);
  if (s->finished) {
    php_error_docref(nullptr, E_WARNING, "server have been shutdown, unable to execute %s->start()",
                     cls);
    RETURN_FALSE;
  }
  if (s->started) {
    php_error_docref(nullptr, E_WARNING, "server is running, unable to execute %s->start()", cls);
    RETURN_FALSE;
  }
  if (swkit::php::g_running) {
    php_error_docref(nullptr, E_WARNING, "eventLoop has already been created, unable to start %s",
                     cls);
    RETURN_FALSE;
  }
  // The callbacks the seed requires, checked here so that PHP sees the reason.
  if (const std::string missing = s->server->missingHandler(); !missing.empty()) {
    php_error_docref(nullptr, E_WARNING, "%s", missing.c_str());
    swkit::set_last_error(swkit::kErrInvalidParams);
    RETURN_FALSE;
  }
  // The admin endpoint (admin-api/README.md), attached after the script's own addCommand()
  // calls so that a command of the same name as a built-in one stays the script's.
  if (s->server->setting().count("admin_server")) swkit::admin::attach(*s->server);
  s->started = true;
  swkit::php::g_running = s;
  const bool ok = s->server->start();
  // Only the master gets here.
  swkit::php::g_running = nullptr;
  if (!ok) {
    s->started = false;
    const int code = swkit::last_error();
    php_error_docref(nullptr, E_WARNING, "failed to start server. Error: %s[%d]",
                     swkit::strerror(code).c_str(), code);
    RETURN_FALSE;
  }
  s->finished = true;
  RETURN_TRUE;
}

// Worker (event worker, or any process for BASE-mode connections it does not own: core routes
// it). $fd is a session id; a unix-socket path (Swoole's UnixSocket DGRAM) is not supported yet.
// Worker, task worker, user process: one datagram from a UDP port of the server (server_socket:
// $clientInfo['server_socket'] of onPacket; -1 the first UDP or UDP6 port for the address).
ZEND_METHOD(Swoole_Server, sendto) {
  zend_string* ip;
  zend_long port;
  zend_string* data;
  zend_long server_socket = -1;
  ZEND_PARSE_PARAMETERS_START(3, 4)
  Z_PARAM_STR(ip)
  Z_PARAM_LONG(port)
  Z_PARAM_STR(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(server_socket)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  if (port < 0 || port > 65535) {
    zend_argument_value_error(2, "must be between 0 and 65535");
    RETURN_THROWS();
  }
  RETURN_BOOL(s->server->sendto(
      std::string_view(ZSTR_VAL(ip), ZSTR_LEN(ip)), static_cast<int>(port),
      std::string_view(ZSTR_VAL(data), ZSTR_LEN(data)), static_cast<int>(server_socket)));
}

ZEND_METHOD(Swoole_Server, send) {
  zend_string* fd_str = nullptr;
  zend_long fd = 0;
  zend_string* data;
  zend_long server_socket = -1;
  ZEND_PARSE_PARAMETERS_START(2, 3)
  Z_PARAM_STR_OR_LONG(fd_str, fd)
  Z_PARAM_STR(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(server_socket)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  if (fd_str) {
    zend_ulong numeric = 0;
    if (ZEND_HANDLE_NUMERIC_STR(ZSTR_VAL(fd_str), ZSTR_LEN(fd_str), numeric)) {
      fd = static_cast<zend_long>(numeric);
    } else {
      // A unix datagram peer's path (onPacket's $clientInfo['address']): one datagram from
      // the UNIX_DGRAM port $serverSocket (or the first one).
      if (ZSTR_LEN(data) == 0) {
        php_error_docref(nullptr, E_WARNING, "data is empty");
        RETURN_FALSE;
      }
      RETURN_BOOL(s->server->sendto(std::string_view(ZSTR_VAL(fd_str), ZSTR_LEN(fd_str)), 0,
                                    std::string_view(ZSTR_VAL(data), ZSTR_LEN(data)),
                                    static_cast<int>(server_socket)));
    }
  }
  if (ZSTR_LEN(data) == 0) {
    php_error_docref(nullptr, E_WARNING, "data is empty");
    RETURN_FALSE;
  }
  if (fd <= 0) {
    php_error_docref(nullptr, E_WARNING, "invalid fd[" ZEND_LONG_FMT "]", fd);
    RETURN_FALSE;
  }
  RETURN_BOOL(s->server->send(fd, std::string_view(ZSTR_VAL(data), ZSTR_LEN(data))));
}

// Worker. onClose runs in the worker that owns the connection.
ZEND_METHOD(Swoole_Server, close) {
  zend_long fd;
  bool reset = false;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_LONG(fd)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(reset)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(s->server->close(fd, reset));
}

namespace {

// The body of the methods that take one fd and answer true or false (exist, pause, resume,
// confirm).
template <typename Call>
void fd_method(INTERNAL_FUNCTION_PARAMETERS, Call call) {
  zend_long fd;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(fd)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(call(*s->server, fd));
}

}  // namespace

// Any process, from shared memory.
ZEND_METHOD(Swoole_Server, exist) {
  fd_method(INTERNAL_FUNCTION_PARAM_PASSTHRU,
            [](swkit::Server& srv, swkit::SessionId fd) { return srv.exist(fd); });
}

// Worker: stop and restart reading a client.
ZEND_METHOD(Swoole_Server, pause) {
  fd_method(INTERNAL_FUNCTION_PARAM_PASSTHRU,
            [](swkit::Server& srv, swkit::SessionId fd) { return srv.pause(fd); });
}

ZEND_METHOD(Swoole_Server, resume) {
  fd_method(INTERNAL_FUNCTION_PARAM_PASSTHRU,
            [](swkit::Server& srv, swkit::SessionId fd) { return srv.resume(fd); });
}

// Any process: a protected connection is left alone by the heartbeat.
ZEND_METHOD(Swoole_Server, protect) {
  zend_long fd;
  bool is_protected = true;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_LONG(fd)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(is_protected)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(s->server->protect(fd, is_protected));
}

// Worker: $length bytes (0: the rest) of $filename from $offset, after what is queued; false
// when the file cannot be read or the range is outside it.
ZEND_METHOD(Swoole_Server, sendfile) {
  zend_long fd;
  zend_string* filename;
  zend_long offset = 0;
  zend_long length = 0;
  ZEND_PARSE_PARAMETERS_START(2, 4)
  Z_PARAM_LONG(fd)
  Z_PARAM_STR(filename)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(offset)
  Z_PARAM_LONG(length)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(
      s->server->sendfile(fd, std::string(ZSTR_VAL(filename), ZSTR_LEN(filename)), offset, length));
}

// SWOOLE_BASE worker: sends $data and returns once it has all left (a warning and false in
// SWOOLE_PROCESS mode).
ZEND_METHOD(Swoole_Server, sendwait) {
  zend_long fd;
  zend_string* data;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_LONG(fd)
  Z_PARAM_STR(data)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  if (s->server->mode() != swkit::Mode::Base) {
    php_error_docref(nullptr, E_WARNING, "can't sendwait in SWOOLE_PROCESS mode");
    swkit::set_last_error(swkit::kErrWrongOperation);
    RETURN_FALSE;
  }
  RETURN_BOOL(s->server->sendwait(fd, std::string_view(ZSTR_VAL(data), ZSTR_LEN(data))));
}

// Worker: starts reading a connection held back by enable_delay_receive.
ZEND_METHOD(Swoole_Server, confirm) {
  fd_method(INTERNAL_FUNCTION_PARAM_PASSTHRU,
            [](swkit::Server& srv, swkit::SessionId fd) { return srv.confirm(fd); });
}

// Any process, in shared memory: binds the connection to $uid for dispatch_mode 5 (not 0; between
// -2147483648 and 4294967295, a negative one stored as its unsigned 32-bit value). Once.
ZEND_METHOD(Swoole_Server, bind) {
  zend_long fd;
  zend_long uid;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_LONG(fd)
  Z_PARAM_LONG(uid)
  ZEND_PARSE_PARAMETERS_END();
  if (uid < INT32_MIN || uid > static_cast<zend_long>(UINT32_MAX)) {
    zend_argument_value_error(2, "must be between -2147483648 and 4294967295");
    RETURN_THROWS();
  }
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(s->server->bind(fd, static_cast<uint32_t>(uid)));
}

// Any process, from shared memory: the seed's 15 fields (and uid once bound), or false for a
// closed/unknown fd.
ZEND_METHOD(Swoole_Server, getClientInfo) {
  zend_long fd;
  zend_long reactor_id = -1;
  bool ignore_error = false;
  ZEND_PARSE_PARAMETERS_START(1, 3)
  Z_PARAM_LONG(fd)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(reactor_id)
  Z_PARAM_BOOL(ignore_error)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  swkit::ClientInfo info;
  if (!s->server->getClientInfo(fd, info)) RETURN_FALSE;
  array_init_size(return_value, 15);
  add_assoc_long(return_value, "server_port", info.server_port);
  add_assoc_long(return_value, "server_fd", info.server_fd);
  add_assoc_long(return_value, "socket_fd", info.socket_fd);
  add_assoc_long(return_value, "socket_type", info.socket_type);
  add_assoc_long(return_value, "remote_port", info.remote_port);
  add_assoc_stringl(return_value, "remote_ip", info.remote_ip.data(), info.remote_ip.size());
  add_assoc_long(return_value, "reactor_id", info.reactor_id);
  add_assoc_long(return_value, "connect_time", info.connect_time);
  add_assoc_long(return_value, "last_time", info.last_time);
  add_assoc_double(return_value, "last_recv_time", info.last_recv_time);
  add_assoc_double(return_value, "last_send_time", info.last_send_time);
  add_assoc_double(return_value, "last_dispatch_time", info.last_dispatch_time);
  add_assoc_long(return_value, "close_errno", info.close_errno);
  add_assoc_long(return_value, "recv_queued_bytes", info.recv_queued_bytes);
  add_assoc_long(return_value, "send_queued_bytes", info.send_queued_bytes);
  if (info.uid != 0) add_assoc_long(return_value, "uid", info.uid);  // after bind(), as Swoole
}

// Any process: up to $find_count (at most 100) connected fds greater than $start_fd,
// ascending.
ZEND_METHOD(Swoole_Server, getClientList) {
  zend_long start_fd = 0;
  zend_long find_count = 10;
  ZEND_PARSE_PARAMETERS_START(0, 2)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(start_fd)
  Z_PARAM_LONG(find_count)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  if (find_count > 100) {
    php_error_docref(nullptr, E_WARNING, "swoole_connection_list max_find_count=100");
    RETURN_FALSE;
  }
  std::vector<swkit::SessionId> fds;
  if (!s->server->getClientList(start_fd, static_cast<int>(find_count), fds)) RETURN_FALSE;
  array_init_size(return_value, static_cast<uint32_t>(fds.size()));
  for (swkit::SessionId fd : fds) add_next_index_long(return_value, fd);
}

// Worker: the sessions idle for heartbeat_idle_time, closed unless told not to.
ZEND_METHOD(Swoole_Server, heartbeat) {
  bool close_connection = true;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(close_connection)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  std::vector<swkit::SessionId> fds;
  if (!s->server->heartbeat(close_connection, fds)) RETURN_FALSE;
  array_init_size(return_value, static_cast<uint32_t>(fds.size()));
  for (swkit::SessionId fd : fds) add_next_index_long(return_value, fd);
}

// Any process. worker_* describe the calling process.
ZEND_METHOD(Swoole_Server, stats) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = running(ZEND_THIS);
  if (!s) {
    if (EG(exception)) RETURN_THROWS();
    RETURN_EMPTY_ARRAY();
  }
  const swkit::ServerStats st = s->server->stats();
  zval* rv = return_value;
  array_init_size(rv, 32);
  add_assoc_long(rv, "start_time", st.start_time);
  add_assoc_long(rv, "connection_num", st.connection_num);
  add_assoc_long(rv, "abort_count", st.abort_count);
  add_assoc_long(rv, "accept_count", st.accept_count);
  add_assoc_long(rv, "close_count", st.close_count);
  add_assoc_long(rv, "worker_num", st.worker_num);
  add_assoc_long(rv, "task_worker_num", st.task_worker_num);
  add_assoc_long(rv, "user_worker_num", st.user_worker_num);
  add_assoc_long(rv, "idle_worker_num", st.idle_worker_num);
  add_assoc_long(rv, "dispatch_count", st.dispatch_count);
  add_assoc_long(rv, "request_count", st.request_count);
  add_assoc_long(rv, "response_count", st.response_count);
  add_assoc_long(rv, "total_recv_bytes", st.total_recv_bytes);
  add_assoc_long(rv, "total_send_bytes", st.total_send_bytes);
  add_assoc_long(rv, "pipe_packet_msg_id", st.pipe_packet_msg_id);
  add_assoc_long(rv, "concurrency", st.concurrency);
  add_assoc_long(rv, "session_round", st.session_round);
  add_assoc_long(rv, "min_fd", st.min_fd);
  add_assoc_long(rv, "max_fd", st.max_fd);
  add_assoc_long(rv, "worker_request_count", st.worker_request_count);
  add_assoc_long(rv, "worker_response_count", st.worker_response_count);
  add_assoc_long(rv, "worker_dispatch_count", st.worker_dispatch_count);
  add_assoc_long(rv, "worker_concurrency", st.worker_concurrency);
  add_assoc_long(rv, "task_idle_worker_num", st.task_idle_worker_num);
  add_assoc_long(rv, "tasking_num", st.tasking_num);
  add_assoc_long(rv, "task_count", st.task_count);
  add_assoc_long(rv, "coroutine_num", st.coroutine_num);
  add_assoc_long(rv, "coroutine_peek_num", st.coroutine_peek_num);
  add_assoc_long(rv, "task_queue_num", st.task_queue_num);
  add_assoc_long(rv, "task_queue_bytes", st.task_queue_bytes);
}

// Any process: the calling worker's id (task workers and user processes follow the event
// workers), false in the master and the manager.
ZEND_METHOD(Swoole_Server, getWorkerId) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  const int id = s->server->getWorkerId();
  if (id < 0) RETURN_FALSE;
  RETURN_LONG(id);
}

ZEND_METHOD(Swoole_Server, getWorkerPid) {
  zend_long worker_id = -1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(worker_id)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  const pid_t pid = s->server->getWorkerPid(static_cast<int>(worker_id));
  if (pid <= 0) RETURN_FALSE;
  RETURN_LONG(pid);
}

ZEND_METHOD(Swoole_Server, getWorkerStatus) {
  zend_long worker_id = -1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(worker_id)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  const int status = s->server->getWorkerStatus(static_cast<int>(worker_id));
  if (status <= 0) RETURN_FALSE;
  RETURN_LONG(status);
}

ZEND_METHOD(Swoole_Server, getMasterPid) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  RETURN_LONG(std::max(0, static_cast<int>(s->server->getMasterPid())));
}

ZEND_METHOD(Swoole_Server, getManagerPid) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = checked(ZEND_THIS);
  if (!s) RETURN_THROWS();
  RETURN_LONG(std::max(0, static_cast<int>(s->server->getManagerPid())));
}

// Any process: the code of the last failed call in this process (see swoole_strerror()).
ZEND_METHOD(Swoole_Server, getLastError) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(swkit::last_error());
}

// Any process (after start): SIGTERM to the master.
ZEND_METHOD(Swoole_Server, shutdown) {
  ZEND_PARSE_PARAMETERS_NONE();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(s->server->shutdown());
}

// Any process (after start): a tracked reload; false while another one runs.
ZEND_METHOD(Swoole_Server, reload) {
  bool only_task = false;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(only_task)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(s->server->reload(only_task));
}

// Worker: stops the calling worker (-1) or sends SIGTERM to another one.
ZEND_METHOD(Swoole_Server, stop) {
  zend_long worker_id = -1;
  bool wait_event = false;
  ZEND_PARSE_PARAMETERS_START(0, 2)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(worker_id)
  Z_PARAM_BOOL(wait_event)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  RETURN_BOOL(s->server->stop(static_cast<int>(worker_id), wait_event));
}

// Event worker (master, manager and user processes: one-way). $finishCallback replaces
// onFinish for this task.
ZEND_METHOD(Swoole_Server, task) {
  zval* data;
  zend_long dst = -1;
  zend_fcall_info fci = empty_fcall_info;
  zend_fcall_info_cache fcc = empty_fcall_info_cache;
  ZEND_PARSE_PARAMETERS_START(1, 3)
  Z_PARAM_ZVAL(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(dst)
  Z_PARAM_FUNC_OR_NULL(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  swkit::Server& srv = *s->server;
  const long long task_workers = swkit::php::setting_int(srv, "task_worker_num", 0);
  if (task_workers <= 0) {
    php_error_docref(nullptr, E_WARNING, "task method can't be executed without task worker");
    RETURN_FALSE;
  }
  if (dst >= task_workers) {
    php_error_docref(nullptr, E_WARNING, "worker_id must be less than task_worker_num[%lld]",
                     task_workers);
    RETURN_FALSE;
  }
  if (srv.isTaskWorker()) {
    php_error_docref(nullptr, E_WARNING, "Server->task() cannot use in the task-worker");
    RETURN_FALSE;
  }
  std::string payload;
  if (!swkit::php::encode_value(data, payload)) RETURN_THROWS();
  swkit::Server::FinishHandler on_finish;
  if (ZEND_FCI_INITIALIZED(fci)) {
    std::shared_ptr<swkit::php::Callable> cb =
        std::make_shared<swkit::php::Callable>(&fci.function_name);
    zend_object* obj = Z_OBJ_P(ZEND_THIS);
    on_finish = [obj, cb](swkit::Server&, swkit::TaskId id, std::string_view result) {
      zval args[3];
      ZVAL_OBJ(&args[0], obj);
      ZVAL_LONG(&args[1], static_cast<zend_long>(id));
      swkit::php::decode_value(result, &args[2]);
      zval ret;
      cb->call(3, args, &ret);
      zval_ptr_dtor(&ret);
      zval_ptr_dtor(&args[2]);
    };
  }
  const int64_t id = srv.task(payload, static_cast<int>(dst), std::move(on_finish));
  if (id < 0) RETURN_FALSE;
  RETURN_LONG(id);
}

// Event worker: blocks for the result at most $timeout seconds; false on timeout.
ZEND_METHOD(Swoole_Server, taskwait) {
  zval* data;
  double timeout = 0.5;
  zend_long dst = -1;
  ZEND_PARSE_PARAMETERS_START(1, 3)
  Z_PARAM_ZVAL(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_DOUBLE(timeout)
  Z_PARAM_LONG(dst)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  swkit::Server& srv = *s->server;
  if (!swkit::php::in_event_worker(srv)) {
    php_error_docref(nullptr, E_WARNING, "taskwait method can only be used in the worker process");
    RETURN_FALSE;
  }
  const long long task_workers = swkit::php::setting_int(srv, "task_worker_num", 0);
  if (task_workers <= 0) {
    php_error_docref(nullptr, E_WARNING, "task method can't be executed without task worker");
    RETURN_FALSE;
  }
  if (dst >= task_workers) {
    php_error_docref(nullptr, E_WARNING, "worker_id must be less than task_worker_num[%lld]",
                     task_workers);
    RETURN_FALSE;
  }
  std::string payload;
  if (!swkit::php::encode_value(data, payload)) RETURN_THROWS();
  zend_object* fiber = swkit::php::current_fiber();
  if (fiber && dst < 0) {
    // In a coroutine: the worker keeps serving while the task runs. (Core's non-blocking task
    // group picks the task workers itself: with a $taskWorkerIndex the call blocks, as outside.)
    zval results;
    if (!swkit::php::task_group_in_fiber(srv, fiber, {std::move(payload)}, timeout, &results)) {
      if (EG(exception)) RETURN_THROWS();
      RETURN_FALSE;
    }
    zval* first = zend_hash_index_find(Z_ARRVAL(results), 0);
    if (first) RETVAL_COPY(first);
    zval_ptr_dtor(&results);
    if (!first) RETURN_FALSE;
    return;
  }
  std::optional<std::string> result = srv.taskwait(payload, timeout, static_cast<int>(dst));
  if (!result) RETURN_FALSE;
  swkit::php::decode_value(*result, return_value);
}

// Event worker: every task at once; one result per task by position, false for a failed or
// timed-out one. In a coroutine the worker keeps serving meanwhile; elsewhere it blocks.
ZEND_METHOD(Swoole_Server, taskCo) {
  zval* tasks;
  double timeout = 0.5;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_ARRAY(tasks)
  Z_PARAM_OPTIONAL
  Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  swkit::Server& srv = *s->server;
  if (!swkit::php::in_event_worker(srv)) {
    php_error_docref(nullptr, E_WARNING, "taskCo method can only be used in the worker process");
    RETURN_FALSE;
  }
  if (zend_hash_num_elements(Z_ARRVAL_P(tasks)) >= 1024) {
    php_error_docref(nullptr, E_WARNING, "too many concurrent tasks");
    RETURN_FALSE;
  }
  std::vector<std::string> payloads;
  zval* task;
  ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(tasks), task) {
    std::string payload;
    if (!swkit::php::encode_value(task, payload)) RETURN_THROWS();
    payloads.push_back(std::move(payload));
  }
  ZEND_HASH_FOREACH_END();
  if (zend_object* fiber = swkit::php::current_fiber()) {
    if (!swkit::php::task_group_in_fiber(srv, fiber, std::move(payloads), timeout, return_value)) {
      if (EG(exception)) RETURN_THROWS();
      RETURN_FALSE;
    }
    return;
  }
  const auto results = srv.taskCo(payloads, timeout);
  swkit::php::results_array(results, return_value);
}

// Event worker: every task at once; results by position, timed-out ones absent.
ZEND_METHOD(Swoole_Server, taskWaitMulti) {
  zval* tasks;
  double timeout = 0.5;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_ARRAY(tasks)
  Z_PARAM_OPTIONAL
  Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  swkit::Server& srv = *s->server;
  if (!swkit::php::in_event_worker(srv)) {
    php_error_docref(nullptr, E_WARNING,
                     "taskWaitMulti method can only be used in the worker process");
    RETURN_FALSE;
  }
  if (zend_hash_num_elements(Z_ARRVAL_P(tasks)) >= 1024) {
    php_error_docref(nullptr, E_WARNING, "too many concurrent tasks");
    RETURN_FALSE;
  }
  std::vector<std::string> payloads;
  zval* task;
  ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(tasks), task) {
    std::string payload;
    if (!swkit::php::encode_value(task, payload)) RETURN_THROWS();
    payloads.push_back(std::move(payload));
  }
  ZEND_HASH_FOREACH_END();
  const std::map<size_t, std::string> results = srv.taskWaitMulti(payloads, timeout);
  array_init_size(return_value, static_cast<uint32_t>(results.size()));
  for (const auto& [index, result] : results) {
    zval v;
    swkit::php::decode_value(result, &v);
    add_index_zval(return_value, index, &v);
  }
}

// Task worker: sends a result for the current task (onFinish, or the task's callback).
ZEND_METHOD(Swoole_Server, finish) {
  zval* data;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_ZVAL(data)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  if (!s->server->isTaskWorker()) {
    php_error_docref(nullptr, E_WARNING,
                     "finish method can only be used in the task worker process");
    RETURN_FALSE;
  }
  std::string payload;
  if (!swkit::php::encode_value(data, payload)) RETURN_THROWS();
  RETURN_BOOL(s->server->finish(payload));
}

// Event worker, task worker, user process: onPipeMessage in $dst_worker_id.
ZEND_METHOD(Swoole_Server, sendMessage) {
  zval* message;
  zend_long dst;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_ZVAL(message)
  Z_PARAM_LONG(dst)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  swkit::Server& srv = *s->server;
  if (!s->callbacks[swkit::php::kOnPipeMessage]) {
    php_error_docref(nullptr, E_WARNING, "onPipeMessage is null, can't use sendMessage");
    RETURN_FALSE;
  }
  if (dst == srv.getWorkerId()) {
    php_error_docref(nullptr, E_WARNING, "can't send messages to self");
    RETURN_FALSE;
  }
  const long long processes = swkit::php::setting_int(srv, "worker_num", 0) +
                              swkit::php::setting_int(srv, "task_worker_num", 0);
  const swkit::ServerStats st = srv.stats();
  if (dst < 0 || dst >= std::max<long long>(processes, st.worker_num + st.task_worker_num)) {
    php_error_docref(nullptr, E_WARNING, "worker_id[%d] is invalid", static_cast<int>(dst));
    RETURN_FALSE;
  }
  std::string payload;
  if (!swkit::php::encode_value(message, payload)) RETURN_THROWS();
  RETURN_BOOL(srv.sendMessage(payload, static_cast<int>(dst)));
}

// Master: runs command $name in one process; $data goes json-encoded, the reply comes back
// json-decoded (as an array) unless $json_decode is false.
ZEND_METHOD(Swoole_Server, command) {
  zend_string* name;
  zend_long process_id;
  zend_long process_type;
  zval* data;
  bool json_decode = true;
  ZEND_PARSE_PARAMETERS_START(4, 5)
  Z_PARAM_STR(name)
  Z_PARAM_LONG(process_id)
  Z_PARAM_LONG(process_type)
  Z_PARAM_ZVAL(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(json_decode)
  ZEND_PARSE_PARAMETERS_END();
  ServerState* s = running(ZEND_THIS);
  if (!s) RETURN_FALSE;
  smart_str buf = {};
  if (php_json_encode(&buf, data, 0) != SUCCESS || !buf.s) {
    smart_str_free(&buf);
    RETURN_FALSE;
  }
  const std::string payload(ZSTR_VAL(buf.s), ZSTR_LEN(buf.s));
  smart_str_free(&buf);
  std::optional<std::string> reply =
      s->server->command(std::string_view(ZSTR_VAL(name), ZSTR_LEN(name)),
                         static_cast<int>(process_id), static_cast<int>(process_type), payload);
  if (!reply) RETURN_FALSE;
  if (!json_decode) RETURN_STRINGL(reply->data(), reply->size());
  if (php_json_decode_ex(return_value, reply->data(), reply->size(), PHP_JSON_OBJECT_AS_ARRAY,
                         PHP_JSON_PARSER_DEFAULT_DEPTH) != SUCCESS) {
    RETURN_FALSE;
  }
}

// Worker, task worker, user process (aliases of Swoole\Timer).
ZEND_METHOD(Swoole_Server, tick) {
  swkit::php::timer_method(INTERNAL_FUNCTION_PARAM_PASSTHRU, true);
}

ZEND_METHOD(Swoole_Server, after) {
  swkit::php::timer_method(INTERNAL_FUNCTION_PARAM_PASSTHRU, false);
}

ZEND_METHOD(Swoole_Server, clearTimer) {
  zend_long id;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(id)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::timer_clear(id));
}
