// IPC framing over SOCK_DGRAM socketpairs (DESIGN §4): a fixed header and a payload per
// datagram; payloads beyond one datagram travel as chunks sharing a message id and are
// reassembled by the receiver. Not thread safe: one MessageBus per thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swkit::detail {

enum class MsgType : uint8_t {
  Data = 1,          // reactor -> worker: bytes from a client
  Connect = 2,       // reactor -> worker: onConnect
  Close = 3,         // reactor -> worker: onClose (the worker answers CloseAck)
  Send = 4,          // worker -> reactor (or BASE owner): bytes to a client
  CloseReq = 5,      // worker -> reactor (or BASE owner): close a client
  CloseAck = 6,      // worker -> reactor: onClose has run, the fd may go
  ResetReq = 7,      // worker -> reactor: close now, dropping queued output
  Task = 8,          // -> task worker: session_id = task id, worker_id = sender, aux = flags
  Finish = 9,        // task worker -> sender: the result of task session_id
  PipeMessage = 10,  // sendMessage(): worker_id = sender
  PauseReq = 11,     // worker -> reactor (or BASE owner): stop reading a client
  ResumeReq = 12,    // worker -> reactor (or BASE owner): read it again
  Packet = 13,       // reactor -> worker: a UDP datagram (pack_datagram), server_fd = its port
  SendFile = 14,     // worker -> reactor (or BASE owner): offset, length (int64 each), path
};

// aux flags of Task/Finish messages.
enum TaskFlags : uint32_t {
  kTaskWaiting = 1,
  kTaskCallback = 2,
  kTaskNoReply = 4,
  kTaskTmpfile = 8,  // the payload is the path of a file holding the data (task_ipc_mode 3)
  kTaskGroup = 16,   // part of a non-blocking taskCo: the result goes to its group
};

enum MsgFlags : uint8_t { kChunkBegin = 1, kChunkEnd = 2 };

struct MessageHeader {
  uint64_t msg_id;
  uint64_t total_len;  // payload length of the whole message
  uint32_t session_id;
  uint32_t len;  // payload bytes in this datagram
  int32_t server_fd;
  int32_t worker_id;  // sender worker id, or -1
  int16_t reactor_id;
  MsgType type;
  uint8_t flags;
  uint32_t aux;  // TaskFlags for Task/Finish
  double time;
};
static_assert(sizeof(MessageHeader) == 48);

constexpr size_t kMaxDatagram = 64 * 1024;
constexpr size_t kMaxChunkPayload = kMaxDatagram - sizeof(MessageHeader);

// One complete message as the receiver sees it. payload points into the bus's buffer and is
// valid only during the handler call.
struct Message {
  const MessageHeader* head;
  std::string_view payload;
};

class MessageBus {
 public:
  explicit MessageBus(std::atomic<uint64_t>* msg_id_counter) : msg_ids_(msg_id_counter) {}

  // Writes one message to fd (non-blocking); what does not fit is queued in order. Returns
  // false only on a hard socket error. After it, has_pending(fd) says whether to wait for
  // EPOLLOUT and call flush(fd). While corked, every datagram is queued and goes out with the
  // others at flush_corked(): one sendmmsg per peer per loop iteration instead of one write
  // per message, and one wake-up of the peer for the whole batch.
  bool send(int fd, MessageHeader head, std::string_view payload);
  bool flush(int fd);
  void set_corked(bool corked) { corked_ = corked; }
  bool corked() const { return corked_; }
  // Flushes every fd written while corked; calls on_blocked(fd) for those left with a queue
  // (the caller waits for EPOLLOUT on them).
  void flush_corked(const std::function<void(int fd)>& on_blocked);
  bool has_pending(int fd) const;
  // True while a chunked message is half read: a stopping reader must finish it first, or its
  // successor would get the tail without the head.
  bool has_partials() const { return !partials_.empty(); }
  size_t pending_bytes(int fd) const;

  // Reads up to max_datagrams from fd and calls handler for each complete message. Returns
  // false when the peer is gone. Messages whose total_len exceeds max_message are dropped with
  // a log line (the sender never builds one; this guards against corruption).
  bool receive(int fd, const std::function<void(const Message&)>& handler, int max_datagrams = 32,
               uint64_t max_message = 1ull << 31);

 private:
  struct Partial {
    MessageHeader head;
    std::string data;
  };
  bool write_datagram(int fd, const MessageHeader& head, std::string_view chunk);

  std::atomic<uint64_t>* msg_ids_;
  std::unordered_map<int, std::deque<std::string>> pending_;
  std::vector<int> corked_fds_;
  bool corked_ = false;
  std::unordered_map<uint64_t, Partial> partials_;
  // kBatch datagram buffers in one allocation that is never zero-filled: pages are touched
  // only when the kernel writes to them (a new worker starts cheaply).
  std::unique_ptr<char[]> recv_area_;
};

// Creates a SOCK_DGRAM socketpair with large buffers (SO_SNDBUFFORCE where permitted).
bool make_ipc_pair(int fds[2], int buffer_bytes);

}  // namespace swkit::detail
