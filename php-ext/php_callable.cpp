#include "php_callable.h"

#include <unistd.h>

#include <cstdio>

namespace swkit::php {

// A PHP fatal error or exit() inside a callback: PHP has printed what happened; what is left of
// this process's PHP state cannot be trusted, so the process ends here, as a crashed worker would
// (the manager respawns it and reports it through onWorkerError).
void end_process(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
}

Callable::Callable(zval* callable, uint32_t extra_argc, zval* extra_argv) {
  ZVAL_COPY(&fn_, callable);
  extra_.reserve(extra_argc);
  for (uint32_t i = 0; i < extra_argc; i++) {
    zval v;
    ZVAL_COPY(&v, &extra_argv[i]);
    extra_.push_back(v);
  }
}

Callable::~Callable() {
  zval_ptr_dtor(&fn_);
  for (zval& v : extra_) zval_ptr_dtor(&v);
}

void report_exception() {
  zend_object* ex = EG(exception);
  if (!ex) return;
  if (zend_is_unwind_exit(ex)) {
    // exit() in a callback ends the process with exit()'s status.
    end_process(EG(exit_status));
  }
  if (zend_is_graceful_exit(ex)) {
    zend_clear_exception();
    return;
  }
  // Prints "PHP Warning:  Uncaught Exception: ... Stack trace: ..." where display_errors and
  // log_errors say, and clears the exception.
  zend_exception_error(ex, E_WARNING);
  // A user error handler may throw (or exit) while the warning is reported: nothing may reach
  // core.
  if (EG(exception)) {
    if (zend_is_unwind_exit(EG(exception))) end_process(EG(exit_status));
    zend_clear_exception();
  }
}

void Callable::call(uint32_t argc, zval* argv, zval* retval) const {
  // Arguments: the caller's, then the extra ones.
  std::vector<zval> args;
  zval* params = argv;
  uint32_t count = argc;
  if (!extra_.empty()) {
    args.reserve(argc + extra_.size());
    for (uint32_t i = 0; i < argc; i++) args.push_back(argv[i]);
    for (const zval& v : extra_) args.push_back(v);
    params = args.data();
    count = static_cast<uint32_t>(args.size());
  }

  zend_fcall_info fci;
  fci.size = sizeof(fci);
  ZVAL_COPY_VALUE(&fci.function_name, &fn_);
  fci.object = nullptr;
  fci.retval = retval;
  fci.param_count = count;
  fci.params = params;
  fci.named_params = nullptr;
  ZVAL_UNDEF(retval);

  bool bailed_out = false;
  zend_try {
    // The callable is resolved on each call: a cached zend_fcall_info_cache would dangle for
    // __call trampolines.
    if (zend_call_function(&fci, nullptr) != SUCCESS && !EG(exception)) {
      php_error_docref(nullptr, E_WARNING, "could not call the callback");
    }
  }
  zend_catch {
    bailed_out = true;
  }
  zend_end_try();
  if (bailed_out) end_process(255);
  if (EG(exception)) {
    zval_ptr_dtor(retval);
    ZVAL_UNDEF(retval);
    report_exception();
  }
}

}  // namespace swkit::php
