// Swoole\Timer, Server::tick/after/clearTimer and Swoole\Event::defer on core's per-process
// timers.
#include "timer.h"

#include <unistd.h>

#include <memory>
#include <unordered_set>

#include "coroutine.h"
#include "php_callable.h"
#include "process_loop.h"
#include "server_object.h"

namespace swkit::php {

zend_class_entry* timer_ce = nullptr;

namespace {

// Ids of this process's live timers (exists, clearAll). Forked children start empty.
std::unordered_set<int64_t>& live_timers() {
  static std::unordered_set<int64_t> ids;
  static pid_t owner = 0;
  if (owner != getpid()) {
    ids.clear();
    owner = getpid();
  }
  return ids;
}

constexpr const char* kNoLoop =
    "timers run in a process without a server or in worker, task worker and user processes of a "
    "started server (swkit; a server's master and manager run no PHP timers)";

}  // namespace

void timer_add(zend_long ms, zval* callable, uint32_t argc, zval* argv, bool repeat,
               zval* return_value) {
  if (ms < 1) {
    php_error_docref(nullptr, E_WARNING, "Timer must be greater than or equal to 1");
    RETURN_FALSE;
  }
  if (!loop_available()) {
    php_error_docref(nullptr, E_WARNING, "%s", kNoLoop);
    RETURN_FALSE;
  }
  auto cb = std::make_shared<Callable>(callable, argc, argv);
  swkit::Server::TimerHandler fn = [cb, repeat](int64_t id) {
    if (!repeat) live_timers().erase(id);
    ServerState* s = running_server();
    if (s && s->coroutines) {
      zval first;
      ZVAL_LONG(&first, id);
      call_in_fiber(*cb, repeat ? 1 : 0, &first);
      return;
    }
    zval ret;
    if (repeat) {
      zval first;
      ZVAL_LONG(&first, id);
      cb->call(1, &first, &ret);
    } else {
      cb->call(0, nullptr, &ret);
    }
    zval_ptr_dtor(&ret);
  };
  const int64_t id = loop_timer(static_cast<double>(ms), std::move(fn), repeat);
  if (id < 0) RETURN_FALSE;
  live_timers().insert(id);
  RETURN_LONG(id);
}

bool timer_clear(zend_long id) {
  if (live_timers().erase(id) == 0) return false;
  return loop_clear_timer(id);
}

bool timer_exists(zend_long id) {
  return live_timers().count(id) > 0;
}

bool timer_clear_all() {
  auto& ids = live_timers();
  for (int64_t id : ids) loop_clear_timer(id);
  ids.clear();
  return true;
}

bool defer(zval* callable) {
  if (!loop_available()) {
    php_error_docref(nullptr, E_WARNING, "%s", kNoLoop);
    return false;
  }
  auto cb = std::make_shared<Callable>(callable);
  return loop_timer(
             0,
             [cb](int64_t) {
               zval ret;
               cb->call(0, nullptr, &ret);
               zval_ptr_dtor(&ret);
             },
             false) >= 0;
}

}  // namespace swkit::php

ZEND_METHOD(Swoole_Event, defer) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::defer(&fci.function_name));
}

// Outside a server: runs this process's loop until no timer, watch or signal handler is left
// (it runs again by itself when the script ends). In a server process its loop already runs.
ZEND_METHOD(Swoole_Event, wait) {
  ZEND_PARSE_PARAMETERS_NONE();
  swkit::php::loop_wait();
}

namespace swkit::php {

void timer_method(INTERNAL_FUNCTION_PARAMETERS, bool repeat) {
  zend_long ms;
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  zval* params = nullptr;
  uint32_t count = 0;
  ZEND_PARSE_PARAMETERS_START(2, -1)
  Z_PARAM_LONG(ms)
  Z_PARAM_FUNC(fci, fcc)
  Z_PARAM_VARIADIC('*', params, count)
  ZEND_PARSE_PARAMETERS_END();
  timer_add(ms, &fci.function_name, count, params, repeat, return_value);
}

}  // namespace swkit::php

ZEND_METHOD(Swoole_Timer, tick) {
  swkit::php::timer_method(INTERNAL_FUNCTION_PARAM_PASSTHRU, true);
}

ZEND_METHOD(Swoole_Timer, after) {
  swkit::php::timer_method(INTERNAL_FUNCTION_PARAM_PASSTHRU, false);
}

ZEND_METHOD(Swoole_Timer, exists) {
  zend_long id;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(id)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::timer_exists(id));
}

ZEND_METHOD(Swoole_Timer, clear) {
  zend_long id;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(id)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::timer_clear(id));
}

ZEND_METHOD(Swoole_Timer, clearAll) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_BOOL(swkit::php::timer_clear_all());
}

// Swoole's function names for the same.
PHP_FUNCTION(swoole_timer_tick) {
  swkit::php::timer_method(INTERNAL_FUNCTION_PARAM_PASSTHRU, true);
}

PHP_FUNCTION(swoole_timer_after) {
  swkit::php::timer_method(INTERNAL_FUNCTION_PARAM_PASSTHRU, false);
}

PHP_FUNCTION(swoole_timer_exists) {
  zend_long id;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(id)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::timer_exists(id));
}

PHP_FUNCTION(swoole_timer_clear) {
  zend_long id;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(id)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::timer_clear(id));
}

PHP_FUNCTION(swoole_timer_clear_all) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_BOOL(swkit::php::timer_clear_all());
}

PHP_FUNCTION(swoole_event_defer) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_FUNC(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::defer(&fci.function_name));
}

PHP_FUNCTION(swoole_event_wait) {
  ZEND_PARSE_PARAMETERS_NONE();
}
