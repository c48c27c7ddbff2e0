// Coroutines on PHP Fibers (DESIGN §7): with the enable_coroutine setting, worker-side event
// callbacks run in a Fiber of their own; taskwait/taskCo and Swoole\Coroutine::sleep suspend it
// and core's event loop resumes it, so the worker keeps serving meanwhile.
#pragma once

#include "php_callable.h"
#include "php_swkit.h"

namespace swkit::php {

// Calls cb with argv in a new Fiber; returns (its id) when the fiber finishes or suspends. What
// goes wrong is handled as Callable::call does.
zend_long call_in_fiber(const Callable& cb, uint32_t argc, zval* argv);

// The running Fiber, or nullptr on the main stack.
zend_object* current_fiber();

// Suspends the running Fiber until resume_fiber(); *result gets the value given there. False
// when the fiber is being destroyed instead (PHP's exception is pending: return at once).
bool suspend_current(zval* result);

// Resumes fiber with value (from the event loop). Takes over one reference on fiber.
void resume_fiber(zend_object* fiber, zval* value);

}  // namespace swkit::php
