// Sessions and the shared connection table: onClose exactly once, send/close/exist errors,
// getClientInfo, getClientList and stats.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {
SessionId my_fd(Client& c) {
  return std::stoll(field(c.call("whoami"), "fd"));
}
int count_lines(const std::vector<std::string>& lines, const std::string& line_prefix) {
  int n = 0;
  for (const auto& l : lines) n += l.rfind(line_prefix, 0) == 0;
  return n;
}
}  // namespace

TEST_CASE("a client disconnect fires onClose exactly once with its session id", "[close]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  Client c(server.port());
  const SessionId fd = my_fd(c);
  REQUIRE(server.events().wait_for("connect " + std::to_string(fd) + " ", 5s));
  c.close();
  auto line = server.events().wait_for("close ", 5s);
  REQUIRE(line);
  CHECK(split(*line)[1] == std::to_string(fd));
  CHECK(field(*line, "info") == "1");  // getClientInfo still works inside onClose
  CHECK(count_lines(server.events().drain(300ms), "close ") == 0);
}

TEST_CASE("a server-side close fires onClose and the client sees EOF", "[close]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  Client c(server.port());
  const SessionId fd = my_fd(c);
  REQUIRE(c.send_all("close\n"));
  CHECK(c.wait_closed(5s));
  auto line = server.events().wait_for("close ", 5s);
  REQUIRE(line);
  CHECK(split(*line)[1] == std::to_string(fd));
  CHECK(count_lines(server.events().drain(300ms), "close ") == 0);

  Client other(server.port());
  CHECK(other.call("exist " + std::to_string(fd)) == "0");
}

TEST_CASE("close(fd, reset) drops the connection at once", "[close]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}}});
  Client c(server.port());
  REQUIRE(c.send_all("reset\n"));
  CHECK(c.wait_closed(5s));
  CHECK(server.events().wait_for("close ", 5s));
}

TEST_CASE("send to a closed session fails with 1004, to an unknown one with 1005", "[close]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  Client gone(server.port());
  const SessionId gone_fd = my_fd(gone);
  gone.close();
  REQUIRE(server.events().wait_for("close " + std::to_string(gone_fd) + " ", 5s));

  // The close event comes from inside onClose; the session is released after it returns, and
  // until then a send fails with 1003 (closing). Then 1004, and nothing else on the way.
  Client c(server.port());
  std::string reply, unexpected;
  CHECK(eventually(
      [&] {
        reply = c.call("send " + std::to_string(gone_fd) + " hi");
        if (reply != "err 1003" && reply != "err 1004") unexpected = reply;
        return reply == "err 1004";
      },
      5s));
  CHECK(reply == "err 1004");
  CHECK(unexpected == "");
  CHECK(c.call("exist " + std::to_string(gone_fd)) == "0");
  CHECK(c.call("send 999999 hi") == "err 1005");
  CHECK(c.call("closeother 999999") == "err 1005");
  CHECK(c.call("info 999999") == "err 1005");
  // The server keeps serving.
  CHECK(c.call("echo still here").substr(3) == "still here");
}

TEST_CASE("send between connections owned by different workers", "[close]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  Client a(server.port());
  Client b(server.port());
  const SessionId b_fd = my_fd(b);
  CHECK(a.call("send " + std::to_string(b_fd) + " from-a") == "ok");
  CHECK(b.recv_line(5s) == std::optional<std::string>("from-a"));
}

TEST_CASE("send larger than buffer_output_size fails with 1202 and the server keeps serving",
          "[close]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"buffer_output_size", 1024LL}}});
  Client c(server.port());
  CHECK(c.call("big 1025") == "err 1202");
  CHECK(c.call("big 100").size() == 102);  // 100 x's, then "ok"
}

TEST_CASE("getClientInfo reports the connection from shared memory", "[info]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  Client c(server.port());
  sockaddr_in local{};
  socklen_t len = sizeof local;
  getsockname(c.fd(), reinterpret_cast<sockaddr*>(&local), &len);
  const std::string info = c.call("info");
  CHECK(field(info, "remote_ip") == "127.0.0.1");
  CHECK(field(info, "remote_port") == std::to_string(ntohs(local.sin_port)));
  CHECK(field(info, "server_port") == std::to_string(server.port()));
  CHECK(field(info, "socket_type") == "1");
  CHECK(std::stoi(field(info, "socket_fd")) > 2);
  CHECK(std::stoi(field(info, "server_fd")) > 2);
  const auto now = static_cast<long long>(time(nullptr));
  CHECK(std::abs(std::stoll(field(info, "connect_time")) - now) <= 5);
  CHECK(std::stod(field(info, "last_recv_time")) > 0);
  CHECK(std::stod(field(info, "last_dispatch_time")) > 0);
  CHECK(field(info, "close_errno") == "0");
  CHECK(field(info, "send_queued_bytes") == "0");
}

TEST_CASE("getClientInfo after an echo: reactor, times, empty queues and descriptors", "[info]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}, {"reactor_num", 2LL}}});
  Client c(server.port());
  REQUIRE(c.call("echo ping").substr(3) == "ping");
  const std::string who = c.call("whoami");
  const std::string info = c.call("info");
  INFO(info);
  const int reactor_id = std::stoi(field(info, "reactor_id"));
  if (mode == Mode::Process) {
    CHECK(reactor_id >= 0);
    CHECK(reactor_id < 2);
  } else {
    CHECK(reactor_id == std::stoi(who.substr(1)));  // BASE: the owning worker, as in Swoole
  }
  CHECK(field(who, "reactor") == std::to_string(reactor_id));
  const double now = static_cast<double>(time(nullptr));
  // The echo's reply was written before this request was read.
  const double last_send = std::stod(field(info, "last_send_time"));
  CHECK(last_send > 0);
  CHECK(std::abs(last_send - now) <= 5);
  CHECK(std::abs(static_cast<double>(std::stoll(field(info, "last_time"))) - now) <= 5);
  CHECK(field(info, "recv_queued_bytes") == "0");
  CHECK(field(info, "send_queued_bytes") == "0");
  CHECK(std::stoi(field(info, "server_fd")) > 0);
  CHECK(std::stoi(field(info, "socket_fd")) > 0);
}

TEST_CASE("getClientList pages through every connection in session order", "[info]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  std::vector<Client> clients;
  std::vector<SessionId> expected;
  for (int i = 0; i < 25; i++) {
    clients.emplace_back(server.port());
    expected.push_back(my_fd(clients.back()));
  }
  std::vector<SessionId> seen;
  SessionId start = 0;
  for (int page = 0; page < 10; page++) {
    const auto ids = split(clients[0].call("list " + std::to_string(start) + " 10"));
    REQUIRE(ids.at(0) == "ids");
    if (ids.size() == 1) break;
    CHECK(ids.size() <= 11);
    for (size_t i = 1; i < ids.size(); i++) seen.push_back(std::stoll(ids[i]));
    start = seen.back();
  }
  CHECK(seen == expected);
  CHECK(clients[0].call("list 0 101") == "err 505");
}

TEST_CASE("stats() counts connections, requests and bytes", "[stats]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  {
    Client a(server.port());
    a.call("echo 1");
  }
  REQUIRE(server.events().wait_for("close ", 5s));
  Client c(server.port());
  for (int i = 0; i < 5; i++) c.call("echo 12345");
  // The close event comes from inside onClose: the closed connection leaves the count a moment
  // later.
  std::string st;
  CHECK(eventually(
      [&] {
        st = c.call("stats");
        return field(st, "connection_num") == "1";
      },
      5s));
  CHECK(field(st, "connection_num") == "1");
  CHECK(field(st, "accept_count") == "2");
  CHECK(eventually([&] { return field(c.call("stats"), "close_count") == "1"; }, 5s));
  CHECK(field(st, "worker_num") == "2");
  CHECK(field(st, "session_round") == "2");
  CHECK(std::stoll(field(st, "request_count")) >= 5);  // counted when each callback returns
  CHECK(std::stoll(field(st, "response_count")) >= 5);
  CHECK(std::stoll(field(st, "total_recv_bytes")) >= 7 + 5 * 11);
  CHECK(std::stoll(field(st, "total_send_bytes")) >= 5 * 9);
  CHECK(std::stoll(field(st, "max_fd")) >= std::stoll(field(st, "min_fd")));
  CHECK(field(st, "task_worker_num") == "0");
  if (mode == Mode::Process) {
    CHECK(std::stoll(field(st, "dispatch_count")) >= 7);  // 1 + 5 + this one, at dispatch
  }
  // The worker answering is busy; the other one is idle once it has returned from its last
  // callback (under a sanitizer on a loaded machine that can lag the close event a little).
  int idle = -1;
  CHECK(eventually(
      [&] {
        idle = std::stoi(field(c.call("stats"), "idle_worker_num"));
        return idle == 1;
      },
      5s));
  CHECK(idle == 1);
}

TEST_CASE("enable_delay_receive holds a connection's data until confirm", "[confirm]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", 1LL}, {"enable_delay_receive", true}},
                        .customize = [](Server& s, const EventChannel& ev) {
                          s.on("connect",
                               Server::ConnectHandler([&ev](Server& srv, SessionId fd, int) {
                                 // Confirmed 500 ms later: the data sent meanwhile waits in the
                                 // socket.
                                 srv.after(500, [&ev, &srv, fd](int64_t) {
                                   const bool first = srv.confirm(fd);
                                   const bool again = srv.confirm(fd);
                                   ev.emit("confirmed " + std::to_string(fd) + " " +
                                           std::to_string(first) + std::to_string(again));
                                 });
                               }));
                        }});
  Client c(server.port());
  REQUIRE(c.send_all("echo held\n"));
  CHECK_FALSE(c.recv_line(200ms));  // not read yet
  const auto confirmed = server.events().wait_for("confirmed ", 10s);
  REQUIRE(confirmed);
  CHECK(split(*confirmed)[2] == "10");  // the first confirm() works, a second one is false
  const auto reply = c.recv_line(10s);
  REQUIRE(reply);
  CHECK(reply->find(" held") != std::string::npos);
  CHECK(c.call("echo next").find(" next") != std::string::npos);
}

TEST_CASE("sendwait writes everything before it returns, in BASE mode only", "[sendwait]") {
  // 16 MiB: far beyond buffer_output_size (1 MiB here), which send() would refuse.
  constexpr size_t kBytes = 16u << 20;
  ServerProcess base(
      {.mode = Mode::Base, .settings = {{"worker_num", 1LL}, {"buffer_output_size", 1LL << 20}}});
  Client c(base.port());
  CHECK(c.call("big " + std::to_string(kBytes)) == "err " + std::to_string(kErrDataLengthTooLarge));
  REQUIRE(c.send_all("bigwait " + std::to_string(kBytes) + "\n"));
  const std::string got = c.recv_exact(kBytes, 30s);
  CHECK(got.size() == kBytes);
  CHECK(got.find_first_not_of('x') == std::string::npos);
  CHECK(c.recv_line(10s) == std::optional<std::string>("ok"));
  CHECK(c.call("echo after").find(" after") != std::string::npos);

  ServerProcess process({.settings = {{"worker_num", 1LL}}});
  Client p(process.port());
  CHECK(p.call("bigwait 10") == "err " + std::to_string(kErrWrongOperation));
}

TEST_CASE("sendfile streams a file range in order with what is sent around it", "[sendfile]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  // 5 MiB + 3: more than buffer_output_size (1 MiB here) and not a multiple of a chunk.
  const std::string path = "/tmp/swkit-sendfile-" + std::to_string(getpid()) + ".bin";
  std::string content(5 * (1u << 20) + 3, '\0');
  for (size_t i = 0; i < content.size(); i++) content[i] = static_cast<char>('a' + i % 26);
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    REQUIRE(std::fwrite(content.data(), 1, content.size(), f) == content.size());
    std::fclose(f);
  }
  struct Unlink {
    std::string p;
    ~Unlink() { std::remove(p.c_str()); }
  } unlink_after{path};
  ServerProcess server(
      {.mode = mode, .settings = {{"worker_num", 2LL}, {"buffer_output_size", 1LL << 20}}});
  Client c(server.port());
  REQUIRE(c.send_all("sendfile " + path + " 0 0\n"));
  CHECK(c.recv_exact(content.size(), 30s) == content);
  CHECK(c.recv_line(10s) == std::optional<std::string>("ok"));  // the reply queued after it
  REQUIRE(c.send_all("sendfile " + path + " 7 100\n"));
  CHECK(c.recv_exact(100, 10s) == content.substr(7, 100));
  CHECK(c.recv_line(10s) == std::optional<std::string>("ok"));
  CHECK(c.call("echo x").find(" x") != std::string::npos);
  CHECK(c.call("sendfile /no/such/file 0 0") == "err " + std::to_string(ENOENT));
  CHECK(c.call("sendfile " + path + " " + std::to_string(content.size() + 1) + " 0") ==
        "err " + std::to_string(kErrInvalidParams));
  CHECK(c.call("sendfile " + path + " 0 " + std::to_string(content.size() + 1)) ==
        "err " + std::to_string(kErrInvalidParams));
  CHECK(c.call("sendfile /tmp 0 0") == "err " + std::to_string(EINVAL));
}
