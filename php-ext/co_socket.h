// Swoole\Coroutine\Socket (for now the socket Process::exportSocket() hands out): recv() and
// send() suspend the running coroutine until the socket is ready, on the event loop of the
// server process; on the main stack, or with no server loop, they wait in poll().
#pragma once

#include "php_swkit.h"

namespace swkit::php {

extern zend_class_entry* co_socket_ce;

void co_socket_minit(zend_class_entry* ce);
// A new Swoole\Coroutine\Socket in *out on fd (which it owns from now on).
void co_socket_create(int fd, int domain, int type, zval* out);

}  // namespace swkit::php
