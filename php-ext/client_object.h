// Swoole\Client: a blocking TCP/UDP client with Swoole's EOF and length framing. Needs nothing
// from core; tests and user processes use it to talk to servers.
#pragma once

#include "php_swkit.h"

namespace swkit::php {

void client_minit(zend_class_entry* ce);

}  // namespace swkit::php
