// Swoole\Process: a PHP callable in a child process, with a socketpair to talk to it. Started on
// its own (start(): fork) or by a server's manager (Server::addProcess()).
#pragma once

#include <sys/types.h>

#include <memory>

#include "php_callable.h"
#include "php_swkit.h"

namespace swkit::php {

extern zend_class_entry* process_ce;

void process_minit(zend_class_entry* ce);

// In the process that runs it (after start()'s fork, or in the server's user process): marks it
// as the child side, fills $pid/$id and calls the callback with the Process object.
void process_run_body(zend_object* process, int id);

}  // namespace swkit::php
