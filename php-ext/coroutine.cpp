#include "coroutine.h"

#include <zend_fibers.h>

#include <unordered_map>
#include <vector>

#include "process_loop.h"
#include "server_object.h"

namespace swkit::php {

namespace {

zend_function* fiber_method(const char* name, size_t len) {
  return static_cast<zend_function*>(
      zend_hash_str_find_ptr(&zend_ce_fiber->function_table, name, len));
}

// Runs fn under zend_try: a fatal error inside (PHP has reported it) ends the process.
template <typename Fn>
void guarded(Fn&& fn) {
  bool bailed_out = false;
  zend_try {
    fn();
  }
  zend_catch {
    bailed_out = true;
  }
  zend_end_try();
  if (bailed_out) end_process(255);
  if (EG(exception)) report_exception();
}

// The fibers this file runs (user code may run Fibers of its own: those are never suspended or
// resumed here), each with whether it is suspended waiting for resume_fiber().
std::unordered_map<zend_object*, bool>& coroutines() {
  static std::unordered_map<zend_object*, bool> fibers;
  return fibers;
}

// After start()/resume() returned: forget the fiber unless it waits for resume_fiber().
void settle(zend_object* fiber) {
  auto it = coroutines().find(fiber);
  if (it != coroutines().end() && !it->second) coroutines().erase(it);
}

}  // namespace

zend_long call_in_fiber(const Callable& cb, uint32_t argc, zval* argv) {
  std::vector<zval> args(argv, argv + argc);
  for (const zval& v : cb.extra()) args.push_back(v);
  zval fiber;
  object_init_ex(&fiber, zend_ce_fiber);
  zval* callable = const_cast<Callable&>(cb).value();
  zend_call_known_instance_method_with_1_params(zend_ce_fiber->constructor, Z_OBJ(fiber), nullptr,
                                                callable);
  const zend_long id = Z_OBJ_HANDLE(fiber);
  if (EG(exception)) {
    report_exception();
    zval_ptr_dtor(&fiber);
    return -1;
  }
  zend_function* start = fiber_method(ZEND_STRL("start"));
  zval ret;
  ZVAL_UNDEF(&ret);
  coroutines()[Z_OBJ(fiber)] = false;
  guarded([&] {
    zend_call_known_instance_method(start, Z_OBJ(fiber), &ret, static_cast<uint32_t>(args.size()),
                                    args.data());
  });
  settle(Z_OBJ(fiber));
  zval_ptr_dtor(&ret);
  // A suspended fiber is kept alive by whoever will resume it.
  zval_ptr_dtor(&fiber);
  return id;
}

zend_object* current_fiber() {
  if (!EG(active_fiber)) return nullptr;
  zend_object* fiber = &EG(active_fiber)->std;
  return coroutines().count(fiber) ? fiber : nullptr;
}

bool suspend_current(zval* result) {
  ZVAL_UNDEF(result);
  if (zend_object* fiber = current_fiber()) coroutines()[fiber] = true;
  zend_call_known_function(fiber_method(ZEND_STRL("suspend")), nullptr, zend_ce_fiber, result, 0,
                           nullptr, nullptr);
  return !EG(exception);
}

void resume_fiber(zend_object* fiber, zval* value) {
  zval ret;
  ZVAL_UNDEF(&ret);
  coroutines()[fiber] = false;
  guarded([&] {
    zend_call_known_instance_method_with_1_params(fiber_method(ZEND_STRL("resume")), fiber, &ret,
                                                  value);
  });
  settle(fiber);
  zval_ptr_dtor(&ret);
  OBJ_RELEASE(fiber);
}

}  // namespace swkit::php

// Runs $func(...$param) in a new coroutine at once; returns its id when it suspends or ends (the
// id of a coroutine that already ended is not reused while another is alive).
ZEND_METHOD(Swoole_Coroutine, create) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  zval* params = nullptr;
  uint32_t count = 0;
  ZEND_PARSE_PARAMETERS_START(1, -1)
  Z_PARAM_FUNC(fci, fcc)
  Z_PARAM_VARIADIC('*', params, count)
  ZEND_PARSE_PARAMETERS_END();
  swkit::php::Callable cb(&fci.function_name, count, params);
  RETURN_LONG(swkit::php::call_in_fiber(cb, 0, nullptr));
}

// Suspends the coroutine for $seconds (the worker keeps serving); true when it slept.
ZEND_METHOD(Swoole_Coroutine, sleep) {
  double seconds;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_DOUBLE(seconds)
  ZEND_PARSE_PARAMETERS_END();
  zend_object* fiber = swkit::php::current_fiber();
  if (!fiber) {
    zend_throw_error(nullptr, "API must be called in the coroutine");
    RETURN_THROWS();
  }
  if (!swkit::php::loop_available()) {
    zend_throw_error(nullptr,
                     "Swoole\\Coroutine::sleep() needs an event loop: a process without a server, "
                     "or a worker, task worker or user process of one (swkit)");
    RETURN_THROWS();
  }
  if (seconds < 0.001) seconds = 0.001;
  GC_ADDREF(fiber);
  const int64_t id = swkit::php::loop_timer(
      seconds * 1000,
      [fiber](int64_t) {
        zval v;
        ZVAL_TRUE(&v);
        swkit::php::resume_fiber(fiber, &v);
      },
      false);
  if (id < 0) {
    OBJ_RELEASE(fiber);
    RETURN_FALSE;
  }
  zval result;
  if (!swkit::php::suspend_current(&result)) RETURN_THROWS();
  zval_ptr_dtor(&result);
  RETURN_TRUE;
}

// The running coroutine's id (its Fiber's object handle), -1 outside a coroutine.
ZEND_METHOD(Swoole_Coroutine, getCid) {
  ZEND_PARSE_PARAMETERS_NONE();
  zend_object* fiber = swkit::php::current_fiber();
  RETURN_LONG(fiber ? static_cast<zend_long>(fiber->handle) : -1);
}

PHP_FUNCTION(go) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  zval* params = nullptr;
  uint32_t count = 0;
  ZEND_PARSE_PARAMETERS_START(1, -1)
  Z_PARAM_FUNC(fci, fcc)
  Z_PARAM_VARIADIC('*', params, count)
  ZEND_PARSE_PARAMETERS_END();
  swkit::php::Callable cb(&fci.function_name, count, params);
  RETURN_LONG(swkit::php::call_in_fiber(cb, 0, nullptr));
}
