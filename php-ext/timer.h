// Timers on the event loop of the running server's worker, task worker or user process
// (Swoole\Timer, Server::tick/after/clearTimer). Ids are per process, as in Swoole.
#pragma once

#include <cstdint>

#include "php_swkit.h"

namespace swkit::php {

// Adds a timer calling callable (tick: with the timer id first) and the extra arguments. Returns
// the id, or false (a warning says why) in return_value.
void timer_add(zend_long ms, zval* callable, uint32_t argc, zval* argv, bool repeat,
               zval* return_value);
// The body of tick()/after() (Swoole\Timer, swoole_timer_*, Server): parses (ms, callable,
// ...args) and calls timer_add.
void timer_method(INTERNAL_FUNCTION_PARAMETERS, bool repeat);
bool timer_clear(zend_long id);
bool timer_exists(zend_long id);
bool timer_clear_all();
// Runs callable once the current callback and the events already due have been handled (a 0 ms
// timer on the process's loop). False (a warning says why) outside a server process.
bool defer(zval* callable);

}  // namespace swkit::php
