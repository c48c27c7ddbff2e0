// Task workers: task, taskwait, taskWaitMulti/taskCo, finish, per-task callbacks,
// sendMessage, and their errors.
#include <catch2/catch.hpp>

#include <signal.h>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {
const Settings kTasks = {{"worker_num", 2LL}, {"task_worker_num", 2LL}};
}

TEST_CASE("taskwait returns the task's result", "[tasks]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  ServerProcess server({.mode = mode, .settings = kTasks});
  Client c(server.port());
  const std::string r = c.call("taskwait hello");
  REQUIRE(r.rfind("result t", 0) == 0);
  const auto parts = split(r.substr(7), ':');  // t<task worker>:<id>:<src>:<data>
  CHECK((parts[0] == "t2" || parts[0] == "t3"));
  CHECK(parts[3] == "hello");
  CHECK(c.call("taskwait x 2.0 1").rfind("result t3:", 0) == 0);  // dst_worker_id 1
}

TEST_CASE("task() delivers onFinish and per-task callbacks in the sending worker", "[tasks]") {
  ServerProcess server({.settings = kTasks});
  Client c(server.port());
  const std::string who = c.call("whoami");
  const std::string me = who.substr(1, who.find(' ') - 1);
  const std::string id = split(c.call("task async-data"))[1];
  auto fin = server.events().wait_for("finish ", 5s);
  REQUIRE(fin);
  CHECK(split(*fin)[1] == me);
  CHECK(split(*fin)[2] == id);
  CHECK(split(*fin)[3].find(":async-data") != std::string::npos);
  const std::string id2 = split(c.call("taskcb with-callback"))[1];
  auto cb = server.events().wait_for("taskcallback ", 5s);
  REQUIRE(cb);
  CHECK(split(*cb)[2] == id2);
  int finishes = 0;
  for (const auto& l : server.events().drain(200ms)) finishes += l.rfind("finish ", 0) == 0;
  CHECK(finishes == 0);  // the callback replaced onFinish
}

TEST_CASE("taskwait times out and a late result never reaches a later call", "[tasks]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  CHECK(c.call("taskwait sleep:400 0.1") == "err 2003");
  // The late result of the first task arrives while this one waits: it must be skipped.
  const std::string r = c.call("taskwait second 2.0");
  REQUIRE(r.rfind("result ", 0) == 0);
  CHECK(r.find(":second") != std::string::npos);
  CHECK(r.find("sleep") == std::string::npos);
}

TEST_CASE("taskCo returns results by index with the timed-out ones missing", "[tasks]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 3LL}}});
  Client c(server.port());
  const auto r = split(c.call("taskmulti 0.5 a sleep:1500 b"));
  REQUIRE(r.size() == 4);
  CHECK(r[1].find(":a") != std::string::npos);
  CHECK(r[2] == "-");
  CHECK(r[3].find(":b") != std::string::npos);
}

TEST_CASE("task payloads of 16 MiB travel both ways", "[tasks][large]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  CHECK(c.call("taskwait big:16777216 10") == "result len=16777216");
}

TEST_CASE("task errors: dst out of range, from a task worker, no task workers", "[tasks]") {
  ServerProcess server({.settings = kTasks});
  Client c(server.port());
  CHECK(c.call("task x 2") == "err 505");
  CHECK(c.call("task x -5").rfind("taskid", 0) == 0);  // negative: any idle task worker
  ServerProcess plain({.settings = {{"worker_num", 1LL}}});
  Client p(plain.port());
  CHECK(p.call("task x") == "err 2002");
}

TEST_CASE("sendMessage reaches onPipeMessage in event and task workers, not oneself", "[tasks]") {
  ServerProcess server({.settings = kTasks});
  Client c(server.port());
  const std::string who = c.call("whoami");
  const int me = std::stoi(who.substr(1));
  const int other = 1 - me;
  CHECK(c.call("msg " + std::to_string(other) + " hi-worker") == "ok");
  auto m = server.events().wait_for("pipemessage ", 5s);
  REQUIRE(m);
  CHECK(*m == "pipemessage " + std::to_string(other) + " " + std::to_string(me) + " hi-worker");
  CHECK(c.call("msg 3 hi-task") == "ok");
  m = server.events().wait_for("pipemessage 3 ", 5s);
  REQUIRE(m);
  CHECK(c.call("msg " + std::to_string(me) + " self") == "err 505");
  CHECK(c.call("msg 9 nobody") == "err 505");
}

TEST_CASE("start fails without onTask or onFinish when task workers are configured", "[tasks]") {
  Server s("127.0.0.1", 0);
  s.set({{"task_worker_num", 1LL}, {"log_level", 6LL}});
  s.on("receive", [](Server&, SessionId, int, std::string_view) {});
  CHECK_FALSE(s.start());
  Server s2("127.0.0.1", 0);
  s2.set({{"task_worker_num", 1LL}, {"log_level", 6LL}});
  s2.on("receive", [](Server&, SessionId, int, std::string_view) {});
  s2.on("task", [](Server&, TaskId, int, std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  });
  CHECK_FALSE(s2.start());  // onFinish missing
}
