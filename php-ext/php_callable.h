// A PHP callable kept beyond the call that handed it over (event callbacks, timers, per-task
// finish callbacks, command handlers), and the one place where PHP code is called from core.
// Not thread safe: PHP runs on the main thread of each process (core runs every callback there).
#pragma once

#include <string_view>
#include <vector>

#include "php_swkit.h"

namespace swkit::php {

class Callable {
 public:
  // Keeps a reference on the callable (and so on its closure or object); extra arguments
  // (Timer::tick's ...$params) are appended to every call.
  explicit Callable(zval* callable, uint32_t extra_argc = 0, zval* extra_argv = nullptr);
  ~Callable();
  Callable(const Callable&) = delete;
  Callable& operator=(const Callable&) = delete;

  // Calls it with argv (borrowed) and the extra arguments. On return *retval holds the result
  // (IS_UNDEF when the call failed or threw; the caller releases it). What goes wrong in PHP
  // never reaches the caller:
  //  - an uncaught exception is reported with its PHP trace (E_WARNING, "Uncaught ...") and
  //    cleared, so the process keeps serving;
  //  - exit() ends this process with its status (a worker is respawned by the manager);
  //  - a fatal error (already reported by PHP) ends this process with status 255.
  void call(uint32_t argc, zval* argv, zval* retval) const;

  zval* value() { return &fn_; }
  const std::vector<zval>& extra() const { return extra_; }

 private:
  zval fn_;
  std::vector<zval> extra_;
};

// Reports and clears EG(exception) as Callable::call does (exit() ends the process).
void report_exception();
// Flushes stdio and leaves the process at once (PHP's own shutdown does not run: after a fatal
// error its state cannot be trusted, and a forked child must not run its parent's).
[[noreturn]] void end_process(int status);

}  // namespace swkit::php
