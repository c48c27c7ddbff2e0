// addListener() / swkit::Port: more listening ports, each with its own protocol settings and
// handlers or the server's, in both modes.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {

std::string be32(uint32_t n) {
  const uint32_t v = htonl(n);
  return std::string(reinterpret_cast<const char*>(&v), 4);
}

std::string framed(const std::string& body) {
  return be32(static_cast<uint32_t>(body.size())) + body;
}

// One length-prefixed reply from the framed port, without its header; "" on timeout/close.
std::string recv_framed(Client& c) {
  const std::string head = c.recv_exact(4);
  if (head.size() != 4) return "";
  uint32_t n = 0;
  std::memcpy(&n, head.data(), 4);
  return c.recv_exact(ntohl(n));
}

// The server of these tests: the command server on the primary port (EOF framing), plus
//   "framed": 4-byte big-endian length framing, package_max_length 1024, its own receive,
//             connect and close handlers (replies "port=P type=T got=BODY");
//   "plain":  TCP6 on ::1 with neither set() nor on(): the server's framing and handlers.
// Emits "ports FRAMED PLAIN COUNT" before start.
void add_ports(Server& s, const EventChannel& ev) {
  Port* framed_port = s.addListener("127.0.0.1", 0);
  Port* plain = s.addListener("::1", 0, kSockTcp6);
  if (!framed_port || !plain) {
    ev.emit("ports-failed " + std::to_string(s.getLastError()));
    return;
  }
  framed_port->set({{"open_length_check", true},
                    {"package_length_type", std::string("N")},
                    {"package_length_offset", 0LL},
                    {"package_body_offset", 4LL},
                    {"package_max_length", 1024LL}});
  framed_port->on(
      "receive", Server::ReceiveHandler([](Server& srv, SessionId fd, int, std::string_view data) {
        ClientInfo i;
        srv.getClientInfo(fd, i);
        srv.send(fd, framed("port=" + std::to_string(i.server_port) + " type=" +
                            std::to_string(i.socket_type) + " got=" + std::string(data.substr(4))));
      }));
  framed_port->on("connect", Server::ConnectHandler([&ev](Server&, SessionId fd, int) {
                    ev.emit("framed-connect " + std::to_string(fd));
                  }));
  framed_port->on("close", Server::ConnectHandler([&ev](Server&, SessionId fd, int) {
                    ev.emit("framed-close " + std::to_string(fd));
                  }));
  ev.emit("ports " + std::to_string(framed_port->port()) + " " + std::to_string(plain->port()) +
          " " + std::to_string(s.ports().size()));
}

}  // namespace

TEST_CASE("addListener ports frame and dispatch with their own settings or the server's",
          "[ports]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}, .customize = add_ports});
  const auto line = server.events().wait_for("ports", 10s);
  REQUIRE(line);
  const auto f = split(*line);
  REQUIRE(f[0] == "ports");
  const int framed_port = std::stoi(f[1]);
  const int plain_port = std::stoi(f[2]);
  CHECK(f[3] == "3");

  // The framed port: its own length framing (two packets in one write, one split across two)
  // and its own handlers.
  Client a(framed_port);
  const auto connected = server.events().wait_for("framed-connect ", 10s);
  REQUIRE(connected);
  const std::string sid = split(*connected)[1];
  const std::string both = framed("one") + framed("two") + framed("three");
  REQUIRE(a.send_all(both.substr(0, both.size() - 2)));
  CHECK(recv_framed(a) == "port=" + std::to_string(framed_port) + " type=1 got=one");
  CHECK(recv_framed(a) == "port=" + std::to_string(framed_port) + " type=1 got=two");
  REQUIRE(a.send_all(both.substr(both.size() - 2)));
  CHECK(recv_framed(a) == "port=" + std::to_string(framed_port) + " type=1 got=three");
  // The server's own connect handler did not run for it: only the port's did.
  CHECK_FALSE(server.events().wait_for("connect " + sid + " ", 200ms));

  // The plain TCP6 port: the server's EOF framing and command handler.
  Client b(plain_port, "::1");
  const std::string info = b.call("info");
  CHECK(field(info, "server_port") == std::to_string(plain_port));
  CHECK(field(info, "socket_type") == "3");
  CHECK(field(info, "remote_ip") == "::1");
  CHECK(b.call("echo via plain").find(" via plain") != std::string::npos);

  // The primary port is untouched.
  Client c(server.port());
  CHECK(field(c.call("info"), "server_port") == std::to_string(server.port()));

  // A package over the framed port's own package_max_length (1024; the server's is 2 MiB)
  // closes only that connection, through the port's close handler.
  REQUIRE(a.send_all(be32(5000)));
  CHECK(a.wait_closed(5s));
  CHECK(server.events().wait_for("framed-close " + sid, 5s));
  CHECK(b.call("echo still").find(" still") != std::string::npos);
  Client a2(framed_port);
  REQUIRE(a2.send_all(framed("again")));
  CHECK(recv_framed(a2) == "port=" + std::to_string(framed_port) + " type=1 got=again");
  CHECK(server.stop() == 0);
}

TEST_CASE("addListener and Port::set refuse bad input with the reason", "[ports][settings]") {
  Server s("127.0.0.1", 0);
  Port* p = s.addListener("127.0.0.1", 0);
  REQUIRE(p != nullptr);
  CHECK(p->port() > 0);  // bound at once: port 0 is resolved
  CHECK(p->fd() >= 0);
  CHECK(p->host() == "127.0.0.1");
  CHECK(p->type() == kSockTcp);

  CHECK(s.addListener("127.0.0.1", p->port()) == nullptr);
  CHECK(s.getLastError() == EADDRINUSE);
  CHECK(s.addListener("127.0.0.1", 0, kSockTcp | 512) == nullptr);  // SWOOLE_SSL: not built
  CHECK(s.getLastError() == EPROTONOSUPPORT);
  CHECK(s.addListener("not-an-address", 0) == nullptr);
  CHECK(s.getLastError() == EINVAL);
  REQUIRE(s.ports().size() == 2);
  CHECK(s.ports()[1] == p);

  CHECK_THROWS_WITH(p->set({{"worker_num", 2LL}}),
                    Catch::Contains("'worker_num' is not a port setting") &&
                        Catch::Contains("open_length_check"));
  CHECK_THROWS_WITH(p->set({{"package_max_length", 0LL}}),
                    Catch::Contains("package_max_length") && Catch::Contains("[1, "));
  CHECK(p->setting().empty());  // a refused set() changes nothing
  p->set({{"open_eof_split", true}, {"package_eof", std::string("\r\n")}});
  CHECK(p->setting().size() == 2);
  CHECK_THROWS_WITH(p->on("task", Server::ConnectHandler([](Server&, SessionId, int) {})),
                    Catch::Contains("task"));
  // The primary port is the server: its set() and on() are the server's.
  s.ports()[0]->set({{"worker_num", 1LL}});
  CHECK(s.setting().count("worker_num") == 1);
}

TEST_CASE("start needs a receive handler for every port", "[ports][settings]") {
  Server s("127.0.0.1", 0);
  Port* p = s.addListener("127.0.0.1", 0);
  REQUIRE(p != nullptr);
  p->on("receive", Server::ReceiveHandler([](Server&, SessionId, int, std::string_view) {}));
  // The primary port has none and the server has none: refused before anything starts.
  CHECK_FALSE(s.start());
  CHECK(s.getLastError() == kErrInvalidParams);
}

namespace {

// A line-based client over a unix stream socket, with bounded waits.
class UnixClient {
 public:
  explicit UnixClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~UnixClient() { ::close(fd_); }
  std::string call(const std::string& line) {
    const std::string out = line + "\n";
    REQUIRE(::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()));
    std::string got;
    char ch;
    pollfd p{fd_, POLLIN, 0};
    while (poll(&p, 1, 10000) == 1 && ::recv(fd_, &ch, 1, 0) == 1 && ch != '\n') got += ch;
    return got;
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("a unix stream port serves like a TCP one and its file goes at shutdown", "[ports]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  const std::string path = "/tmp/swkit-ports-" + std::to_string(getpid()) + ".sock";
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", 2LL}},
                        .customize = [path](Server& s, const EventChannel& ev) {
                          Port* p = s.addListener(path, 0, kSockUnixStream);
                          ev.emit(p ? "unix " + std::to_string(p->port())
                                    : "unix-failed " + std::to_string(s.getLastError()));
                        }});
  const auto line = server.events().wait_for("unix", 10s);
  REQUIRE(line);
  CHECK(*line == "unix 0");
  UnixClient c(path);
  CHECK(c.call("echo over unix").find(" over unix") != std::string::npos);
  const std::string info = c.call("info");
  CHECK(field(info, "socket_type") == "5");
  CHECK(field(info, "server_port") == "0");
  CHECK(field(info, "remote_ip") == "");
  Client tcp(server.port());  // the primary port still serves
  CHECK(tcp.call("echo tcp").find(" tcp") != std::string::npos);
  CHECK(server.stop() == 0);
  CHECK(::access(path.c_str(), F_OK) != 0);  // removed by the master
}
