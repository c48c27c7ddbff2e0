#include "process_object.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "co_socket.h"
#include "coroutine.h"
#include "process_loop.h"
#include "state_object.h"
#include "swkit/errors.h"

namespace swkit::php {

zend_class_entry* process_ce = nullptr;

namespace {

struct ProcessState {
  std::unique_ptr<Callable> callback;
  bool redirect = false;
  int pipe_type = 0;       // 0: no pipe, 1: SOCK_STREAM, 2: SOCK_DGRAM
  int fds[2] = {-1, -1};   // [0] the parent's end, [1] the child's end
  bool is_child = false;   // this process runs the callback
  bool coroutine = false;  // enable_coroutine: the callback runs in a coroutine (Fiber)
  zval socket;             // exportSocket()'s Swoole\Coroutine\Socket, made for socket_fd
  int socket_fd = -1;

  ProcessState() { ZVAL_UNDEF(&socket); }
};

using ProcessObject = StateObject<ProcessState>;

ProcessObject* process_from(zend_object* obj) {
  return ProcessObject::from(obj);
}

ProcessState* state_of(zval* self) {
  return process_from(Z_OBJ_P(self))->state;
}

// The end of the pipe this process uses: the child's in the child, the parent's elsewhere.
int own_fd(ProcessState* p) {
  return p->fds[p->is_child ? 1 : 0];
}

void process_free(zend_object* obj) {
  ProcessObject* o = process_from(obj);
  for (int& fd : o->state->fds) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  zval_ptr_dtor(&o->state->socket);
  release_state_object<ProcessState>(obj);
}

HashTable* process_get_gc(zend_object* obj, zval** table, int* n) {
  ProcessState* p = process_from(obj)->state;
  if (p->callback) {
    *table = p->callback->value();
    *n = 1;
  } else {
    *table = nullptr;
    *n = 0;
  }
  return zend_std_get_properties(obj);
}

[[noreturn]] void leave(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

}  // namespace

void process_minit(zend_class_entry* ce) {
  process_ce = ce;
  register_state_class<ProcessState>(ce, process_free, process_get_gc);
}

void process_run_body(zend_object* process, int id) {
  ProcessState* p = process_from(process)->state;
  p->is_child = true;
  zend_update_property_long(process_ce, process, ZEND_STRL("pid"), getpid());
  if (id >= 0) zend_update_property_long(process_ce, process, ZEND_STRL("id"), id);
  if (p->fds[1] >= 0) zend_update_property_long(process_ce, process, ZEND_STRL("pipe"), p->fds[1]);
  if (p->redirect && p->fds[1] >= 0) {
    dup2(p->fds[1], STDIN_FILENO);
    dup2(p->fds[1], STDOUT_FILENO);
  }
  zval arg;
  ZVAL_OBJ(&arg, process);
  if (p->coroutine) {
    // Returns when the coroutine ends or suspends (on exportSocket()'s recv, a sleep...); a
    // server's user process then keeps running its event loop, which resumes it.
    call_in_fiber(*p->callback, 1, &arg);
    return;
  }
  zval ret;
  p->callback->call(1, &arg, &ret);
  zval_ptr_dtor(&ret);
}

}  // namespace swkit::php

using swkit::php::ProcessState;

// Any process. The pipe is made here, so that every process forked later (a server's workers)
// holds both ends: write() from a worker reaches the process's read().
ZEND_METHOD(Swoole_Process, __construct) {
  zend_fcall_info fci;
  zend_fcall_info_cache fcc;
  bool redirect = false;
  zend_long pipe_type = 2;
  bool enable_coroutine = false;
  ZEND_PARSE_PARAMETERS_START(1, 4)
  Z_PARAM_FUNC(fci, fcc)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(redirect)
  Z_PARAM_LONG(pipe_type)
  Z_PARAM_BOOL(enable_coroutine)
  ZEND_PARSE_PARAMETERS_END();
  ProcessState* p = swkit::php::state_of(ZEND_THIS);
  if (p->callback) {
    zend_throw_error(nullptr, "Constructor of Swoole\\Process can only be called once");
    RETURN_THROWS();
  }
  if (pipe_type < 0 || pipe_type > 2) {
    zend_argument_value_error(3, "must be 0 (no pipe), 1 (SOCK_STREAM) or 2 (SOCK_DGRAM)");
    RETURN_THROWS();
  }
  if (redirect) pipe_type = 1;  // Swoole: a redirected process talks through a stream
  p->callback = std::make_unique<swkit::php::Callable>(&fci.function_name);
  p->redirect = redirect;
  p->coroutine = enable_coroutine;
  p->pipe_type = static_cast<int>(pipe_type);
  if (pipe_type > 0) {
    const int type = (pipe_type == 1 ? SOCK_STREAM : SOCK_DGRAM);
    if (socketpair(AF_UNIX, type, 0, p->fds) != 0) {
      zend_throw_error(nullptr, "Swoole\\Process: socketpair failed: %s", std::strerror(errno));
      RETURN_THROWS();
    }
    zend_update_property_long(swkit::php::process_ce, Z_OBJ_P(ZEND_THIS), ZEND_STRL("pipe"),
                              p->fds[0]);
  }
}

// Forks; the child runs the callback and exits (status 0, or exit()'s). Returns the child's pid.
ZEND_METHOD(Swoole_Process, start) {
  ZEND_PARSE_PARAMETERS_NONE();
  ProcessState* p = swkit::php::state_of(ZEND_THIS);
  if (!p->callback) {
    zend_throw_error(nullptr, "Swoole\\Process: the constructor was not called");
    RETURN_THROWS();
  }
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) {
    swkit::set_last_error(errno);
    php_error_docref(nullptr, E_WARNING, "fork() failed: %s", std::strerror(errno));
    RETURN_FALSE;
  }
  if (pid == 0) {
    swkit::php::process_run_body(Z_OBJ_P(ZEND_THIS), -1);
    // A coroutine of the body may wait on the child's loop (exportSocket()->recv(), a sleep,
    // a timer or a signal handler): run it to the end first, as Swoole's child does before it
    // exits (the script's shutdown functions are the parent's and do not run here).
    if (!EG(exception)) swkit::php::loop_wait();
    swkit::php::leave(0);
  }
  zend_update_property_long(swkit::php::process_ce, Z_OBJ_P(ZEND_THIS), ZEND_STRL("pid"), pid);
  RETURN_LONG(pid);
}

ZEND_METHOD(Swoole_Process, write) {
  zend_string* data;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_STR(data)
  ZEND_PARSE_PARAMETERS_END();
  ProcessState* p = swkit::php::state_of(ZEND_THIS);
  const int fd = swkit::php::own_fd(p);
  if (fd < 0) {
    php_error_docref(nullptr, E_WARNING, "no pipe: the process was created with pipe_type 0");
    RETURN_FALSE;
  }
  if (ZSTR_LEN(data) == 0) {
    php_error_docref(nullptr, E_WARNING, "the data to send is empty");
    RETURN_FALSE;
  }
  ssize_t n;
  do {
    n = ::send(fd, ZSTR_VAL(data), ZSTR_LEN(data), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    swkit::set_last_error(errno);
    php_error_docref(nullptr, E_WARNING, "write() failed: %s", std::strerror(errno));
    RETURN_FALSE;
  }
  RETURN_LONG(n);
}

// Blocks until data arrives (one datagram, or what the stream has, at most $size bytes).
ZEND_METHOD(Swoole_Process, read) {
  zend_long size = 8192;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(size)
  ZEND_PARSE_PARAMETERS_END();
  ProcessState* p = swkit::php::state_of(ZEND_THIS);
  const int fd = swkit::php::own_fd(p);
  if (fd < 0) {
    php_error_docref(nullptr, E_WARNING, "no pipe: the process was created with pipe_type 0");
    RETURN_FALSE;
  }
  if (size <= 0) size = 8192;
  zend_string* buf = zend_string_alloc(static_cast<size_t>(size), false);
  ssize_t n;
  do {
    n = ::recv(fd, ZSTR_VAL(buf), static_cast<size_t>(size), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    swkit::set_last_error(errno);
    zend_string_efree(buf);
    RETURN_FALSE;
  }
  ZSTR_LEN(buf) = static_cast<size_t>(n);
  ZSTR_VAL(buf)[n] = '\0';
  RETURN_NEW_STR(buf);
}

// The pipe's end of this process (the child's in the child, the parent's elsewhere) as a
// Swoole\Coroutine\Socket whose recv()/send() suspend the coroutine; the same object on each
// call in one process. False with a warning without a pipe.
ZEND_METHOD(Swoole_Process, exportSocket) {
  ZEND_PARSE_PARAMETERS_NONE();
  ProcessState* p = swkit::php::state_of(ZEND_THIS);
  const int fd = swkit::php::own_fd(p);
  if (fd < 0) {
    php_error_docref(nullptr, E_WARNING, "no pipe: the process was created with pipe_type 0");
    RETURN_FALSE;
  }
  if (p->socket_fd != fd || Z_TYPE(p->socket) != IS_OBJECT) {
    const int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) {
      swkit::set_last_error(errno);
      php_error_docref(nullptr, E_WARNING, "exportSocket(): %s", std::strerror(errno));
      RETURN_FALSE;
    }
    zval_ptr_dtor(&p->socket);
    swkit::php::co_socket_create(dup, AF_UNIX, p->pipe_type == 1 ? SOCK_STREAM : SOCK_DGRAM,
                                 &p->socket);
    p->socket_fd = fd;
  }
  RETURN_COPY(&p->socket);
}

// 0: both ends, 1: stop reading, 2: stop writing (shutdown() on this process's end).
ZEND_METHOD(Swoole_Process, close) {
  zend_long which = 0;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(which)
  ZEND_PARSE_PARAMETERS_END();
  ProcessState* p = swkit::php::state_of(ZEND_THIS);
  const int fd = swkit::php::own_fd(p);
  if (fd < 0) RETURN_FALSE;
  if (which == 1) RETURN_BOOL(::shutdown(fd, SHUT_RD) == 0);
  if (which == 2) RETURN_BOOL(::shutdown(fd, SHUT_WR) == 0);
  for (int& end : p->fds) {
    if (end >= 0) ::close(end);
    end = -1;
  }
  RETURN_TRUE;
}

ZEND_METHOD(Swoole_Process, name) {
  zend_string* name;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_STR(name)
  ZEND_PARSE_PARAMETERS_END();
  zval fn, ret, arg;
  ZVAL_STRING(&fn, "cli_set_process_title");
  ZVAL_STR_COPY(&arg, name);
  const bool called = call_user_function(nullptr, nullptr, &fn, &ret, 1, &arg) == SUCCESS;
  zval_ptr_dtor(&fn);
  zval_ptr_dtor(&arg);
  const bool ok = called && !EG(exception) && zend_is_true(&ret);
  zval_ptr_dtor(&ret);
  RETURN_BOOL(ok);
}

// Ends this process at once with $exit_code (no shutdown functions: they belong to the parent).
ZEND_METHOD(Swoole_Process, exit) {
  zend_long code = 0;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(code)
  ZEND_PARSE_PARAMETERS_END();
  swkit::php::leave(static_cast<int>(code & 0xff));
}

ZEND_METHOD(Swoole_Process, kill) {
  zend_long pid;
  zend_long sig = SIGTERM;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_LONG(pid)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(sig)
  ZEND_PARSE_PARAMETERS_END();
  if (::kill(static_cast<pid_t>(pid), static_cast<int>(sig)) != 0) {
    swkit::set_last_error(errno);
    if (errno != ESRCH || sig != 0) {
      php_error_docref(nullptr, E_WARNING, "kill(%ld, %ld) failed: %s", static_cast<long>(pid),
                       static_cast<long>(sig), std::strerror(errno));
    }
    RETURN_FALSE;
  }
  RETURN_TRUE;
}

// Swoole's async signal handler: $callback($signo) runs on this process's event loop (a server
// worker, task worker or user process; or the process's own loop outside a server, which
// Event::wait() and the end of the script run) each time the signal arrives, never while a
// callback blocks the loop; null removes it (the default action again). False with a warning in
// a server's master or manager and, in server processes, for SIGTERM, SIGWINCH and SIGIO.
ZEND_METHOD(Swoole_Process, signal) {
  zend_long signo;
  zend_fcall_info fci = empty_fcall_info;
  zend_fcall_info_cache fcc = empty_fcall_info_cache;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_LONG(signo)
  Z_PARAM_OPTIONAL
  Z_PARAM_FUNC_OR_NULL(fci, fcc)
  ZEND_PARSE_PARAMETERS_END();
  std::function<void(int)> fn;
  if (ZEND_FCI_INITIALIZED(fci)) {
    auto cb = std::make_shared<swkit::php::Callable>(&fci.function_name);
    fn = [cb](int n) {
      zval arg, ret;
      ZVAL_LONG(&arg, n);
      cb->call(1, &arg, &ret);
      zval_ptr_dtor(&ret);
    };
  }
  if (!swkit::php::loop_signal(static_cast<int>(signo), std::move(fn))) {
    if (swkit::last_error() == swkit::kErrServerSendInMaster) {
      php_error_docref(nullptr, E_WARNING,
                       "signal handlers run in a process without a server or in worker, task "
                       "worker and user processes of one (swkit; not in its master or manager)");
    } else {
      php_error_docref(nullptr, E_WARNING,
                       "signal %ld cannot be handled (SIGTERM, SIGWINCH and SIGIO are swkit's)",
                       static_cast<long>(signo));
    }
    RETURN_FALSE;
  }
  RETURN_TRUE;
}

// Reaps one child: ['pid' => ..., 'code' => exit status, 'signal' => terminating signal], or
// false when there is none (or none has exited yet, without $blocking).
ZEND_METHOD(Swoole_Process, wait) {
  bool blocking = true;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(blocking)
  ZEND_PARSE_PARAMETERS_END();
  int status = 0;
  pid_t pid;
  do {
    pid = waitpid(-1, &status, blocking ? 0 : WNOHANG);
  } while (pid < 0 && errno == EINTR);
  if (pid <= 0) {
    if (pid < 0) swkit::set_last_error(errno);
    RETURN_FALSE;
  }
  array_init(return_value);
  add_assoc_long(return_value, "pid", pid);
  add_assoc_long(return_value, "code", WIFEXITED(status) ? WEXITSTATUS(status) : 0);
  add_assoc_long(return_value, "signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
