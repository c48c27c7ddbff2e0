// The process tree: respawn after a worker is killed, shutdown leaves nothing behind, a killed
// master takes its children with it, start-up failures leave no child, oversized packages are
// refused while the server keeps serving.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {}  // namespace

TEST_CASE("a SIGKILLed worker is respawned and PROCESS connections keep working", "[lifecycle]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}, {"dispatch_mode", 2LL}}});
  const auto pids = server.wait_workers(2);
  Client c(server.port());
  const std::string who = c.call("whoami");
  const int victim = std::stoi(who.substr(1));
  const pid_t victim_pid = pids[victim];
  REQUIRE(std::stoi(field(who, "pid")) == victim_pid);

  REQUIRE(kill(victim_pid, SIGKILL) == 0);
  auto err = server.events().wait_for("workererror " + std::to_string(victim) + " ", 5s);
  REQUIRE(err);
  CHECK(split(*err)[2] == std::to_string(victim_pid));
  CHECK(split(*err)[4] == "9");
  auto again = server.events().wait_for("workerstart " + std::to_string(victim) + " ", 5s);
  REQUIRE(again);
  const pid_t new_pid = std::stoi(split(*again)[2]);
  CHECK(new_pid != victim_pid);
  CHECK(eventually([&] { return !pid_alive(victim_pid); }));

  if (mode == Mode::Process) {
    // The connection lives in the master: the same socket is served by the new worker.
    const std::string after = c.call("whoami");
    CHECK(std::stoi(after.substr(1)) == victim);
    CHECK(std::stoi(field(after, "pid")) == new_pid);
    CHECK(field(after, "fd") == field(who, "fd"));
  } else {
    // BASE: the connection died with its worker; new connections are served.
    CHECK(c.wait_closed(5s));
    Client fresh(server.port());
    CHECK(fresh.call("echo ok").substr(3) == "ok");
    // The dead worker's rows were reclaimed: only the new connection is counted.
    CHECK(eventually([&] { return field(fresh.call("stats"), "connection_num") == "1"; }));
  }
}

TEST_CASE("SIGTERM shuts the whole tree down and removes the pid file", "[lifecycle]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  char dir[] = "/tmp/swkit-test-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string pid_file = std::string(dir) + "/server.pid";
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 3LL}, {"pid_file", pid_file}}});
  server.wait_workers(3);
  std::ifstream(pid_file) >> std::ws;
  pid_t written = 0;
  std::ifstream(pid_file) >> written;
  CHECK(written == server.master());
  Client c(server.port());
  CHECK(c.call("echo x").substr(3) == "x");
  const auto tree = server.tree();
  CHECK(tree.size() == 6);  // master, spawner, manager, 3 workers
  const int status = server.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (pid_t pid : tree) CHECK_FALSE(pid_alive(pid));
  CHECK(server.events().wait_for("shutdown", 1s));
  CHECK(access(pid_file.c_str(), F_OK) != 0);
  rmdir(dir);
}

TEST_CASE("Ctrl-C (SIGINT to the process group) stops the tree cleanly", "[lifecycle]") {
  ServerProcess server({.settings = {{"worker_num", 2LL}}});
  server.wait_workers(2);
  const auto tree = server.tree();
  REQUIRE(kill(-server.group(), SIGINT) == 0);
  CHECK(eventually([&] { return server.tree().empty(); }, 10s));
  for (pid_t pid : tree) CHECK_FALSE(pid_alive(pid));
  CHECK(server.events().wait_for("shutdown", 1s));
}

TEST_CASE("no child outlives a SIGKILLed master", "[lifecycle]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  server.wait_workers(2);
  const auto tree = server.tree();
  REQUIRE(tree.size() == 5);  // master, spawner, manager, 2 workers
  REQUIRE(kill(server.master(), SIGKILL) == 0);
  CHECK(eventually(
      [&] {
        for (pid_t pid : tree) {
          if (pid_alive(pid)) return false;
        }
        return true;
      },
      10s));
}

TEST_CASE("a port in use makes start() fail with the system's error and no child", "[lifecycle]") {
  const int busy = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(busy, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(busy, 1) == 0);
  socklen_t len = sizeof addr;
  getsockname(busy, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);

  ServerProcess server({.settings = {{"worker_num", 2LL}}, .port = port, .expect_start = false});
  auto line = server.events().wait_for("startfailed", 10s);
  REQUIRE(line);
  CHECK(split(*line)[1] == std::to_string(EADDRINUSE));
  int status = 0;
  REQUIRE(waitpid(server.master(), &status, 0) == server.master());
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(server.tree().empty());
  close(busy);
}

TEST_CASE("a package over package_max_length is refused and the server keeps serving",
          "[lifecycle]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", 2LL},
                                     {"open_eof_check", false},
                                     {"open_length_check", true},
                                     {"package_length_type", "N"},
                                     {"package_body_offset", 4LL},
                                     {"package_max_length", 1024LL}},
                        .customize = [](Server& s, const EventChannel&) {
                          s.on("receive", [](Server& srv, SessionId fd, int, std::string_view d) {
                            srv.send(fd, d);
                          });
                        }});
  Client bad(server.port());
  REQUIRE(bad.send_all(std::string("\0\0\x10\0", 4) + std::string(100, 'z')));  // claims 4096
  CHECK(bad.wait_closed(5s));

  Client good(server.port());
  const std::string pkt = std::string("\0\0\0\3", 4) + "abc";
  REQUIRE(good.send_all(pkt));
  CHECK(good.recv_exact(pkt.size(), 5s) == pkt);
}

TEST_CASE("an oversized package is logged with error 1201 and other clients keep being served",
          "[lifecycle]") {
  // Swoole's SW_ERROR_PACKAGE_LENGTH_TOO_LARGE; Swoole reports it the same way, as a warning
  // in the log ("(ERRNO 1201)"), and closes the connection.
  STATIC_REQUIRE(kErrPackageLengthTooLarge == 1201);
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  char dir[] = "/tmp/swkit-pkglen-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string log_file = std::string(dir) + "/server.log";
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", 2LL},
                                     {"log_file", log_file},
                                     {"open_eof_check", false},
                                     {"open_length_check", true},
                                     {"package_length_type", "N"},
                                     {"package_body_offset", 4LL},
                                     {"package_max_length", 1024LL}},
                        .customize = [](Server& s, const EventChannel&) {
                          s.on("receive", [](Server& srv, SessionId fd, int, std::string_view d) {
                            srv.send(fd, d);
                          });
                        }});
  const std::string pkt = std::string("\0\0\0\3", 4) + "abc";
  Client before(server.port());
  REQUIRE(before.send_all(pkt));
  REQUIRE(before.recv_exact(pkt.size(), 5s) == pkt);

  Client bad(server.port());
  REQUIRE(bad.send_all(std::string("\0\0\x10\0", 4) + std::string(100, 'z')));  // claims 4096
  CHECK(bad.wait_closed(5s));
  const auto closed = server.events().wait_for("close ", 5s);
  REQUIRE(closed);
  const std::string bad_sid = split(*closed)[1];
  std::string log;
  CHECK(eventually(
      [&] {
        std::ifstream in(log_file);
        log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        return log.find("(error " + std::to_string(kErrPackageLengthTooLarge) + ")") !=
               std::string::npos;
      },
      5s));
  INFO(log);
  CHECK(log.find("session#" + bad_sid + ": package exceeds package_max_length (1024 bytes)") !=
        std::string::npos);

  // The connection opened before and a new one are both served.
  REQUIRE(before.send_all(pkt));
  CHECK(before.recv_exact(pkt.size(), 5s) == pkt);
  Client after(server.port());
  REQUIRE(after.send_all(pkt));
  CHECK(after.recv_exact(pkt.size(), 5s) == pkt);
  server.stop();
  unlink(log_file.c_str());
  rmdir(dir);
}

TEST_CASE("shutdown() called from a worker stops the whole tree", "[lifecycle]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  server.wait_workers(2);
  const auto tree = server.tree();
  Client c(server.port());
  CHECK(c.call("shutdown") == "ok");
  CHECK(server.events().wait_for("shutdown", 10s));
  CHECK(server.events().wait_for("stopped", 10s));  // start() returned true
  CHECK(eventually([&] { return server.tree().empty(); }, 10s));
}

TEST_CASE("daemonize detaches with a pid file and logs to log_file", "[lifecycle]") {
  char dir[] = "/tmp/swkit-daemon-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string pid_file = std::string(dir) + "/d.pid";
  const std::string log_file = std::string(dir) + "/d.log";
  ServerProcess launcher({.settings = {{"worker_num", 1LL},
                                       {"daemonize", true},
                                       {"pid_file", pid_file},
                                       {"log_file", log_file},
                                       {"log_level", 2LL}}});
  // The launching process exits at once; the daemon is in a session of its own.
  int status = 0;
  REQUIRE(waitpid(launcher.master(), &status, 0) == launcher.master());
  CHECK(WEXITSTATUS(status) == 0);
  pid_t daemon = 0;
  std::ifstream(pid_file) >> daemon;
  REQUIRE(daemon > 0);
  CHECK(daemon != launcher.master());  // the daemon is a grandchild of the launcher
  CHECK(getsid(daemon) != getsid(0));  // a session of its own: detached from our terminal
  const pid_t group = getpgid(daemon);
  Client c(launcher.port());
  CHECK(c.call("echo d").substr(3) == "d");
  const auto tree = pids_in_group(group);
  CHECK(tree.size() == 4);  // master, spawner, manager, 1 worker
  REQUIRE(kill(daemon, SIGTERM) == 0);
  const bool gone = eventually([&] { return pids_in_group(group).empty(); }, 10s);
  if (!gone) kill(-group, SIGKILL);
  CHECK(gone);
  std::ifstream log(log_file);
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("master started") != std::string::npos);
  CHECK(text.find("master stopped") != std::string::npos);
  CHECK(access(pid_file.c_str(), F_OK) != 0);
  unlink(log_file.c_str());
  rmdir(dir);
}
