#include "process_loop.h"

#include <unistd.h>

#include <memory>

#include "server_object.h"
#include "swkit/errors.h"
#include "swkit/loop.h"

namespace swkit::php {

namespace {

// The running server, when this process belongs to one.
swkit::Server* server_here() {
  ServerState* s = running_server();
  return s && s->server ? s->server.get() : nullptr;
}

// This process's own loop (none is inherited across fork: a child starts without one).
swkit::Loop& own_loop() {
  static std::unique_ptr<swkit::Loop> loop;
  static pid_t owner = 0;
  if (!loop || owner != getpid()) {
    // A forked child must not use its parent's epoll set; the inherited one is left alone.
    if (loop && owner != getpid()) (void)loop.release();
    loop = std::make_unique<swkit::Loop>();
    owner = getpid();
    // Swoole runs its reactor when the script ends: timers and coroutines left then still run.
    zval fn, arg, ret;
    ZVAL_STRING(&fn, "register_shutdown_function");
    ZVAL_STRING(&arg, "Swoole\\Event::wait");
    call_user_function(nullptr, nullptr, &fn, &ret, 1, &arg);
    zval_ptr_dtor(&fn);
    zval_ptr_dtor(&arg);
    zval_ptr_dtor(&ret);
  }
  return *loop;
}

}  // namespace

int64_t loop_timer(double ms, std::function<void(int64_t)> fn, bool repeat) {
  if (swkit::Server* srv = server_here()) {
    return repeat ? srv->tick(ms, std::move(fn)) : srv->after(ms, std::move(fn));
  }
  return repeat ? own_loop().tick(ms, std::move(fn)) : own_loop().after(ms, std::move(fn));
}

bool loop_clear_timer(int64_t id) {
  if (swkit::Server* srv = server_here()) return srv->clearTimer(id);
  return own_loop().clearTimer(id);
}

bool loop_watch(int fd, bool writable, std::function<void()> fn) {
  if (swkit::Server* srv = server_here()) return srv->watch(fd, writable, std::move(fn));
  if (own_loop().watch(fd, writable, std::move(fn))) return true;
  swkit::set_last_error(swkit::kErrInvalidParams);
  return false;
}

bool loop_unwatch(int fd) {
  if (swkit::Server* srv = server_here()) return srv->unwatch(fd);
  return own_loop().unwatch(fd);
}

bool loop_signal(int signo, std::function<void(int)> fn) {
  if (swkit::Server* srv = server_here()) return srv->onSignal(signo, std::move(fn));
  if (own_loop().onSignal(signo, std::move(fn))) return true;
  swkit::set_last_error(swkit::kErrInvalidParams);
  return false;
}

bool loop_available() {
  swkit::Server* srv = server_here();
  if (!srv) return true;
  // A process's role never changes after its fork: probe once per process (the master and the
  // manager refuse a timer with 9009), not on every timer or socket wait.
  static pid_t probed = 0;
  static bool available = false;
  if (probed != getpid()) {
    const int64_t id = srv->after(60000, [](int64_t) {});
    available = id >= 0;
    if (available) srv->clearTimer(id);
    probed = getpid();
  }
  return available;
}

void loop_wait() {
  if (server_here()) return;
  own_loop().run();
}

}  // namespace swkit::php
