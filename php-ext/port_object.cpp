#include "port_object.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "main/php_network.h"
#include "server_object.h"
#include "state_object.h"
#include "swkit/errors.h"

namespace swkit::php {

zend_class_entry* port_ce = nullptr;

namespace {

// The events a non-primary port takes, in its callbacks' order.
constexpr Event kPortEvents[] = {kOnConnect, kOnReceive, kOnClose, kOnPacket};
constexpr int kPortEventCount = 4;

struct PortState {
  zend_object* server = nullptr;  // not a reference: the server holds one on this port
  swkit::Port* port = nullptr;    // owned by the server's swkit::Server; null once detached
  bool primary = false;
  std::array<std::unique_ptr<Callable>, kPortEventCount> callbacks;  // kPortEvents order
};

using PortObject = StateObject<PortState>;

PortObject* port_from(zend_object* obj) {
  return PortObject::from(obj);
}

HashTable* port_get_gc(zend_object* obj, zval** table, int* n) {
  PortState* p = port_from(obj)->state;
  zend_get_gc_buffer* buf = zend_get_gc_buffer_create();
  if (p) {
    for (auto& cb : p->callbacks) {
      if (cb) zend_get_gc_buffer_add_zval(buf, cb->value());
    }
  }
  zend_get_gc_buffer_use(buf, table, n);
  return zend_std_get_properties(obj);
}

// The state of a port whose server still exists, or nullptr with an Error thrown.
PortState* checked(zval* self) {
  PortState* p = port_from(Z_OBJ_P(self))->state;
  if (!p->port) {
    zend_throw_error(nullptr, "Swoole\\Server\\Port: its server no longer exists");
    return nullptr;
  }
  return p;
}

// The index in kPortEvents of a port event; -1 with a warning for any other.
int port_event(zend_string* name) {
  const int ev = find_event(name);
  for (int i = 0; i < kPortEventCount; i++) {
    if (ev == kPortEvents[i]) return i;
  }
  if (ev == -2) {
    php_error_docref(nullptr, E_WARNING, "event '%s' is not supported by swkit yet",
                     ZSTR_VAL(name));
  } else {
    php_error_docref(nullptr, E_WARNING, "unknown event types[%s]", ZSTR_VAL(name));
  }
  return -1;
}

}  // namespace

void port_minit(zend_class_entry* ce) {
  port_ce = ce;
  register_state_class<PortState>(ce, release_state_object<PortState>, port_get_gc);
}

void port_create(zend_object* server, swkit::Port* port, bool primary, zval* out) {
  object_init_ex(out, port_ce);
  zend_object* obj = Z_OBJ_P(out);
  PortState* p = port_from(obj)->state;
  p->server = server;
  p->port = port;
  p->primary = primary;
  const std::string& host = port->host();
  zend_update_property_stringl(port_ce, obj, ZEND_STRL("host"), host.data(), host.size());
  zend_update_property_long(port_ce, obj, ZEND_STRL("type"), port->type());
  port_sync(obj);
}

void port_sync(zend_object* obj) {
  PortState* p = port_from(obj)->state;
  if (!p || !p->port) return;
  zend_update_property_long(port_ce, obj, ZEND_STRL("port"), p->port->port());
  zend_update_property_long(port_ce, obj, ZEND_STRL("sock"), p->port->fd());
}

void port_socket(zend_object* port_obj, zval* return_value) {
  PortState* p = port_from(port_obj)->state;
  // ext-sockets makes the object (socket_import_stream), so swkit does not link against it.
  zval import;
  ZVAL_STRING(&import, "socket_import_stream");
  const bool have_sockets =
      zend_hash_str_exists(CG(function_table), ZEND_STRL("socket_import_stream"));
  if (!have_sockets) {
    zval_ptr_dtor(&import);
    php_error_docref(nullptr, E_WARNING,
                     "getSocket() needs PHP's sockets extension (extension=sockets)");
    RETURN_FALSE;
  }
  const int fd = p->port->socket();
  port_sync(port_obj);
  if (fd < 0) {
    zval_ptr_dtor(&import);
    const int err = swkit::last_error();
    php_error_docref(nullptr, E_WARNING, "no listening socket for %s:%d in this process: %s",
                     p->port->host().c_str(), p->port->port(), std::strerror(err));
    RETURN_FALSE;
  }
  // A duplicate: freeing the \Socket must not close the server's listener (socket options
  // set on it apply to the listener, which shares the open socket).
  const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  php_stream* stream = copy >= 0 ? php_stream_sock_open_from_socket(copy, nullptr) : nullptr;
  if (!stream) {
    if (copy >= 0) ::close(copy);
    zval_ptr_dtor(&import);
    php_error_docref(nullptr, E_WARNING, "getSocket(): %s", std::strerror(errno));
    RETURN_FALSE;
  }
  zval zstream;
  php_stream_to_zval(stream, &zstream);
  const bool called =
      call_user_function(nullptr, nullptr, &import, return_value, 1, &zstream) == SUCCESS;
  zval_ptr_dtor(&zstream);  // the \Socket keeps its own reference to the stream
  zval_ptr_dtor(&import);
  if (!called || Z_TYPE_P(return_value) != IS_OBJECT) {
    zval_ptr_dtor(return_value);
    RETURN_FALSE;
  }
}

void port_detach(zend_object* obj) {
  PortState* p = port_from(obj)->state;
  if (!p) return;
  p->port = nullptr;
  p->server = nullptr;
}

}  // namespace swkit::php

using swkit::php::PortState;

// Private: ports come from the server ($server->ports, addListener()).
ZEND_METHOD(Swoole_Server_Port, __construct) {
  ZEND_PARSE_PARAMETERS_NONE();
}

// Before start. The primary port: Server::set(). Another port: its protocol settings only (a
// warning names a key that is not one, and the call changes nothing).
ZEND_METHOD(Swoole_Server_Port, set) {
  zval* zset;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_ARRAY(zset)
  ZEND_PARSE_PARAMETERS_END();
  PortState* p = swkit::php::checked(ZEND_THIS);
  if (!p) RETURN_THROWS();
  if (p->primary) {
    if (swkit::php::server_set(p->server, zset)) {
      swkit::php::merge_setting_property(swkit::php::port_ce, Z_OBJ_P(ZEND_THIS), zset);
    }
    return;
  }
  swkit::Settings settings;
  if (!swkit::php::settings_from_array(Z_ARRVAL_P(zset), settings)) return;
  try {
    p->port->set(settings);
  } catch (const swkit::ConfigError& e) {
    swkit::php::config_warning(e);
    return;
  }
  swkit::php::merge_setting_property(swkit::php::port_ce, Z_OBJ_P(ZEND_THIS), zset);
}

// Before start. The primary port: Server::on(). Another port: connect, receive, close or packet,
// for its connections only.
ZEND_METHOD(Swoole_Server_Port, on) {
  zend_string* name;
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_STR(name)
  Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  PortState* p = swkit::php::checked(ZEND_THIS);
  if (!p) RETURN_THROWS();
  if (p->primary) RETURN_BOOL(swkit::php::server_on(p->server, name, &fci.function_name));
  if (swkit::php::server_from(p->server)->state->started) {
    php_error_docref(nullptr, E_WARNING,
                     "server is running, unable to register event callback function");
    RETURN_FALSE;
  }
  const int i = swkit::php::port_event(name);
  if (i < 0) RETURN_FALSE;
  const swkit::php::Event ev = swkit::php::kPortEvents[i];
  p->callbacks[i] = std::make_unique<swkit::php::Callable>(&fci.function_name);
  if (ev == swkit::php::kOnReceive) {
    p->port->on("receive", swkit::php::receive_handler(p->server, &p->callbacks[i]));
  } else if (ev == swkit::php::kOnPacket) {
    p->port->on("packet", swkit::php::packet_handler(p->server, &p->callbacks[i]));
  } else {
    p->port->on(ev == swkit::php::kOnConnect ? "connect" : "close",
                swkit::php::connection_handler(p->server, ev, &p->callbacks[i]));
  }
  RETURN_TRUE;
}

// Any process where the socket is open (the master; BASE-mode workers): the seed's getSocket().
ZEND_METHOD(Swoole_Server_Port, getSocket) {
  ZEND_PARSE_PARAMETERS_NONE();
  if (!swkit::php::checked(ZEND_THIS)) RETURN_THROWS();
  swkit::php::port_socket(Z_OBJ_P(ZEND_THIS), return_value);
}

// The callable given to on() for this port, or null (the server's runs then).
ZEND_METHOD(Swoole_Server_Port, getCallback) {
  zend_string* name;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_STR(name)
  ZEND_PARSE_PARAMETERS_END();
  PortState* p = swkit::php::checked(ZEND_THIS);
  if (!p) RETURN_THROWS();
  if (p->primary) {
    zval retval, arg;
    ZVAL_STR(&arg, name);
    zend_call_method_with_1_params(p->server, p->server->ce, nullptr, "getcallback", &retval, &arg);
    RETURN_COPY_VALUE(&retval);
  }
  const int ev = swkit::php::find_event(name);
  for (int i = 0; i < swkit::php::kPortEventCount; i++) {
    if (ev == swkit::php::kPortEvents[i] && p->callbacks[i]) {
      RETURN_COPY(p->callbacks[i]->value());
    }
  }
  RETURN_NULL();
}
