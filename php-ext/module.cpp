// The swkit module: MINIT (classes, SWOOLE_* constants), the swoole_* functions, phpinfo().
#include "php_swkit.h"  // PHP's headers first: the others below depend on them

#include <netdb.h>
#include <unistd.h>
#include <zend_attributes.h>
#include <ext/standard/info.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "atomic.h"
#include "client_object.h"
#include "co_socket.h"
#include "connection_iterator.h"
#include "coroutine.h"
#include "port_object.h"
#include "process_object.h"
#include "server_object.h"
#include "swkit/errors.h"
#include "swkit/server.h"
#include "swkit_arginfo.h"

namespace {

constexpr int kStrerrorSystem = 0;
constexpr int kStrerrorGai = 1;
constexpr int kStrerrorDns = 2;
constexpr int kStrerrorSwoole = 9;

void register_constants(int module_number) {
  // Server modes and socket types (Swoole's values).
  REGISTER_LONG_CONSTANT("SWOOLE_BASE", static_cast<int>(swkit::Mode::Base),
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_PROCESS", static_cast<int>(swkit::Mode::Process),
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SOCK_TCP", swkit::kSockTcp, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SOCK_TCP6", swkit::kSockTcp6, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SOCK_UDP", swkit::kSockUdp, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SOCK_UDP6", swkit::kSockUdp6, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SOCK_UNIX_STREAM", 5, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SOCK_UNIX_DGRAM", 6, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_TCP", swkit::kSockTcp, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_TCP6", swkit::kSockTcp6, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_UDP", swkit::kSockUdp, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_UDP6", swkit::kSockUdp6, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_UNIX_STREAM", 5, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_UNIX_DGRAM", 6, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SSL", 1 << 9, CONST_CS | CONST_PERSISTENT);

  // dispatch_mode values.
  REGISTER_LONG_CONSTANT("SWOOLE_DISPATCH_ROUND", 1, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_DISPATCH_FDMOD", 2, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_DISPATCH_IDLE_WORKER", 3, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_DISPATCH_IPMOD", 4, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_DISPATCH_UIDMOD", 5, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_DISPATCH_USERFUNC", 6, CONST_CS | CONST_PERSISTENT);

  // getWorkerStatus() values.
  REGISTER_LONG_CONSTANT("SWOOLE_WORKER_BUSY", swkit::kWorkerBusy, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_WORKER_IDLE", swkit::kWorkerIdle, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_WORKER_EXIT", swkit::kWorkerExit, CONST_CS | CONST_PERSISTENT);

  // addCommand()/command() process types.
  REGISTER_LONG_CONSTANT("SWOOLE_SERVER_COMMAND_MASTER", swkit::kCommandMaster,
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SERVER_COMMAND_MANAGER", swkit::kCommandManager,
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SERVER_COMMAND_REACTOR_THREAD", swkit::kCommandReactorThread,
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SERVER_COMMAND_EVENT_WORKER", swkit::kCommandEventWorker,
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SERVER_COMMAND_WORKER", swkit::kCommandEventWorker,
                         CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_SERVER_COMMAND_TASK_WORKER", swkit::kCommandTaskWorker,
                         CONST_CS | CONST_PERSISTENT);

  // log_level values.
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_DEBUG", 0, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_TRACE", 1, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_INFO", 2, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_NOTICE", 3, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_WARNING", 4, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_ERROR", 5, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_LOG_NONE", 6, CONST_CS | CONST_PERSISTENT);

  // swoole_strerror() error types.
  REGISTER_LONG_CONSTANT("SWOOLE_STRERROR_SYSTEM", kStrerrorSystem, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_STRERROR_GAI", kStrerrorGai, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_STRERROR_DNS", kStrerrorDns, CONST_CS | CONST_PERSISTENT);
  REGISTER_LONG_CONSTANT("SWOOLE_STRERROR_SWOOLE", kStrerrorSwoole, CONST_CS | CONST_PERSISTENT);

  // Error codes core sets (the seed's getLastError() table and Swoole's names).
  struct {
    const char* name;
    int code;
  } const errors[] = {
      {"SWOOLE_ERROR_INVALID_PARAMS", swkit::kErrInvalidParams},
      {"SWOOLE_ERROR_WRONG_OPERATION", swkit::kErrWrongOperation},
      {"SWOOLE_ERROR_SESSION_CLOSED_BY_SERVER", swkit::kErrSessionClosedByServer},
      {"SWOOLE_ERROR_SESSION_CLOSED_BY_CLIENT", swkit::kErrSessionClosedByClient},
      {"SWOOLE_ERROR_SESSION_CLOSING", swkit::kErrSessionClosing},
      {"SWOOLE_ERROR_SESSION_CLOSED", swkit::kErrSessionClosed},
      {"SWOOLE_ERROR_SESSION_NOT_EXIST", swkit::kErrSessionNotExist},
      {"SWOOLE_ERROR_SESSION_INVALID_ID", swkit::kErrSessionInvalidId},
      {"SWOOLE_ERROR_SESSION_DISCARD_TIMEOUT_DATA", swkit::kErrSessionDiscardTimeoutData},
      {"SWOOLE_ERROR_OUTPUT_BUFFER_OVERFLOW", swkit::kErrOutputBufferOverflow},
      {"SWOOLE_ERROR_PACKAGE_LENGTH_TOO_LARGE", swkit::kErrPackageLengthTooLarge},
      {"SWOOLE_ERROR_DATA_LENGTH_TOO_LARGE", swkit::kErrDataLengthTooLarge},
      {"SWOOLE_ERROR_TASK_PACKAGE_TOO_BIG", swkit::kErrTaskPackageTooBig},
      {"SWOOLE_ERROR_TASK_DISPATCH_FAIL", swkit::kErrTaskDispatchFail},
      {"SWOOLE_ERROR_TASK_TIMEOUT", swkit::kErrTaskTimeout},
      {"SWOOLE_ERROR_SERVER_WORKER_TERMINATED", swkit::kErrServerWorkerTerminated},
      {"SWOOLE_ERROR_SERVER_PIPE_BUFFER_FULL", swkit::kErrServerPipeBufferFull},
      {"SWOOLE_ERROR_SERVER_NO_IDLE_WORKER", swkit::kErrServerNoIdleWorker},
      {"SWOOLE_ERROR_SERVER_ONLY_START_ONE", swkit::kErrServerOnlyStartOne},
      {"SWOOLE_ERROR_SERVER_SEND_IN_MASTER", swkit::kErrServerSendInMaster},
      {"SWOOLE_ERROR_SERVER_INVALID_COMMAND", swkit::kErrServerInvalidCommand},
      {"SWOOLE_ERROR_SERVER_SEND_TO_WOKER_TIMEOUT", swkit::kErrServerSendToWorkerTimeout},
  };
  for (const auto& e : errors) {
    zend_register_long_constant(e.name, std::strlen(e.name), e.code, CONST_CS | CONST_PERSISTENT,
                                module_number);
  }
}

PHP_MINIT_FUNCTION(swkit) {
  // swkit is a replacement for ext-swoole, not a companion: both define Swoole\Server.
  for (const char* other : {"swoole", "openswoole"}) {
    if (zend_hash_str_exists(&module_registry, other, std::strlen(other))) {
      zend_error(E_CORE_WARNING,
                 "swkit: cannot be loaded together with ext-%s (both define Swoole\\Server); "
                 "load one of them",
                 other);
      return FAILURE;
    }
  }
  if (zend_hash_str_exists(CG(class_table), ZEND_STRL("swoole\\server"))) {
    zend_error(E_CORE_WARNING,
               "swkit: class Swoole\\Server already exists (ext-swoole is loaded?); "
               "swkit cannot be loaded beside it");
    return FAILURE;
  }
  register_constants(module_number);
  swkit::php::server_minit(register_class_Swoole_Server());
  swkit::php::timer_ce = register_class_Swoole_Timer();
  register_class_Swoole_Event();
  register_class_Swoole_Coroutine();
  register_class_Swoole_Constant();
  swkit::php::port_minit(register_class_Swoole_Server_Port());
  swkit::php::co_socket_minit(register_class_Swoole_Coroutine_Socket());
  swkit::php::process_minit(register_class_Swoole_Process());
  swkit::php::client_minit(register_class_Swoole_Client());
  swkit::php::atomic_minit(register_class_Swoole_Atomic(), register_class_Swoole_Atomic_Long());
  swkit::php::connection_iterator_minit(register_class_Swoole_Connection_Iterator(
      zend_ce_iterator, zend_ce_countable, zend_ce_arrayaccess));
  return SUCCESS;
}

PHP_MINFO_FUNCTION(swkit) {
  php_info_print_table_start();
  php_info_print_table_row(2, "swkit", "enabled");
  php_info_print_table_row(2, "Version", PHP_SWKIT_VERSION);
  php_info_print_table_row(2, "Provides",
                           "Swoole\\Server, Swoole\\Process, Swoole\\Client, Swoole\\Event, "
                           "Swoole\\Coroutine, Swoole\\Constant, Swoole\\Timer, "
                           "Swoole\\Atomic, Swoole\\Atomic\\Long, "
                           "Swoole\\Connection\\Iterator");
  php_info_print_table_end();
}

}  // namespace

// Any process: the last error of this process (Server::getLastError()).
PHP_FUNCTION(swoole_last_error) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(swkit::last_error());
}

PHP_FUNCTION(swoole_clear_error) {
  ZEND_PARSE_PARAMETERS_NONE();
  swkit::set_last_error(0);
}

PHP_FUNCTION(swoole_errno) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(errno);
}

PHP_FUNCTION(swoole_cpu_num) {
  ZEND_PARSE_PARAMETERS_NONE();
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  RETURN_LONG(n > 0 ? n : 1);
}

// As Swoole: a swkit/Swoole code (500..9999) or SWOOLE_STRERROR_SWOOLE reads the seed's error
// table, SWOOLE_STRERROR_GAI/DNS the resolver's texts, anything else strerror().
PHP_FUNCTION(swoole_strerror) {
  zend_long code;
  zend_long type = kStrerrorSystem;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_LONG(code)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(type)
  ZEND_PARSE_PARAMETERS_END();
  const int c = static_cast<int>(code);
  if (type == kStrerrorGai) RETURN_STRING(gai_strerror(c));
  if (type == kStrerrorDns) RETURN_STRING(hstrerror(c));
  if (type == kStrerrorSwoole || (c >= 500 && c < 10000)) {
    const std::string text = swkit::strerror(c);
    RETURN_STRINGL(text.data(), text.size());
  }
  RETURN_STRING(std::strerror(c));
}

// cli_set_process_title() under Swoole's name.
PHP_FUNCTION(swoole_set_process_name) {
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

zend_module_entry swkit_module_entry = {
    STANDARD_MODULE_HEADER,
    "swkit",
    ext_functions,
    PHP_MINIT(swkit),
    nullptr,
    nullptr,
    nullptr,
    PHP_MINFO(swkit),
    PHP_SWKIT_VERSION,
    STANDARD_MODULE_PROPERTIES,
};

#ifdef COMPILE_DL_SWKIT
extern "C" {
ZEND_GET_MODULE(swkit)
}
#endif
