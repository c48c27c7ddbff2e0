// The swkit PHP extension: Swoole\Server and friends on swkit core (DESIGN §7). Shared by the
// extension's translation units; includes PHP's headers once, in the right order.
#pragma once

#include <php.h>
#include <zend_exceptions.h>
#include <zend_interfaces.h>

#define PHP_SWKIT_VERSION "0.1.0"

extern zend_module_entry swkit_module_entry;

namespace swkit::php {

// Registered in MINIT (module.cpp).
extern zend_class_entry* server_ce;
extern zend_class_entry* timer_ce;

// Class set-up, called from MINIT.
void server_minit(zend_class_entry* ce);

}  // namespace swkit::php
