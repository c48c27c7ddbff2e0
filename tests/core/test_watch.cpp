// Server::watch/unwatch: a descriptor watched on the event loop of a user process whose body has
// returned (the loop keeps the process running), and the errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {

int bound_udp(int& port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

}  // namespace

TEST_CASE("a user process body that returns with a watch left keeps serving it", "[watch]") {
  ServerProcess server(
      {.settings = {{"worker_num", 1LL}}, .customize = [](Server& s, const EventChannel& ev) {
         s.addProcess([&ev](Server& srv, int) {
           int port = 0;
           const int fd = bound_udp(port);
           const bool first = srv.watch(fd, false, [] {});  // replaced below: one watch per fd
           srv.unwatch(fd);
           const bool ok = srv.watch(fd, false, [&ev, &srv, fd] {
             char buf[256];
             const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
             if (n <= 0) return;
             const std::string got(buf, static_cast<size_t>(n));
             ev.emit("watched " + got + " pid=" + std::to_string(getpid()));
             if (got == "last") srv.unwatch(fd);
           });
           const bool dup = srv.watch(fd, false, [] {});
           ev.emit("watching " + std::to_string(port) + " " + std::to_string(first) +
                   std::to_string(ok) + std::to_string(dup) + " pid=" + std::to_string(getpid()));
         });
       }});
  const auto line = server.events().wait_for("watching ", 10s);
  REQUIRE(line);
  const auto f = split(*line);
  CHECK(f[2] == "110");  // first watch ok, the watch after unwatch ok, a second one refused
  const int port = std::stoi(f[1]);
  const std::string pid = field(*line, "pid");

  const int out = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  for (const char* msg : {"one", "two"}) {
    ::sendto(out, msg, std::strlen(msg), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    const auto got = server.events().wait_for(std::string("watched ") + msg, 10s);
    REQUIRE(got);
    CHECK(field(*got, "pid") == pid);  // the same process: its body returned, its loop runs on
  }
  ::close(out);
  CHECK(server.stop() == 0);
}

TEST_CASE("watch is refused outside worker, task and user processes", "[watch]") {
  Server s("127.0.0.1", 0);
  CHECK_FALSE(s.watch(0, false, [] {}));
  CHECK(s.getLastError() == kErrServerSendInMaster);
  CHECK_FALSE(s.unwatch(0));
}

TEST_CASE("onSignal runs handlers on the event loop of a worker and of a user process",
          "[watch][signal]") {
  ServerProcess server(
      {.settings = {{"worker_num", 1LL}}, .customize = [](Server& s, const EventChannel& ev) {
         s.on("workerStart", Server::WorkerHandler([&ev](Server& srv, int) {
                const bool refused =
                    !srv.onSignal(SIGTERM, [](int) {}) && srv.getLastError() == kErrInvalidParams;
                srv.onSignal(SIGUSR1, [&ev](int signo) {
                  ev.emit("signal " + std::to_string(signo) + " pid=" + std::to_string(getpid()));
                });
                ev.emit("sigready worker pid=" + std::to_string(getpid()) +
                        " refused=" + std::to_string(refused));
              }));
         // A user process whose body only registers a handler and returns: its loop runs on.
         s.addProcess([&ev](Server& srv, int) {
           srv.onSignal(SIGUSR2, [&ev](int signo) {
             ev.emit("signal " + std::to_string(signo) + " pid=" + std::to_string(getpid()));
           });
           ev.emit("sigready user pid=" + std::to_string(getpid()) + " refused=1");
         });
       }});
  for (const std::string kind : {"worker", "user"}) {
    INFO(kind);
    const auto ready = server.events().wait_for("sigready " + kind, 10s);
    REQUIRE(ready);
    CHECK(field(*ready, "refused") == "1");
    const std::string pid = field(*ready, "pid");
    const int signo = kind == "worker" ? SIGUSR1 : SIGUSR2;
    for (int i = 0; i < 2; i++) {
      REQUIRE(::kill(std::stoi(pid), signo) == 0);  // a pid this test's server reported
      const auto got =
          server.events().wait_for("signal " + std::to_string(signo) + " pid=" + pid, 10s);
      CHECK(got);
    }
    CHECK(pid_alive(std::stoi(pid)));
  }
  CHECK(server.stop() == 0);
}
