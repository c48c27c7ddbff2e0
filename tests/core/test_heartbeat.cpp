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

namespace {
std::string session_of(Client& c) {
  const std::string who = c.call("whoami");
  const size_t at = who.find("fd=") + 3;
  return who.substr(at, who.find(' ', at) - at);
}
}  // namespace

TEST_CASE("protect() keeps a silent connection from the heartbeat", "[heartbeat]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server(
      {.mode = mode,
       .settings = {
           {"worker_num", 1LL}, {"heartbeat_check_interval", 1LL}, {"heartbeat_idle_time", 1LL}}});
  Client kept(server.port());
  Client dropped(server.port());
  Client busy(server.port());
  const std::string kept_sid = session_of(kept);
  session_of(dropped);
  REQUIRE(busy.call("protect " + kept_sid) == "ok");
  CHECK(busy.call("protect 999999").rfind("err ", 0) == 0);
  bool closed = false;
  for (int i = 0; i < 40 && !closed; i++) {
    busy.call("echo alive");
    closed = dropped.wait_closed(200ms);
  }
  CHECK(closed);
  CHECK(kept.call("echo here").find("here") != std::string::npos);  // still open
  // Unprotected again, it goes the same way.
  REQUIRE(busy.call("unprotect " + kept_sid) == "ok");
  bool gone = false;
  for (int i = 0; i < 40 && !gone; i++) {
    busy.call("echo alive");
    gone = kept.wait_closed(200ms);
  }
  CHECK(gone);
}

TEST_CASE("pause() stops reading a client and resume() reads it again", "[connections]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  Client paused(server.port());
  Client other(server.port());
  const std::string sid = session_of(paused);
  REQUIRE(other.call("pause " + sid) == "ok");
  // pause() is asynchronous, as the seed says: it reaches the socket's owner (a reactor thread,
  // or another worker in BASE mode) after it returns. A send() to the same client takes the same
  // ordered channel, so once "pushed" arrives the owner has stopped reading. It also shows output
  // still flows to a paused client.
  REQUIRE(other.call("send " + sid + " pushed") == "ok");
  auto pushed = paused.recv_line(5s);
  REQUIRE(pushed);
  CHECK(*pushed == "pushed");
  REQUIRE(paused.send_all("echo later\n"));
  CHECK_FALSE(paused.recv_line(500ms));  // not read while paused
  REQUIRE(other.call("resume " + sid) == "ok");
  auto reply = paused.recv_line(5s);
  REQUIRE(reply);
  CHECK(reply->find("later") != std::string::npos);
  CHECK(other.call("pause 999999").rfind("err ", 0) == 0);
}
