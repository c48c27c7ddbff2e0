#include "message_bus.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "log.h"

namespace swkit::detail {

bool make_ipc_pair(int fds[2], int buffer_bytes) {
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) return false;
  for (int i = 0; i < 2; i++) {
    if (setsockopt(fds[i], SOL_SOCKET, SO_SNDBUFFORCE, &buffer_bytes, sizeof buffer_bytes) < 0) {
      setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
    }
    if (setsockopt(fds[i], SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes) < 0) {
      setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
    }
  }
  return true;
}

bool MessageBus::write_datagram(int fd, const MessageHeader& head, std::string_view chunk) {
  auto it = pending_.find(fd);
  if (!corked_ && (it == pending_.end() || it->second.empty())) {
    iovec iov[2] = {{const_cast<MessageHeader*>(&head), sizeof head},
                    {const_cast<char*>(chunk.data()), chunk.size()}};
    for (;;) {
      ssize_t n = ::writev(fd, iov, chunk.empty() ? 1 : 2);
      if (n >= 0) return true;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == ENOBUFS) break;
      return false;
    }
  }
  std::string dgram(sizeof head + chunk.size(), '\0');
  std::memcpy(dgram.data(), &head, sizeof head);
  if (!chunk.empty()) std::memcpy(dgram.data() + sizeof head, chunk.data(), chunk.size());
  auto& q = pending_[fd];
  if (corked_ && q.empty()) corked_fds_.push_back(fd);
  q.push_back(std::move(dgram));
  return true;
}

bool MessageBus::send(int fd, MessageHeader head, std::string_view payload) {
  head.total_len = payload.size();
  if (payload.size() <= kMaxChunkPayload) {
    head.msg_id = 0;
    head.flags = kChunkBegin | kChunkEnd;
    head.len = static_cast<uint32_t>(payload.size());
    return write_datagram(fd, head, payload);
  }
  head.msg_id = msg_ids_->fetch_add(1, std::memory_order_relaxed) + 1;
  size_t off = 0;
  while (off < payload.size()) {
    const size_t n = std::min(kMaxChunkPayload, payload.size() - off);
    head.flags = (off == 0 ? kChunkBegin : 0) | (off + n == payload.size() ? kChunkEnd : 0);
    head.len = static_cast<uint32_t>(n);
    if (!write_datagram(fd, head, payload.substr(off, n))) return false;
    off += n;
  }
  return true;
}

bool MessageBus::flush(int fd) {
  auto it = pending_.find(fd);
  if (it == pending_.end()) return true;
  auto& q = it->second;
  constexpr size_t kBatch = 64;
  mmsghdr msgs[kBatch];
  iovec iovs[kBatch];
  while (!q.empty()) {
    const size_t n = std::min(kBatch, q.size());
    for (size_t i = 0; i < n; i++) {
      iovs[i] = {q[i].data(), q[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int sent = ::sendmmsg(fd, msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == ENOBUFS) return true;
      return false;
    }
    q.erase(q.begin(), q.begin() + sent);
    if (static_cast<size_t>(sent) < n) return true;  // the socket is full
  }
  return true;
}

void MessageBus::flush_corked(const std::function<void(int fd)>& on_blocked) {
  if (corked_fds_.empty()) return;
  std::vector<int> fds;
  fds.swap(corked_fds_);
  for (int fd : fds) {
    if (!flush(fd)) log_error("ipc: write to fd {} failed: {}", fd, std::strerror(errno));
    if (has_pending(fd)) on_blocked(fd);
  }
}

bool MessageBus::has_pending(int fd) const {
  auto it = pending_.find(fd);
  return it != pending_.end() && !it->second.empty();
}

size_t MessageBus::pending_bytes(int fd) const {
  auto it = pending_.find(fd);
  if (it == pending_.end()) return 0;
  size_t total = 0;
  for (const auto& d : it->second) total += d.size();
  return total;
}

bool MessageBus::receive(int fd, const std::function<void(const Message&)>& handler,
                         int max_datagrams, uint64_t max_message) {
  constexpr int kBatch = 32;
  max_datagrams = std::min(max_datagrams, kBatch);
  if (!recv_area_) recv_area_ = std::make_unique_for_overwrite<char[]>(kBatch * kMaxDatagram);
  mmsghdr msgs[kBatch];
  iovec iovs[kBatch];
  for (int i = 0; i < max_datagrams; i++) {
    iovs[i] = {recv_area_.get() + static_cast<size_t>(i) * kMaxDatagram, kMaxDatagram};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int got;
  do {
    got = ::recvmmsg(fd, msgs, static_cast<unsigned>(max_datagrams), MSG_DONTWAIT, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return errno == EAGAIN;
  if (got == 0) return false;
  for (int i = 0; i < got; i++) {
    const size_t n = msgs[i].msg_len;
    const char* data = recv_area_.get() + static_cast<size_t>(i) * kMaxDatagram;
    if (n < sizeof(MessageHeader)) {
      log_warn("ipc: dropped a runt datagram of {} bytes", n);
      continue;
    }
    const auto* head = reinterpret_cast<const MessageHeader*>(data);
    std::string_view body(data + sizeof(MessageHeader), n - sizeof(MessageHeader));
    if ((head->flags & (kChunkBegin | kChunkEnd)) == (kChunkBegin | kChunkEnd)) {
      handler(Message{head, body});
      continue;
    }
    if (head->total_len > max_message) {
      log_warn("ipc: dropped message {} of {} bytes (limit {})", head->msg_id, head->total_len,
               max_message);
      continue;
    }
    if (head->flags & kChunkBegin) {
      Partial& p = partials_[head->msg_id];
      p.head = *head;
      p.data.clear();
      p.data.reserve(head->total_len);
    }
    auto it = partials_.find(head->msg_id);
    if (it == partials_.end()) continue;  // its beginning was dropped
    it->second.data.append(body);
    if (head->flags & kChunkEnd) {
      Partial p = std::move(it->second);
      partials_.erase(it);
      if (p.data.size() != p.head.total_len) {
        log_warn("ipc: message {} reassembled to {} bytes, expected {}", p.head.msg_id,
                 p.data.size(), p.head.total_len);
        continue;
      }
      p.head.len = static_cast<uint32_t>(std::min<uint64_t>(p.data.size(), UINT32_MAX));
      handler(Message{&p.head, p.data});
    }
  }
  return true;
}

}  // namespace swkit::detail
