// The event loop PHP code of this process uses for timers, descriptor watches and signal
// handlers: the running server's in its worker, task worker and user processes, or, in a process
// that runs no server, a swkit::Loop of its own, made on first use and run by
// Swoole\Event::wait() and again when the script ends (as Swoole runs its reactor then).
#pragma once

#include <cstdint>
#include <functional>

#include "php_swkit.h"

namespace swkit::php {

// -1 / false with the last error set (9009: a server's master or manager, whose loops run no PHP).
int64_t loop_timer(double ms, std::function<void(int64_t)> fn, bool repeat);
bool loop_clear_timer(int64_t id);
bool loop_watch(int fd, bool writable, std::function<void()> fn);
bool loop_unwatch(int fd);
bool loop_signal(int signo, std::function<void(int)> fn);
// True when this process runs a loop for PHP (a server process that has one, or its own).
bool loop_available();
// Swoole\Event::wait(): runs this process's own loop until nothing is left in it (returns at
// once in a server process, whose loop is already running).
void loop_wait();

}  // namespace swkit::php
