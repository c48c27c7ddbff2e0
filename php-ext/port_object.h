// Swoole\Server\Port: one listening port of a Swoole\Server ($server->ports, addListener()).
// The primary port's set()/on() are the server's; another port's take only its protocol
// settings and its connect/receive/close/packet callbacks (the server's run where it has none).
#pragma once

#include "php_swkit.h"

namespace swkit {
class Port;
}

namespace swkit::php {

extern zend_class_entry* port_ce;

void port_minit(zend_class_entry* ce);
// A new Swoole\Server\Port object for port of the server object server in *out (a new
// reference). The server keeps one reference in its state and detaches it when it goes.
void port_create(zend_object* server, swkit::Port* port, bool primary, zval* out);
// Refreshes $port->port and $port->sock from core (the primary port binds at start()).
void port_sync(zend_object* port);
// The server is being freed: the port's methods throw from now on.
void port_detach(zend_object* port);
// getSocket(): a \Socket (ext-sockets) on a duplicate of port's listening socket in
// *return_value (the primary port is bound first if start() has not bound it), or false with a
// warning (no ext-sockets, bind failure, not open in this process). The port object's
// properties are refreshed.
void port_socket(zend_object* port_obj, zval* return_value);

}  // namespace swkit::php
