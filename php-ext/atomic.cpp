#include "atomic.h"

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "swkit/errors.h"

namespace swkit::php {

namespace {

// One shared page per counter: simple, and a page is what a futex word needs anyway.
template <typename T>
struct CounterObject {
  std::atomic<T>* value;
  zend_object std;
};

template <typename T>
CounterObject<T>* counter_from(zend_object* obj) {
  return reinterpret_cast<CounterObject<T>*>(reinterpret_cast<char*>(obj) -
                                             XtOffsetOf(CounterObject<T>, std));
}

template <typename T>
std::atomic<T>& value_of(zval* self) {
  return *counter_from<T>(Z_OBJ_P(self))->value;
}

zend_object_handlers atomic_handlers;
zend_object_handlers long_handlers;

template <typename T>
zend_object* counter_create(zend_class_entry* ce, zend_object_handlers* handlers) {
  auto* o = static_cast<CounterObject<T>*>(zend_object_alloc(sizeof(CounterObject<T>), ce));
  zend_object_std_init(&o->std, ce);
  object_properties_init(&o->std, ce);
  o->std.handlers = handlers;
  void* page = mmap(nullptr, sizeof(std::atomic<T>), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    zend_error_noreturn(E_ERROR, "%s: mmap failed: %s", ZSTR_VAL(ce->name), std::strerror(errno));
  }
  o->value = new (page) std::atomic<T>(0);
  return &o->std;
}

template <typename T>
void counter_free(zend_object* obj) {
  CounterObject<T>* o = counter_from<T>(obj);
  if (o->value) munmap(o->value, sizeof(std::atomic<T>));
  o->value = nullptr;
  zend_object_std_dtor(obj);
}

int futex(std::atomic<uint32_t>* addr, int op, uint32_t value, const timespec* timeout) {
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  return static_cast<int>(
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(addr), op, value, timeout, nullptr, 0));
}

}  // namespace

void atomic_minit(zend_class_entry* atomic_ce, zend_class_entry* long_ce) {
  std::memcpy(&atomic_handlers, zend_get_std_object_handlers(), sizeof atomic_handlers);
  atomic_handlers.offset = XtOffsetOf(CounterObject<uint32_t>, std);
  atomic_handlers.free_obj = counter_free<uint32_t>;
  atomic_handlers.clone_obj = nullptr;
  atomic_ce->create_object = [](zend_class_entry* ce) {
    return counter_create<uint32_t>(ce, &atomic_handlers);
  };
  std::memcpy(&long_handlers, zend_get_std_object_handlers(), sizeof long_handlers);
  long_handlers.offset = XtOffsetOf(CounterObject<int64_t>, std);
  long_handlers.free_obj = counter_free<int64_t>;
  long_handlers.clone_obj = nullptr;
  long_ce->create_object = [](zend_class_entry* ce) {
    return counter_create<int64_t>(ce, &long_handlers);
  };
}

// Waits while the value is 0 (at most timeout seconds; < 0: forever), then takes the wake-up by
// setting it back to 0. True when woken, false on timeout.
bool atomic_wait(std::atomic<uint32_t>& v, double timeout) {
  uint32_t one = 1;
  if (v.compare_exchange_strong(one, 0)) return true;
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  if (timeout > 0) {
    const double whole = std::floor(timeout);
    deadline.tv_sec += static_cast<time_t>(whole);
    deadline.tv_nsec += static_cast<long>((timeout - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
  }
  for (;;) {
    timespec left{};
    if (timeout > 0) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      left.tv_sec = deadline.tv_sec - now.tv_sec;
      left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
      if (left.tv_nsec < 0) {
        left.tv_sec--;
        left.tv_nsec += 1000000000L;
      }
      if (left.tv_sec < 0) {
        set_last_error(ETIMEDOUT);
        return false;
      }
    }
    // FUTEX_WAIT (not _PRIVATE): the word is shared between processes.
    if (futex(&v, FUTEX_WAIT, 0, timeout > 0 ? &left : nullptr) != 0 && errno != EAGAIN &&
        errno != EINTR) {
      set_last_error(errno);
      return false;
    }
    one = 1;
    if (v.compare_exchange_strong(one, 0)) return true;
  }
}

bool atomic_wakeup(std::atomic<uint32_t>& v, int count) {
  uint32_t zero = 0;
  if (!v.compare_exchange_strong(zero, 1)) return true;  // nobody waits on a non-zero value
  if (futex(&v, FUTEX_WAKE, static_cast<uint32_t>(count), nullptr) < 0) {
    set_last_error(errno);
    return false;
  }
  return true;
}

}  // namespace swkit::php

using swkit::php::value_of;

// ---- Swoole\Atomic (uint32) ----

ZEND_METHOD(Swoole_Atomic, __construct) {
  zend_long value = 0;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(value)
  ZEND_PARSE_PARAMETERS_END();
  value_of<uint32_t>(ZEND_THIS).store(static_cast<uint32_t>(value));
}

ZEND_METHOD(Swoole_Atomic, add) {
  zend_long n = 1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(n)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_LONG(value_of<uint32_t>(ZEND_THIS).fetch_add(static_cast<uint32_t>(n)) +
              static_cast<uint32_t>(n));
}

ZEND_METHOD(Swoole_Atomic, sub) {
  zend_long n = 1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(n)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_LONG(
      static_cast<uint32_t>(value_of<uint32_t>(ZEND_THIS).fetch_sub(static_cast<uint32_t>(n)) -
                            static_cast<uint32_t>(n)));
}

ZEND_METHOD(Swoole_Atomic, get) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(value_of<uint32_t>(ZEND_THIS).load());
}

ZEND_METHOD(Swoole_Atomic, set) {
  zend_long value;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(value)
  ZEND_PARSE_PARAMETERS_END();
  value_of<uint32_t>(ZEND_THIS).store(static_cast<uint32_t>(value));
}

ZEND_METHOD(Swoole_Atomic, cmpset) {
  zend_long cmp;
  zend_long value;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_LONG(cmp)
  Z_PARAM_LONG(value)
  ZEND_PARSE_PARAMETERS_END();
  uint32_t expected = static_cast<uint32_t>(cmp);
  RETURN_BOOL(value_of<uint32_t>(ZEND_THIS).compare_exchange_strong(expected,
                                                                    static_cast<uint32_t>(value)));
}

// Blocks the whole process (there are no coroutines yet) while the value is 0.
ZEND_METHOD(Swoole_Atomic, wait) {
  double timeout = 1.0;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::atomic_wait(value_of<uint32_t>(ZEND_THIS), timeout));
}

ZEND_METHOD(Swoole_Atomic, wakeup) {
  zend_long count = 1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(count)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_BOOL(swkit::php::atomic_wakeup(value_of<uint32_t>(ZEND_THIS), static_cast<int>(count)));
}

// ---- Swoole\Atomic\Long (int64) ----

ZEND_METHOD(Swoole_Atomic_Long, __construct) {
  zend_long value = 0;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(value)
  ZEND_PARSE_PARAMETERS_END();
  value_of<int64_t>(ZEND_THIS).store(value);
}

ZEND_METHOD(Swoole_Atomic_Long, add) {
  zend_long n = 1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(n)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_LONG(value_of<int64_t>(ZEND_THIS).fetch_add(n) + n);
}

ZEND_METHOD(Swoole_Atomic_Long, sub) {
  zend_long n = 1;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(n)
  ZEND_PARSE_PARAMETERS_END();
  RETURN_LONG(value_of<int64_t>(ZEND_THIS).fetch_sub(n) - n);
}

ZEND_METHOD(Swoole_Atomic_Long, get) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(value_of<int64_t>(ZEND_THIS).load());
}

ZEND_METHOD(Swoole_Atomic_Long, set) {
  zend_long value;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(value)
  ZEND_PARSE_PARAMETERS_END();
  value_of<int64_t>(ZEND_THIS).store(value);
}

ZEND_METHOD(Swoole_Atomic_Long, cmpset) {
  zend_long cmp;
  zend_long value;
  ZEND_PARSE_PARAMETERS_START(2, 2)
  Z_PARAM_LONG(cmp)
  Z_PARAM_LONG(value)
  ZEND_PARSE_PARAMETERS_END();
  int64_t expected = cmp;
  RETURN_BOOL(value_of<int64_t>(ZEND_THIS).compare_exchange_strong(expected, value));
}
