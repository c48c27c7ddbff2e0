#include "client_object.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "state_object.h"
#include "swkit/framing.h"
#include "swkit/server.h"

namespace swkit::php {

namespace {

zend_class_entry* client_ce = nullptr;

enum class Framing { None, Eof, Length };

struct ClientState {
  int fd = -1;
  int type = kSockTcp;
  bool connected = false;
  double timeout = 0.5;      // seconds, for connect, send and recv (< 0: forever)
  bool timeout_set = false;  // the 'timeout' setting wins over connect()'s
  Framing framing = Framing::None;
  std::string eof;         // package_eof
  char length_type = 'N';  // package_length_type (PHP pack codes)
  long length_offset = 0;
  long body_offset = 4;
  long max_length = 2 * 1024 * 1024;
  std::string buffer;  // received, not yet returned
};

using ClientObject = StateObject<ClientState>;

ClientObject* client_from(zend_object* obj) {
  return ClientObject::from(obj);
}

ClientState* state_of(zval* self) {
  return client_from(Z_OBJ_P(self))->state;
}

bool is_udp(const ClientState* c) {
  return c->type == kSockUdp || c->type == kSockUdp6;
}
bool is_v6(const ClientState* c) {
  return c->type == kSockTcp6 || c->type == kSockUdp6;
}

void set_error(zval* self, int code) {
  zend_update_property_long(client_ce, Z_OBJ_P(self), ZEND_STRL("errCode"), code);
  const char* text = std::strerror(code);
  zend_update_property_string(client_ce, Z_OBJ_P(self), ZEND_STRL("errMsg"), text);
}

void close_socket(ClientState* c) {
  if (c->fd >= 0) ::close(c->fd);
  c->fd = -1;
  c->connected = false;
  c->buffer.clear();
}

void client_free(zend_object* obj) {
  close_socket(client_from(obj)->state);
  release_state_object<ClientState>(obj);
}

int timeout_ms(const ClientState* c) {
  return c->timeout < 0 ? -1 : static_cast<int>(std::ceil(c->timeout * 1000));
}

// Waits for events on the socket; 0 on timeout (errno ETIMEDOUT), -1 on error.
int wait_for(const ClientState* c, short events) {
  pollfd p{c->fd, events, 0};
  int n;
  do {
    n = poll(&p, 1, timeout_ms(c));
  } while (n < 0 && errno == EINTR);
  if (n == 0) errno = ETIMEDOUT;
  return n;
}

bool resolve(const ClientState* c, const std::string& host, int port, sockaddr_storage& addr,
             socklen_t& len) {
  addrinfo hints{};
  hints.ai_family = is_v6(c) ? AF_INET6 : AF_INET;
  hints.ai_socktype = is_udp(c) ? SOCK_DGRAM : SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || !res) {
    errno = EHOSTUNREACH;
    return false;
  }
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  freeaddrinfo(res);
  return true;
}

// Reads what the socket has into the buffer: >0 bytes, 0 at EOF, -1 on error or timeout.
ssize_t fill(ClientState* c, size_t want) {
  if (wait_for(c, POLLIN) <= 0) return -1;
  std::string chunk(std::max<size_t>(want, 65536), '\0');
  ssize_t n;
  do {
    n = ::recv(c->fd, chunk.data(), chunk.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) c->buffer.append(chunk.data(), static_cast<size_t>(n));
  return n;
}

// The length field of a length-framed packet at the start of data, or nullopt if not all there
// yet.
std::optional<long long> length_field(const ClientState* c, const std::string& data) {
  const auto size = static_cast<size_t>(swkit::length_type_size(c->length_type));
  if (data.size() < static_cast<size_t>(c->length_offset) + size) return std::nullopt;
  return swkit::decode_length(
      c->length_type, reinterpret_cast<const unsigned char*>(data.data() + c->length_offset));
}

}  // namespace

void client_minit(zend_class_entry* ce) {
  client_ce = ce;
  register_state_class<ClientState>(ce, client_free);
}

}  // namespace swkit::php

using swkit::php::ClientState;

ZEND_METHOD(Swoole_Client, __construct) {
  zend_long type;
  bool async = false;
  zend_string* id = nullptr;
  ZEND_PARSE_PARAMETERS_START(1, 3)
  Z_PARAM_LONG(type)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(async)
  Z_PARAM_STR(id)
  ZEND_PARSE_PARAMETERS_END();
  type &= 0xff;  // Swoole accepts SWOOLE_SOCK_SYNC/ASYNC bits here
  if (type != swkit::kSockTcp && type != swkit::kSockTcp6 && type != swkit::kSockUdp &&
      type != swkit::kSockUdp6) {
    zend_argument_value_error(1,
                              "must be SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, SWOOLE_SOCK_UDP or "
                              "SWOOLE_SOCK_UDP6 (swkit has no unix socket client yet)");
    RETURN_THROWS();
  }
  if (async) {
    zend_throw_error(nullptr, "Swoole\\Client: the asynchronous client is not supported");
    RETURN_THROWS();
  }
  swkit::php::state_of(ZEND_THIS)->type = static_cast<int>(type);
  zend_update_property_long(Z_OBJCE_P(ZEND_THIS), Z_OBJ_P(ZEND_THIS), ZEND_STRL("type"), type);
}

// open_eof_check/package_eof, open_length_check/package_length_type/package_length_offset/
// package_body_offset, package_max_length, timeout. Others are kept in $setting only.
ZEND_METHOD(Swoole_Client, set) {
  zval* zset;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_ARRAY(zset)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  HashTable* ht = Z_ARRVAL_P(zset);
  zval* v;
  if ((v = zend_hash_str_find(ht, ZEND_STRL("open_eof_check"))) && zend_is_true(v)) {
    c->framing = swkit::php::Framing::Eof;
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("open_eof_split"))) && zend_is_true(v)) {
    c->framing = swkit::php::Framing::Eof;
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("package_eof")))) {
    zend_string* eof = zval_get_string(v);
    c->eof.assign(ZSTR_VAL(eof), ZSTR_LEN(eof));
    zend_string_release(eof);
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("open_length_check"))) && zend_is_true(v)) {
    c->framing = swkit::php::Framing::Length;
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("package_length_type")))) {
    zend_string* t = zval_get_string(v);
    if (ZSTR_LEN(t) != 1 || !std::strchr("cCsSnvlLNV", ZSTR_VAL(t)[0])) {
      php_error_docref(nullptr, E_WARNING, "unknown package_length_type '%s'", ZSTR_VAL(t));
      zend_string_release(t);
      RETURN_FALSE;
    }
    c->length_type = ZSTR_VAL(t)[0];
    zend_string_release(t);
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("package_length_offset")))) {
    c->length_offset = zval_get_long(v);
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("package_body_offset")))) {
    c->body_offset = zval_get_long(v);
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("package_max_length")))) {
    c->max_length = zval_get_long(v);
  }
  if ((v = zend_hash_str_find(ht, ZEND_STRL("timeout")))) {
    c->timeout = zval_get_double(v);
    c->timeout_set = true;
  }
  if (c->framing == swkit::php::Framing::Eof && c->eof.empty()) c->eof = "\r\n";
  zval rv;
  zval* current =
      zend_read_property(Z_OBJCE_P(ZEND_THIS), Z_OBJ_P(ZEND_THIS), ZEND_STRL("setting"), 1, &rv);
  zval merged;
  if (Z_TYPE_P(current) == IS_ARRAY) {
    ZVAL_ARR(&merged, zend_array_dup(Z_ARRVAL_P(current)));
  } else {
    array_init(&merged);
  }
  zend_hash_merge(Z_ARRVAL(merged), ht, zval_add_ref, 1);
  zend_update_property(Z_OBJCE_P(ZEND_THIS), Z_OBJ_P(ZEND_THIS), ZEND_STRL("setting"), &merged);
  zval_ptr_dtor(&merged);
  RETURN_TRUE;
}

// Connects within $timeout seconds (also the send/recv timeout unless set() gave 'timeout').
ZEND_METHOD(Swoole_Client, connect) {
  zend_string* host;
  zend_long port = 0;
  double timeout = 0.5;
  zend_long flag = 0;
  ZEND_PARSE_PARAMETERS_START(1, 4)
  Z_PARAM_STR(host)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(port)
  Z_PARAM_DOUBLE(timeout)
  Z_PARAM_LONG(flag)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  if (c->connected) {
    php_error_docref(nullptr, E_WARNING, "connection to the server has already been established");
    RETURN_FALSE;
  }
  if (!c->timeout_set) c->timeout = timeout;
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto fail = [&](int err) {
    swkit::php::close_socket(c);
    swkit::php::set_error(ZEND_THIS, err);
    php_error_docref(nullptr, E_WARNING, "connect to server[%s:%d] failed. Error: %s[%d]",
                     ZSTR_VAL(host), static_cast<int>(port), std::strerror(err), err);
  };
  if (port <= 0 || port > 65535) {
    zend_argument_value_error(2, "must be between 1 and 65535");
    RETURN_THROWS();
  }
  if (!swkit::php::resolve(c, ZSTR_VAL(host), static_cast<int>(port), addr, len)) {
    fail(errno);
    RETURN_FALSE;
  }
  c->fd = ::socket(addr.ss_family,
                   (swkit::php::is_udp(c) ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    fail(errno);
    RETURN_FALSE;
  }
  const int fl = fcntl(c->fd, F_GETFL);
  fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
  if (::connect(c->fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) {
      fail(errno);
      RETURN_FALSE;
    }
    if (swkit::php::wait_for(c, POLLOUT) <= 0) {
      fail(errno);
      RETURN_FALSE;
    }
    int err = 0;
    socklen_t elen = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) {
      fail(err);
      RETURN_FALSE;
    }
  }
  if (!swkit::php::is_udp(c)) {
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  c->connected = true;
  RETURN_TRUE;
}

// Sends all of $data (waiting for room at most the timeout). Bytes sent, or false.
ZEND_METHOD(Swoole_Client, send) {
  zend_string* data;
  zend_long flag = 0;
  ZEND_PARSE_PARAMETERS_START(1, 2)
  Z_PARAM_STR(data)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(flag)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  if (!c->connected) {
    php_error_docref(nullptr, E_WARNING, "not connected to the server");
    swkit::php::set_error(ZEND_THIS, ENOTCONN);
    RETURN_FALSE;
  }
  if (ZSTR_LEN(data) == 0) {
    php_error_docref(nullptr, E_WARNING, "data to send is empty");
    RETURN_FALSE;
  }
  size_t sent = 0;
  while (sent < ZSTR_LEN(data)) {
    const ssize_t n =
        ::send(c->fd, ZSTR_VAL(data) + sent, ZSTR_LEN(data) - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        swkit::php::wait_for(c, POLLOUT) > 0) {
      continue;
    }
    swkit::php::set_error(ZEND_THIS, errno);
    RETURN_FALSE;
  }
  RETURN_LONG(static_cast<zend_long>(sent));
}

// UDP: one datagram to $ip:$port.
ZEND_METHOD(Swoole_Client, sendto) {
  zend_string* ip;
  zend_long port;
  zend_string* data;
  ZEND_PARSE_PARAMETERS_START(3, 3)
  Z_PARAM_STR(ip)
  Z_PARAM_LONG(port)
  Z_PARAM_STR(data)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  if (!swkit::php::is_udp(c)) {
    php_error_docref(nullptr, E_WARNING, "sendto() is for UDP clients only");
    RETURN_FALSE;
  }
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!swkit::php::resolve(c, ZSTR_VAL(ip), static_cast<int>(port), addr, len)) {
    swkit::php::set_error(ZEND_THIS, errno);
    RETURN_FALSE;
  }
  if (c->fd < 0) {
    c->fd = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
      swkit::php::set_error(ZEND_THIS, errno);
      RETURN_FALSE;
    }
  }
  if (::sendto(c->fd, ZSTR_VAL(data), ZSTR_LEN(data), 0, reinterpret_cast<sockaddr*>(&addr), len) <
      0) {
    swkit::php::set_error(ZEND_THIS, errno);
    RETURN_FALSE;
  }
  RETURN_TRUE;
}

// Without framing: what arrives, at most $size bytes ($size exactly with MSG_WAITALL). With EOF
// or length framing: one whole packet. '' when the server closed the connection; false on
// timeout or error ($errCode).
ZEND_METHOD(Swoole_Client, recv) {
  zend_long size = 65536;
  zend_long flag = 0;
  ZEND_PARSE_PARAMETERS_START(0, 2)
  Z_PARAM_OPTIONAL
  Z_PARAM_LONG(size)
  Z_PARAM_LONG(flag)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  if (c->fd < 0) {
    php_error_docref(nullptr, E_WARNING, "not connected to the server");
    swkit::php::set_error(ZEND_THIS, ENOTCONN);
    RETURN_FALSE;
  }
  if (size <= 0) size = 65536;
  auto closed = [&]() {
    swkit::php::close_socket(c);
    RETURN_EMPTY_STRING();
  };
  auto error = [&]() {
    swkit::php::set_error(ZEND_THIS, errno);
    RETURN_FALSE;
  };
  if (swkit::php::is_udp(c)) {
    std::string buf(static_cast<size_t>(size), '\0');
    if (swkit::php::wait_for(c, POLLIN) <= 0) return error();
    const ssize_t n = ::recv(c->fd, buf.data(), buf.size(), 0);
    if (n < 0) return error();
    RETURN_STRINGL(buf.data(), static_cast<size_t>(n));
  }
  switch (c->framing) {
    case swkit::php::Framing::Eof:
      for (;;) {
        const size_t at = c->buffer.find(c->eof);
        if (at != std::string::npos) {
          const size_t end = at + c->eof.size();
          RETVAL_STRINGL(c->buffer.data(), end);
          c->buffer.erase(0, end);
          return;
        }
        if (static_cast<long>(c->buffer.size()) > c->max_length) {
          errno = EMSGSIZE;
          return error();
        }
        const ssize_t n = swkit::php::fill(c, 65536);
        if (n == 0) return closed();
        if (n < 0) return error();
      }
    case swkit::php::Framing::Length:
      for (;;) {
        if (const std::optional<long long> body = swkit::php::length_field(c, c->buffer)) {
          const long long total = c->body_offset + *body;
          if (*body < 0 || total > c->max_length) {
            errno = EMSGSIZE;
            return error();
          }
          if (static_cast<long long>(c->buffer.size()) >= total) {
            RETVAL_STRINGL(c->buffer.data(), static_cast<size_t>(total));
            c->buffer.erase(0, static_cast<size_t>(total));
            return;
          }
        }
        const ssize_t n = swkit::php::fill(c, 65536);
        if (n == 0) return closed();
        if (n < 0) return error();
      }
    case swkit::php::Framing::None:
      break;
  }
  const bool wait_all = (flag & 256) != 0;
  while (c->buffer.empty() || (wait_all && c->buffer.size() < static_cast<size_t>(size))) {
    const ssize_t n = swkit::php::fill(c, static_cast<size_t>(size) - c->buffer.size());
    if (n == 0) {
      if (!c->buffer.empty()) break;
      return closed();
    }
    if (n < 0) return error();
  }
  const size_t take = std::min(c->buffer.size(), static_cast<size_t>(size));
  RETVAL_STRINGL(c->buffer.data(), take);
  c->buffer.erase(0, take);
}

ZEND_METHOD(Swoole_Client, isConnected) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_BOOL(swkit::php::state_of(ZEND_THIS)->connected);
}

static void address_array(const sockaddr_storage& addr, zval* out) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  }
  array_init(out);
  add_assoc_long(out, "port", port);
  add_assoc_string(out, "host", host);
}

ZEND_METHOD(Swoole_Client, getsockname) {
  ZEND_PARSE_PARAMETERS_NONE();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (c->fd < 0 || getsockname(c->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    RETURN_FALSE;
  }
  address_array(addr, return_value);
}

ZEND_METHOD(Swoole_Client, getpeername) {
  ZEND_PARSE_PARAMETERS_NONE();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (c->fd < 0 || getpeername(c->fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    RETURN_FALSE;
  }
  address_array(addr, return_value);
}

ZEND_METHOD(Swoole_Client, close) {
  bool force = false;
  ZEND_PARSE_PARAMETERS_START(0, 1)
  Z_PARAM_OPTIONAL
  Z_PARAM_BOOL(force)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  if (c->fd < 0) RETURN_FALSE;
  swkit::php::close_socket(c);
  RETURN_TRUE;
}

ZEND_METHOD(Swoole_Client, shutdown) {
  zend_long how;
  ZEND_PARSE_PARAMETERS_START(1, 1)
  Z_PARAM_LONG(how)
  ZEND_PARSE_PARAMETERS_END();
  ClientState* c = swkit::php::state_of(ZEND_THIS);
  RETURN_BOOL(c->fd >= 0 && ::shutdown(c->fd, static_cast<int>(how)) == 0);
}
