// Swoole's numeric error codes, as the seed documents them, and the per-thread last error.
#pragma once

#include <stdexcept>
#include <string>

namespace swkit {

// Codes follow the seed's getLastError() table (1008 = output buffer overflow, 1202 = data
// larger than buffer_output_size); values below 500 are plain errno values.
enum ErrorCode : int {
  kErrSessionClosedByServer = 1001,
  kErrSessionClosedByClient = 1002,
  kErrSessionClosing = 1003,
  kErrSessionClosed = 1004,
  kErrSessionNotExist = 1005,
  kErrSessionInvalidId = 1006,
  kErrSessionDiscardTimeoutData = 1007,
  kErrOutputBufferOverflow = 1008,
  kErrPackageLengthTooLarge = 1201,
  kErrDataLengthTooLarge = 1202,
  kErrTaskPackageTooBig = 2001,
  kErrTaskDispatchFail = 2002,
  kErrTaskTimeout = 2003,
  kErrInvalidParams = 505,
  kErrWrongOperation = 509,
  kErrServerWorkerTerminated = 9003,
  kErrServerPipeBufferFull = 9006,
  kErrServerNoIdleWorker = 9007,
  kErrServerOnlyStartOne = 9008,
  kErrServerSendInMaster = 9009,
  kErrServerInvalidCommand = 9012,
  kErrServerSendToWorkerTimeout = 9014,
  kErrCommandHandlerFailed = -1,  // a command handler threw (Swoole's admin server reports -1)
};

// Thread safe (the value is per thread). Every public call that fails sets it.
int last_error();
void set_last_error(int code);

// A readable text for a swkit/Swoole code or an errno value.
std::string strerror(int code);

// Thrown by Server::set() and Server::on() for bad input: the message names the key and the
// accepted range or type.
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace swkit
