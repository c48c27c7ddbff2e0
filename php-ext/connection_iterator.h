// Swoole\Connection\Iterator: $server->connections, the connected fds read from core's shared
// connection table (any process, both modes), a page of 100 at a time.
#pragma once

#include "php_swkit.h"

namespace swkit::php {

extern zend_class_entry* connection_iterator_ce;

void connection_iterator_minit(zend_class_entry* ce);
// A new iterator over server's connections in *out.
void connection_iterator_create(zend_object* server, zval* out);

}  // namespace swkit::php
