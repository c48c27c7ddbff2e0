#include "co_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include "coroutine.h"
#include "process_loop.h"
#include "state_object.h"

namespace swkit::php {

zend_class_entry* co_socket_ce = nullptr;

namespace {

struct SocketState {
  int fd = -1;
};

SocketState* socket_of(zval* self) {
  return StateObject<SocketState>::from(Z_OBJ_P(self))->state;
}

void socket_free(zend_object* obj) {
  SocketState* s = StateObject<SocketState>::from(obj)->state;
  if (s->fd >= 0) ::close(s->fd);
  release_state_object<SocketState>(obj);
}

void set_error(zval* self, int code) {
  zend_update_property_long(co_socket_ce, Z_OBJ_P(self), ZEND_STRL("errCode"), code);
  zend_update_property_string(co_socket_ce, Z_OBJ_P(self), ZEND_STRL("errMsg"),
                              code ? std::strerror(code) : "");
}

// One pending wait of a suspended coroutine: whichever of readiness and the timeout comes first
// resumes it (with true or false) and cancels the other.
struct Wait {
  zend_object* fiber;
  int fd;
  int64_t timer = -1;
};

// Waits until fd is readable (writable) for at most timeout seconds (<= 0: no limit). In a
// coroutine of a server process the coroutine is suspended and the process keeps serving;
// elsewhere poll() blocks. False with errno ETIMEDOUT (or poll's error); false with a PHP
// exception pending when the coroutine is destroyed meanwhile.
bool wait_ready(int fd, bool writable, double timeout) {
  zend_object* fiber = current_fiber();
  if (fiber && loop_available()) {
    auto w = std::make_shared<Wait>(Wait{fiber, fd});
    const bool watched = loop_watch(fd, writable, [w] {
      const auto wait = w;  // unwatch() drops this handler: keep the state alive
      loop_unwatch(wait->fd);
      if (wait->timer >= 0) loop_clear_timer(wait->timer);
      zval v;
      ZVAL_TRUE(&v);
      resume_fiber(wait->fiber, &v);
    });
    if (watched) {
      GC_ADDREF(fiber);  // resume_fiber() takes it over, once
      if (timeout > 0) {
        w->timer = loop_timer(
            timeout * 1000,
            [w](int64_t) {
              loop_unwatch(w->fd);
              zval v;
              ZVAL_FALSE(&v);
              resume_fiber(w->fiber, &v);
            },
            false);
      }
      zval result;
      if (!suspend_current(&result)) {
        loop_unwatch(fd);
        if (w->timer >= 0) loop_clear_timer(w->timer);
        return false;
      }
      const bool ready = zend_is_true(&result);
      zval_ptr_dtor(&result);
      if (!ready) errno = ETIMEDOUT;
      return ready;
    }
  }
  pollfd p{fd, static_cast<short>(writable ? POLLOUT : POLLIN), 0};
  const int ms = timeout > 0 ? static_cast<int>(std::ceil(timeout * 1000)) : -1;
  int n;
  do {
    n = poll(&p, 1, ms);
  } while (n < 0 && errno == EINTR);
  if (n == 0) errno = ETIMEDOUT;
  return n > 0;
}

}  // namespace

void co_socket_minit(zend_class_entry* ce) {
  co_socket_ce = ce;
  register_state_class<SocketState>(ce, socket_free);
}

void co_socket_create(int fd, int domain, int type, zval* out) {
  object_init_ex(out, co_socket_ce);
  zend_object* obj = Z_OBJ_P(out);
  StateObject<SocketState>::from(obj)->state->fd = fd;
  zend_update_property_long(co_socket_ce, obj, ZEND_STRL("fd"), fd);
  zend_update_property_long(co_socket_ce, obj, ZEND_STRL("domain"), domain);
  zend_update_property_long(co_socket_ce, obj, ZEND_STRL("type"), type);
}

}  // namespace swkit::php

// Private: sockets come from Process::exportSocket() for now.
ZEND_METHOD(Swoole_Coroutine_Socket, __construct) {
  ZEND_PARSE_PARAMETERS_NONE();
}

// One datagram (or what a stream has, at most $length bytes); '' when the peer closed; false
// with errCode on error or after $timeout seconds (<= 0: no limit).
ZEND_METHOD(Swoole_Coroutine_Socket, recv) {
  zend_long length = 65536;
  double timeout = 0;
  ZEND_PARSE_PARAMETERS_START(0, 2)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(length)
  Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  swkit::php::SocketState* s = swkit::php::socket_of(ZEND_THIS);
  if (length <= 0) {
    zend_argument_value_error(1, "must be greater than 0");
    RETURN_THROWS();
  }
  if (s->fd < 0) {
    swkit::php::set_error(ZEND_THIS, EBADF);
    RETURN_FALSE;
  }
  zend_string* buf = zend_string_alloc(static_cast<size_t>(length), false);
  for (;;) {
    const ssize_t n = ::recv(s->fd, ZSTR_VAL(buf), static_cast<size_t>(length), MSG_DONTWAIT);
    if (n >= 0) {
      swkit::php::set_error(ZEND_THIS, 0);
      ZSTR_LEN(buf) = static_cast<size_t>(n);
      ZSTR_VAL(buf)[n] = '\0';
      RETURN_NEW_STR(buf);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !swkit::php::wait_ready(s->fd, false, timeout)) break;
  }
  const int err = errno;
  zend_string_efree(buf);
  if (EG(exception)) RETURN_THROWS();
  swkit::php::set_error(ZEND_THIS, err);
  RETURN_FALSE;
}

// Sends all of $data (one datagram on a datagram socket); the number of bytes, or false with
// errCode on error or after $timeout seconds (<= 0: no limit).
ZEND_METHOD(Swoole_Coroutine_Socket, send) {
  zend_string* data;
  double timeout = 0;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_STR(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_DOUBLE(timeout)
  ZEND_PARSE_PARAMETERS_END();
  swkit::php::SocketState* s = swkit::php::socket_of(ZEND_THIS);
  if (s->fd < 0) {
    swkit::php::set_error(ZEND_THIS, EBADF);
    RETURN_FALSE;
  }
  size_t sent = 0;
  while (sent < ZSTR_LEN(data) || ZSTR_LEN(data) == 0) {
    const ssize_t n =
        ::send(s->fd, ZSTR_VAL(data) + sent, ZSTR_LEN(data) - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      if (ZSTR_LEN(data) == 0) break;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !swkit::php::wait_ready(s->fd, true, timeout)) {
      const int err = errno;
      if (EG(exception)) RETURN_THROWS();
      swkit::php::set_error(ZEND_THIS, err);
      RETURN_FALSE;
    }
  }
  swkit::php::set_error(ZEND_THIS, 0);
  RETURN_LONG(static_cast<zend_long>(sent));
}

ZEND_METHOD(Swoole_Coroutine_Socket, close) {
  ZEND_PARSE_PARAMETERS_NONE();
  swkit::php::SocketState* s = swkit::php::socket_of(ZEND_THIS);
  if (s->fd < 0) RETURN_FALSE;
  ::close(s->fd);
  s->fd = -1;
  zend_update_property_long(swkit::php::co_socket_ce, Z_OBJ_P(ZEND_THIS), ZEND_STRL("fd"), -1);
  RETURN_TRUE;
}
