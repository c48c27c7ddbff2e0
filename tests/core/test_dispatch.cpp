// dispatch_mode 1 (round robin), 2 (fd modulo) and 3 (idle worker) with 2 and 4 workers,
// asserting which worker served each message.
#include <catch2/catch.hpp>

#include <thread>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {
int served_by(const std::string& reply) {  // "w<id> ..."
  REQUIRE(reply.size() > 1);
  REQUIRE(reply[0] == 'w');
  return std::stoi(reply.substr(1));
}
}  // namespace

TEST_CASE("dispatch_mode 1 sends messages to the workers in turn", "[dispatch]") {
  const int workers = GENERATE(2, 4);
  INFO(workers << " workers");
  ServerProcess server(
      {.settings = {{"worker_num", static_cast<long long>(workers)}, {"dispatch_mode", 1LL}}});
  server.wait_workers(workers);
  Client c(server.port());
  const int first = served_by(c.call("echo a"));
  for (int i = 1; i < 3 * workers; i++) {
    CHECK(served_by(c.call("echo a")) == (first + i) % workers);
  }
}

TEST_CASE("dispatch_mode 2 keeps a connection on worker fd % worker_num", "[dispatch]") {
  const int workers = GENERATE(2, 4);
  INFO(workers << " workers");
  ServerProcess server(
      {.settings = {{"worker_num", static_cast<long long>(workers)}, {"dispatch_mode", 2LL}}});
  server.wait_workers(workers);
  std::vector<Client> clients;
  std::set<int> used;
  for (int i = 0; i < 2 * workers; i++) clients.emplace_back(server.port());
  for (auto& c : clients) {
    const std::string who = c.call("whoami");
    const int sock = std::stoi(field(who, "sock"));
    const int w = served_by(who);
    CHECK(w == sock % workers);
    for (int i = 0; i < 5; i++) CHECK(served_by(c.call("echo same")) == w);
    used.insert(w);
  }
  CHECK(static_cast<int>(used.size()) == workers);  // consecutive fds cover every worker
}

TEST_CASE("dispatch_mode 3 skips a busy worker", "[dispatch]") {
  const int workers = GENERATE(2, 4);
  INFO(workers << " workers");
  ServerProcess server(
      {.settings = {{"worker_num", static_cast<long long>(workers)}, {"dispatch_mode", 3LL}}});
  server.wait_workers(workers);
  // One worker is stuck in a long callback...
  Client stuck(server.port());
  REQUIRE(stuck.send_all("sleep 2000\n"));
  auto sleeping = server.events().wait_for("sleeping ", 5s);
  REQUIRE(sleeping);
  const int stuck_worker = std::stoi(split(*sleeping)[1]);
  // ...so requests sent together go one to each of the other workers, never to it. (Round
  // robin would put one of them behind the stuck worker.)
  std::vector<Client> clients;
  for (int i = 0; i < workers - 1; i++) clients.emplace_back(server.port());
  for (auto& c : clients) REQUIRE(c.send_all("sleep 300\n"));
  std::set<int> used;
  for (auto& c : clients) {
    auto line = c.recv_line(5s);
    REQUIRE(line);
    used.insert(served_by(*line));
  }
  CHECK(static_cast<int>(used.size()) == workers - 1);
  CHECK(used.count(stuck_worker) == 0);
  auto done = stuck.recv_line(5s);
  REQUIRE(done);
  CHECK(served_by(*done) == stuck_worker);
}

TEST_CASE("dispatch_mode 5 sends a bound connection's data to worker uid % worker_num",
          "[dispatch][bind]") {
  ServerProcess server({.settings = {{"worker_num", 4LL}, {"dispatch_mode", 5LL}}});
  server.wait_workers(4);
  std::vector<Client> clients;
  for (int i = 0; i < 4; i++) clients.emplace_back(server.port());
  for (int i = 0; i < 4; i++) {
    Client& c = clients[i];
    const std::string who = c.call("whoami");
    const std::string sid = field(who, "fd");
    // Before bind(): fd modulo, as mode 2.
    CHECK(served_by(who) == std::stoi(field(who, "sock")) % 4);
    const uint32_t uid = 1000 + static_cast<uint32_t>(i) * 7;  // workers 0, 3, 2, 1
    CHECK(c.call("bind " + sid + " " + std::to_string(uid)) == "ok");
    for (int k = 0; k < 4; k++) CHECK(served_by(c.call("echo bound")) == static_cast<int>(uid % 4));
    CHECK(c.call("bind " + sid + " 5") == "err " + std::to_string(kErrWrongOperation));  // once
    CHECK(field(c.call("info"), "uid") == std::to_string(uid));
  }
  // Another connection may bind this one (the table is shared); uid 0 and closed sessions fail.
  Client other(server.port());
  const std::string osid = field(other.call("whoami"), "fd");
  CHECK(clients[0].call("bind " + osid + " 0") == "err " + std::to_string(kErrInvalidParams));
  CHECK(clients[0].call("bind " + osid + " 4294967295") == "ok");
  CHECK(served_by(other.call("echo x")) == static_cast<int>(4294967295u % 4));
  CHECK(clients[0].call("bind 999999 3") == "err " + std::to_string(kErrSessionNotExist));
}
