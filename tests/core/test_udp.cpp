// UDP and unix datagram ports: onPacket with the sender's address, sendto() from the workers, in
// both modes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {

// One datagram from fd, or "" after timeout.
std::string recv_datagram(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// A bound UDP socket on loopback (IPv4 or IPv6) with bounded receives.
class UdpPeer {
 public:
  explicit UdpPeer(bool v6 = false) : v6_(v6) {
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage a = address(0);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), length()) == 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  }
  ~UdpPeer() { ::close(fd_); }
  UdpPeer(const UdpPeer&) = delete;

  int port() const { return port_; }
  bool send_to(int port, const std::string& data) {
    sockaddr_storage a = address(port);
    return ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), length()) ==
           static_cast<ssize_t>(data.size());
  }
  std::string recv(std::chrono::milliseconds timeout = 5s) { return recv_datagram(fd_, timeout); }

 private:
  sockaddr_storage address(int port) const {
    sockaddr_storage a{};
    if (v6_) {
      auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET6, "::1", &a6->sin6_addr);
    } else {
      auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
      a4->sin_family = AF_INET;
      a4->sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, "127.0.0.1", &a4->sin_addr);
    }
    return a;
  }
  socklen_t length() const { return v6_ ? sizeof(sockaddr_in6) : sizeof(sockaddr_in); }

  bool v6_;
  int fd_ = -1;
  int port_ = 0;
};

// Adds a UDP and a UDP6 port to the command server; onPacket answers through sendto() from the
// port the datagram came to: "wid=W from=IP:PORT port=P got=DATA". Emits "udp PORT4 PORT6".
void add_udp_ports(Server& s, const EventChannel& ev) {
  Port* udp4 = s.addListener("127.0.0.1", 0, kSockUdp);
  Port* udp6 = s.addListener("::1", 0, kSockUdp6);
  if (!udp4 || !udp6) {
    ev.emit("udp-failed " + std::to_string(s.getLastError()));
    return;
  }
  s.on("packet",
       Server::PacketHandler([](Server& srv, std::string_view data, const PacketInfo& from) {
         const std::string reply = "wid=" + std::to_string(srv.getWorkerId()) +
                                   " from=" + from.address + ":" + std::to_string(from.port) +
                                   " port=" + std::to_string(from.server_port) +
                                   " got=" + std::string(data);
         srv.sendto(from.address, from.port, reply, from.server_socket);
       }));
  ev.emit("udp " + std::to_string(udp4->port()) + " " + std::to_string(udp6->port()));
}

}  // namespace

TEST_CASE("UDP ports deliver onPacket with the sender and answer with sendto", "[udp][ports]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server(
      {.mode = mode, .settings = {{"worker_num", 2LL}}, .customize = add_udp_ports});
  const auto line = server.events().wait_for("udp", 10s);
  REQUIRE(line);
  const auto f = split(*line);
  REQUIRE(f[0] == "udp");
  const int port4 = std::stoi(f[1]);
  const int port6 = std::stoi(f[2]);

  UdpPeer a;
  REQUIRE(a.send_to(port4, "hello"));
  const std::string reply = a.recv();
  CHECK(field(reply, "from") == "127.0.0.1:" + std::to_string(a.port()));
  CHECK(field(reply, "port") == std::to_string(port4));
  CHECK(field(reply, "got") == "hello");

  // Many datagrams from one sender: each answered once, all by the same worker in PROCESS
  // mode (dispatch_mode 2 hashes the sender's address).
  std::set<std::string> workers;
  int answered = 0;
  for (int i = 0; i < 50; i++) {
    REQUIRE(a.send_to(port4, "n" + std::to_string(i)));
    const std::string r = a.recv();
    if (field(r, "got") == "n" + std::to_string(i)) answered++;
    workers.insert(field(r, "wid"));
  }
  CHECK(answered == 50);
  if (mode == Mode::Process) CHECK(workers.size() == 1);

  UdpPeer b(true);
  REQUIRE(b.send_to(port6, "six"));
  const std::string reply6 = b.recv();
  CHECK(field(reply6, "from") == "::1:" + std::to_string(b.port()));
  CHECK(field(reply6, "port") == std::to_string(port6));
  CHECK(field(reply6, "got") == "six");

  // TCP on the primary port is untouched, and stats count the datagrams as requests (each once
  // its onPacket has returned, which may be just after its reply left).
  Client c(server.port());
  CHECK(eventually([&] { return std::stoll(field(c.call("stats"), "request_count")) >= 52; }));
  CHECK(server.stop() == 0);
}

TEST_CASE("a UDP primary port needs onPacket, not onReceive", "[udp][settings]") {
  Server s("127.0.0.1", 0, Mode::Base, kSockUdp);
  CHECK_FALSE(s.start());  // no onPacket
  CHECK(s.getLastError() == kErrInvalidParams);

  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server(
      {.mode = mode,
       .settings = {{"worker_num", 1LL}},
       .customize =
           [](Server& srv, const EventChannel&) {
             srv.on("packet", Server::PacketHandler([](Server& self, std::string_view data,
                                                       const PacketInfo& from) {
                      self.sendto(from.address, from.port, "echo:" + std::string(data));
                    }));
           },
       .sock_type = kSockUdp});
  UdpPeer peer;
  REQUIRE(peer.send_to(server.port(), "ping"));
  CHECK(peer.recv() == "echo:ping");
  CHECK(server.stop() == 0);
}

TEST_CASE("sendto refuses what it cannot send and sends from a UDP port", "[udp][settings]") {
  Server s("127.0.0.1", 0);
  CHECK_FALSE(s.sendto("127.0.0.1", 9, "x"));  // no UDP port yet
  CHECK(s.getLastError() == kErrInvalidParams);
  Port* udp = s.addListener("127.0.0.1", 0, kSockUdp);
  REQUIRE(udp != nullptr);
  CHECK(udp->type() == kSockUdp);
  CHECK(udp->port() > 0);
  UdpPeer peer;
  CHECK_FALSE(s.sendto("not-an-ip", peer.port(), "x"));
  CHECK(s.getLastError() == kErrInvalidParams);
  CHECK_FALSE(s.sendto("127.0.0.1", 0, "x"));
  CHECK(s.getLastError() == kErrInvalidParams);
  CHECK_FALSE(s.sendto("::1", peer.port(), "x"));  // no UDP6 port
  CHECK(s.getLastError() == kErrInvalidParams);
  CHECK_FALSE(s.sendto("127.0.0.1", peer.port(), "x", udp->fd() + 1000));  // not a UDP port
  CHECK(s.getLastError() == kErrInvalidParams);
  // A real datagram from the UDP port (the socket is open from addListener on).
  REQUIRE(s.sendto("127.0.0.1", peer.port(), "direct"));
  CHECK(peer.recv() == "direct");
  REQUIRE(s.sendto("127.0.0.1", peer.port(), "by socket", udp->fd()));
  CHECK(peer.recv() == "by socket");
  CHECK_THROWS_WITH(udp->on("receive", Server::PacketHandler(
                                           [](Server&, std::string_view, const PacketInfo&) {})),
                    Catch::Contains("receive"));
}

namespace {

// A unix datagram socket bound to a path of its own (removed at the end), with bounded receives.
class UnixDgramPeer {
 public:
  explicit UnixDgramPeer(std::string path = "/tmp/swkit-udg-peer-" + std::to_string(getpid()) +
                                            ".sock")
      : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ::unlink(path_.c_str());
    sockaddr_un a = address(path_);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~UnixDgramPeer() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  UnixDgramPeer(const UnixDgramPeer&) = delete;

  const std::string& path() const { return path_; }
  bool send_to(const std::string& to, const std::string& data) {
    sockaddr_un a = address(to);
    return ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) ==
           static_cast<ssize_t>(data.size());
  }
  std::string recv(std::chrono::milliseconds timeout = 5s) { return recv_datagram(fd_, timeout); }

 private:
  static sockaddr_un address(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof a.sun_path - 1));
    return a;
  }
  std::string path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("unix datagram ports: onPacket with the sender's path, answered by sendto(path)",
          "[udp][ports][unix]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  const std::string path = "/tmp/swkit-udg-" + std::to_string(getpid()) + ".sock";
  ServerProcess server(
      {.mode = mode,
       .settings = {{"worker_num", 2LL}},
       .customize = [path](Server& s, const EventChannel& ev) {
         Port* p = s.addListener(path, 0, kSockUnixDgram);
         if (!p) {
           ev.emit("udg-failed " + std::to_string(s.getLastError()));
           return;
         }
         s.on("packet",
              Server::PacketHandler([](Server& srv, std::string_view data, const PacketInfo& from) {
                srv.sendto(from.address, from.port,
                           "from=" + from.address + " port=" + std::to_string(from.port) +
                               " got=" + std::string(data),
                           from.server_socket);
              }));
         ev.emit("udg " + std::to_string(p->type()) + " " + std::to_string(p->port()));
       }});
  const auto line = server.events().wait_for("udg", 10s);
  REQUIRE(line);
  CHECK(*line == "udg 6 0");
  UnixDgramPeer peer;
  for (int i = 0; i < 20; i++) {
    REQUIRE(peer.send_to(path, "d" + std::to_string(i)));
    const std::string r = peer.recv();
    CHECK(field(r, "from") == peer.path());
    CHECK(field(r, "port") == "0");
    CHECK(field(r, "got") == "d" + std::to_string(i));
  }
  // A datagram larger than the 64 KiB read buffer is dropped with a warning, not cut short;
  // the next one is served.
  REQUIRE(peer.send_to(path, std::string(100000, 'x')));
  REQUIRE(peer.send_to(path, "after"));
  CHECK(field(peer.recv(), "got") == "after");
  // A peer bound to a relative path (the server runs in the same directory) is answered too:
  // the port's socket says it is a unix peer.
  UnixDgramPeer relative("swkit-udg-rel-" + std::to_string(getpid()) + ".sock");
  REQUIRE(relative.send_to(path, "rel"));
  const std::string r = relative.recv();
  CHECK(field(r, "from") == relative.path());
  CHECK(field(r, "got") == "rel");
  // TCP on the primary port is untouched; the socket file goes with the server.
  Client c(server.port());
  CHECK(c.call("echo tcp").substr(3) == "tcp");
  CHECK(server.stop() == 0);
  CHECK(::access(path.c_str(), F_OK) != 0);
}

TEST_CASE("sendto(path) needs a unix datagram port", "[udp][unix][settings]") {
  Server s("127.0.0.1", 0);
  CHECK_FALSE(s.sendto("/tmp/nobody.sock", 0, "x"));
  CHECK(s.getLastError() == kErrInvalidParams);
  const std::string path = "/tmp/swkit-udg-direct-" + std::to_string(getpid()) + ".sock";
  Port* p = s.addListener(path, 0, kSockUnixDgram);
  REQUIRE(p != nullptr);
  UnixDgramPeer peer;
  REQUIRE(s.sendto(peer.path(), 0, "direct"));
  CHECK(peer.recv() == "direct");
  CHECK_FALSE(s.sendto(std::string(200, '/'), 0, "x"));  // longer than a socket path
  CHECK(s.getLastError() == kErrInvalidParams);
}
