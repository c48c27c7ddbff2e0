// Heartbeat: heartbeat_check_interval / heartbeat_idle_time close the connections that send
// nothing, in the process that owns them (reactor threads in PROCESS mode, workers in BASE).
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

TEST_CASE("heartbeat closes a silent connection and keeps a busy one", "[heartbeat]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server(
      {.mode = mode,
       .settings = {
           {"worker_num", 1LL}, {"heartbeat_check_interval", 1LL}, {"heartbeat_idle_time", 2LL}}});
  Client silent(server.port());
  Client busy(server.port());
  const std::string who = silent.call("whoami");  // then nothing more from this one
  const std::string sid =
      who.substr(who.find("fd=") + 3, who.find(' ', who.find("fd=")) - who.find("fd=") - 3);
  // The busy client talks every 200 ms; the silent one must be closed within idle + interval
  // (3 s), with margin.
  bool closed = false;
  for (int i = 0; i < 40 && !closed; i++) {
    REQUIRE(busy.call("echo alive").find("alive") != std::string::npos);
    closed = silent.wait_closed(200ms);
  }
  CHECK(closed);
  auto ev = server.events().wait_for("close " + sid + " ", 5s);
  CHECK(ev);
  CHECK(busy.call("echo still").find("still") != std::string::npos);
}

TEST_CASE("heartbeat_idle_time alone turns the heartbeat on", "[heartbeat][settings]") {
  // Only the idle time: the check runs every idle/2 s, so a silent client goes within ~3 s.
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"heartbeat_idle_time", 2LL}}});
  Client silent(server.port());
  CHECK(silent.wait_closed(6s));
  Client fresh(server.port());
  CHECK(fresh.call("echo ok").find("ok") != std::string::npos);
}

TEST_CASE("heartbeat settings are checked and heartbeat() needs them", "[heartbeat][settings]") {
  Server s("127.0.0.1", 0);
  CHECK_THROWS_WITH(s.set({{"heartbeat_check_interval", -1LL}}),
                    Catch::Contains("heartbeat_check_interval") && Catch::Contains("86400"));
  CHECK_THROWS_WITH(s.set({{"heartbeat_idle_time", 3.5}}), Catch::Contains("heartbeat_idle_time"));
  std::vector<SessionId> out;
  CHECK_FALSE(s.heartbeat(false, out));
  CHECK(s.getLastError() == kErrInvalidParams);
}
