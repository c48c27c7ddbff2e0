#include "swkit/errors.h"

#include <cstring>

namespace swkit {

namespace {
thread_local int t_last_error = 0;
}

int last_error() {
  return t_last_error;
}
void set_last_error(int code) {
  t_last_error = code;
}

std::string strerror(int code) {
  switch (code) {
    case kErrSessionClosedByServer:
      return "Session closed by server";
    case kErrSessionClosedByClient:
      return "Session closed by client";
    case kErrSessionClosing:
      return "Session is closing";
    case kErrSessionClosed:
      return "Session is closed";
    case kErrSessionNotExist:
      return "Session does not exist";
    case kErrSessionInvalidId:
      return "Invalid session id";
    case kErrSessionDiscardTimeoutData:
      return "Discarded data of a closed session";
    case kErrOutputBufferOverflow:
      return "Output buffer overflow";
    case kErrPackageLengthTooLarge:
      return "Package length exceeds package_max_length";
    case kErrDataLengthTooLarge:
      return "Data length exceeds buffer_output_size";
    case kErrTaskPackageTooBig:
      return "Task package too big";
    case kErrTaskDispatchFail:
      return "Task dispatch failed";
    case kErrTaskTimeout:
      return "Task timed out";
    case kErrInvalidParams:
      return "Invalid parameters";
    case kErrWrongOperation:
      return "Operation not allowed in this process or state";
    case kErrServerWorkerTerminated:
      return "Worker process terminated";
    case kErrServerPipeBufferFull:
      return "Pipe buffer full";
    case kErrServerNoIdleWorker:
      return "No idle worker";
    case kErrServerOnlyStartOne:
      return "A server can be started only once";
    case kErrServerInvalidCommand:
      return "Invalid command";
    case kErrServerSendToWorkerTimeout:
      return "Send to worker timeout";
    case kErrCommandHandlerFailed:
      return "Command handler failed";
    case kErrServerSendInMaster:
      return "Cannot send to a client from the master or manager process";
    default:
      break;
  }
  if (code > 0 && code < 500) return std::strerror(code);
  return "Unknown error " + std::to_string(code);
}

}  // namespace swkit
