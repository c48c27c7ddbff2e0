// Settings as a running server applies them: the worker_num/reactor_num defaults, reactor
// threads, max_connection and open_tcp_nodelay, seen through stats(), getClientInfo() and the
// sockets themselves.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A scratch directory for a log file, removed with the test.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/swkit-settings-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    unlink((path + "/server.log").c_str());
    rmdir(path.c_str());
  }
  std::string path;
};
}  // namespace

TEST_CASE("without worker_num and reactor_num the server runs Swoole's defaults",
          "[settings][applied]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  const int cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  REQUIRE(cpus >= 1);
  // Swoole: worker_num = CPU count; reactor_num = min(CPU count, 8), then at most worker_num.
  const int worker_num = cpus;
  const int reactors = std::min({cpus, 8, worker_num});
  TempDir dir;
  const std::string log = dir.path + "/server.log";
  ServerProcess server({.mode = mode, .settings = {{"log_file", log}, {"log_level", 2LL}}});
  server.wait_workers(worker_num);

  Client c(server.port());
  CHECK(field(c.call("stats"), "worker_num") == std::to_string(worker_num));
  if (mode == Mode::Base) return;  // BASE has no reactor threads

  // The master says what it started, and connections land on exactly that many reactors
  // (fd % reactor_num, as in Swoole).
  CHECK(read_file(log).find("workers=" + std::to_string(worker_num) +
                            " reactors=" + std::to_string(reactors)) != std::string::npos);
  std::vector<Client> clients;
  std::set<int> seen;
  for (int i = 0; i < 4 * reactors; i++) {
    clients.emplace_back(server.port());
    seen.insert(std::stoi(field(clients.back().call("info"), "reactor_id")));
  }
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() == reactors - 1);
  CHECK(static_cast<int>(seen.size()) == reactors);
}

TEST_CASE("reactor_num 2 in PROCESS mode serves connections from reactor threads 0 and 1",
          "[settings][applied]") {
  ServerProcess server({.settings = {{"worker_num", 2LL}, {"reactor_num", 2LL}}});
  std::vector<Client> clients;
  std::set<int> seen;
  for (int i = 0; i < 6; i++) {
    clients.emplace_back(server.port());
    const int from_info = std::stoi(field(clients.back().call("info"), "reactor_id"));
    // onReceive's reactor_id and getClientInfo's agree.
    CHECK(field(clients.back().call("whoami"), "reactor") == std::to_string(from_info));
    seen.insert(from_info);
  }
  CHECK(seen == std::set<int>{0, 1});
}

TEST_CASE("max_connection 3: a fourth connection is closed while the three keep working",
          "[settings][applied]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}, {"max_connection", 3LL}}});
  std::vector<Client> clients;
  for (int i = 0; i < 3; i++) {
    clients.emplace_back(server.port());
    REQUIRE(clients.back().call("echo c" + std::to_string(i)).substr(3) == "c" + std::to_string(i));
  }
  // The kernel completes the handshake; the server closes the connection at once.
  Client fourth(server.port());
  CHECK(fourth.wait_closed(5s));

  for (int i = 0; i < 3; i++) {
    CHECK(clients[i].call("echo again" + std::to_string(i)).substr(3) ==
          "again" + std::to_string(i));
  }
  const std::string st = clients[0].call("stats");
  CHECK(field(st, "connection_num") == "3");
  CHECK(field(st, "abort_count") == "1");  // Swoole: connections refused

  // A freed place is taken again.
  clients[2].close();
  CHECK(eventually([&] { return field(clients[0].call("stats"), "connection_num") == "2"; }, 5s));
  Client next(server.port());
  CHECK(next.call("echo next").substr(3) == "next");
}

TEST_CASE("open_tcp_nodelay sets TCP_NODELAY on accepted sockets (read by a BASE worker)",
          "[settings][applied]") {
  const bool nodelay = GENERATE(true, false);
  INFO("open_tcp_nodelay " << nodelay);
  ServerProcess server(
      {.mode = Mode::Base, .settings = {{"worker_num", 2LL}, {"open_tcp_nodelay", nodelay}}});
  for (int i = 0; i < 2; i++) {  // whichever worker accepted it
    Client c(server.port());
    CHECK(c.call("nodelay") == (nodelay ? "nodelay=1" : "nodelay=0"));
  }
}
