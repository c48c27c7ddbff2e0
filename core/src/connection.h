// ConnectionSet: the TCP connections one owner holds (a reactor thread in PROCESS mode, an event
// worker in BASE mode): reading and framing, the output queue, closing, and the connection's
// row in the shared arena. Not thread safe, but in loop.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "arena.h"
#include "config.h"
#include "event_loop.h"

namespace swkit::detail {

// Output queued behind a file being sent: bytes, or a range of an open file (sendfile()).
struct PendingOutput {
  std::string data;
  int file_fd = -1;
  int64_t offset = 0;
  int64_t remaining = 0;
};

struct Connection {
  int fd = -1;
  int row = -1;  // ConnectionSlot in the arena
  uint32_t session_id = 0;
  int server_fd = -1;
  const Config* proto = nullptr;  // its port's protocol settings
  std::string in;                 // received, not yet a complete packet
  std::string out;                // queued for the client
  size_t out_off = 0;
  // Behind out, in order: set once a file is queued, so that later send()s stay after it. out
  // is refilled from here as it drains (a file a chunk at a time).
  std::deque<PendingOutput> later;
  bool has_output() const { return out_off < out.size() || !later.empty(); }
  bool close_after_flush = false;
  bool closing = false;  // onClose pending: no more reads or writes
  bool paused = false;   // pause(): not read until resume()
  int64_t closing_since_us = 0;
  int64_t accepted_us = 0;  // wall clock: the heartbeat's "last received" before any data
  CloseReason reason = CloseReason::None;
};

// What the owner does with a connection's events.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual void on_open(Connection& c) = 0;
  virtual void on_packet(Connection& c, std::string_view packet) = 0;
  // The connection stopped (peer closed, error, or a server-side close was flushed). The host
  // runs or schedules onClose, then calls ConnectionSet::release().
  virtual void on_closed(Connection& c) = 0;
};

struct ListenerInfo {
  int fd = -1;
  int port = 0;
  int sock_type = 0;
  const Config* proto = nullptr;  // the port's protocol settings (framing, nodelay)
};

class ConnectionSet {
 public:
  ConnectionSet(EventLoop& loop, Arena& arena, const Config& cfg, ConnectionHost& host,
                int reactor_id);
  ~ConnectionSet();

  // Takes ownership of an accepted socket. Returns false (and closes fd) when the table is full.
  bool adopt(int fd, const ListenerInfo& listener, const sockaddr_storage& peer);
  // Queues data; false when the session is not here or is closing.
  bool send(uint32_t session_id, std::string_view data);
  // sendfile(): queues length bytes of path from offset, after what is queued; read and written
  // a chunk at a time as the socket drains. False when the file cannot be opened.
  bool send_file(uint32_t session_id, const std::string& path, int64_t offset, int64_t length);
  // sendwait(): queues data and writes until the whole queue has left, waiting for the socket
  // (blocking the caller's loop); false when the connection is gone or fails meanwhile.
  bool send_blocking(uint32_t session_id, std::string_view data);
  // Server-side close: flushes queued output first unless reset.
  void close(uint32_t session_id, bool reset);
  // pause()/resume(): stop and restart reading a client (its output keeps flowing).
  void set_paused(uint32_t session_id, bool paused);
  // Final step after onClose: closes the fd and frees the arena row.
  void release(uint32_t session_id);
  // Closes everything at shutdown, without callbacks.
  void release_all();
  // Releases connections whose onClose answer is overdue (the worker died holding it).
  void expire_closing(int64_t older_than_us);
  // Heartbeat: closes every connection that received nothing for idle_us (since it connected,
  // when nothing came yet); one with output still queued is reset, its peer is not reading.
  // Returns how many were closed.
  size_t close_idle(int64_t idle_us);

  Connection* find(uint32_t session_id);
  size_t size() const { return by_session_.size(); }

 private:
  void on_event(int fd, uint32_t events);
  void read_from(Connection& c);
  void write_to(Connection& c);
  void begin_close(Connection& c, CloseReason reason, int err);
  void update_watch(Connection& c);
  // Moves queued output from c.later into c.out (at most one file chunk); false when none.
  bool refill(Connection& c);

  EventLoop& loop_;
  Arena& arena_;
  const Config& cfg_;
  ConnectionHost& host_;
  int reactor_id_;
  std::unordered_map<uint32_t, Connection> by_session_;
  std::unordered_map<int, uint32_t> by_fd_;
  std::string read_buf_;
};

std::string format_ip(const sockaddr_storage& addr, int* port);

// UDP: reads the datagrams waiting on a non-blocking socket (at most max per call, so that one
// busy port cannot starve the loop) and hands each on with its sender. buf is scratch space.
using DatagramHandler = std::function<void(const sockaddr_storage& peer, std::string_view data)>;
void receive_datagrams(int fd, std::string& buf, int max, const DatagramHandler& on);
// A sendfile() request through worker IPC: offset and length, then the path.
std::string pack_sendfile(const std::string& path, int64_t offset, int64_t length);
bool unpack_sendfile(std::string_view payload, std::string& path, int64_t& offset, int64_t& length);

// A datagram through worker IPC: the sender's address, then the data.
std::string pack_datagram(const sockaddr_storage& peer, std::string_view data);
bool unpack_datagram(std::string_view payload, sockaddr_storage& peer, std::string_view& data);

// Accepts every pending connection on a non-blocking listener and hands each to adopt.
void accept_pending(int listen_fd,
                    const std::function<void(int fd, const sockaddr_storage&)>& adopt);

}  // namespace swkit::detail
