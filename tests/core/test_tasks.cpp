// Task workers: task, taskwait, taskWaitMulti/taskCo, finish, per-task callbacks,
// sendMessage, and their errors.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

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

TEST_CASE("a slow task does not hold back the result of a fast one sent with it", "[tasks]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  // Both tasks leave in one batch and reach the task worker together.
  const auto ids = split(c.call("taskpair fast sleep:3000"));
  REQUIRE(ids.size() == 3);
  auto first = server.events().wait_for("finish ", 2s);
  REQUIRE(first);  // not after the 3 s of the slow task
  CHECK(split(*first)[2] == ids[1]);
  CHECK(first->find(":fast") != std::string::npos);
  auto second = server.events().wait_for("finish ", 6s);
  REQUIRE(second);
  CHECK(split(*second)[2] == ids[2]);
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

TEST_CASE("a late task result never reaches the successor of its sender", "[tasks]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client c(server.port());
  REQUIRE(c.call("taskwait sleep:600 0.1") == "err 2003");
  // The worker that sent it is replaced while the task still runs; the successor's first
  // taskwait must get its own result, not the late one waiting on worker 0's socket.
  auto pid_of = [](const std::string& whoami) { return whoami.substr(whoami.find("pid=")); };
  const std::string old_pid = pid_of(c.call("whoami"));
  CHECK(c.call("stop") == "ok");
  // PROCESS mode: the connection stays; the successor answers on it.
  REQUIRE(eventually([&] { return pid_of(c.call("whoami")) != old_pid; }, 5s));
  const std::string r = c.call("taskwait after-reload 3.0");
  REQUIRE(r.rfind("result ", 0) == 0);
  CHECK(r.find(":after-reload") != std::string::npos);
  CHECK(r.find("sleep") == std::string::npos);
}

TEST_CASE("taskCo returns results by index with the timed-out ones missing", "[tasks]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 3LL}}});
  Client c(server.port());
  const auto r = split(c.call("taskmulti 2.0 a sleep:4000 b"));
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

TEST_CASE("taskCo without blocking (handler or co_await): results arrive on the event loop",
          "[tasks]") {
  // "taskco": Server::taskCo with a completion handler; "awaitco": co_await taskCoAwait(...)
  // in a C++20 coroutine. Both answer "<tag> r0 r1 r2".
  const auto [command, tag] = GENERATE(std::pair<std::string, std::string>{"taskco", "coresults"},
                                       std::pair<std::string, std::string>{"awaitco", "awaited"});
  INFO(command);
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 3LL}}});
  Client c(server.port());
  REQUIRE(c.send_all(command + " 2.0 a sleep:4000 b\n"));
  // The worker is free meanwhile: another request is answered before the results.
  Client other(server.port());
  CHECK(other.call("echo meanwhile", 5s).substr(3) == "meanwhile");
  auto line = c.recv_line(10s);
  REQUIRE(line);
  const auto r = split(*line);
  REQUIRE(r.size() == 4);
  CHECK(r[0] == tag);
  CHECK(r[1].find(":a") != std::string::npos);
  CHECK(r[2] == "-");
  CHECK(r[3].find(":b") != std::string::npos);
}

TEST_CASE("task_ipc_mode 3: idle task workers take tasks from one queue", "[tasks]") {
  ServerProcess server(
      {.settings = {{"worker_num", 2LL}, {"task_worker_num", 2LL}, {"task_ipc_mode", 3LL}}});
  Client slow(server.port());
  REQUIRE(slow.send_all("taskwait sleep:4000 8\n"));
  // The other task worker takes the next tasks while the first one sleeps (behind it, they
  // would take 4 s).
  Client quick(server.port());
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; i++) CHECK(quick.call("taskwait q 3").rfind("result t", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  CHECK(slow.recv_line(10s).value_or("").rfind("result t", 0) == 0);
  // Payloads beyond one datagram go through task_tmpdir.
  CHECK(quick.call("taskbig 1000000 wait", 10s) == "result len=1000000");
}

TEST_CASE("a 64 MiB task does not block the worker's other connections", "[tasks][large]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}}});
  Client big(server.port());
  Client other(server.port());
  REQUIRE(big.send_all("taskbig 67108864\n"));
  CHECK(big.recv_line(10s).value_or("").rfind("taskid ", 0) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(other.call("echo still-served", 5s).substr(3) == "still-served");
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);  // not after the whole 64 MiB
  auto fin = server.events().wait_for("finish ", 30s);
  REQUIRE(fin);
  CHECK(split(*fin)[3] == "len=67108864");
}

TEST_CASE("task stats stay true under load", "[tasks]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 2LL}}});
  Client c(server.port());
  for (int i = 0; i < 10; i++) REQUIRE(c.call("task sleep:1500").rfind("taskid", 0) == 0);
  // Both task workers pick up their first task at once; the next ones wait 1.5 s.
  std::string busy;
  CHECK(eventually(
      [&] {
        busy = c.call("stats");
        return field(busy, "task_idle_worker_num") == "0";
      },
      1s));
  INFO(busy);
  CHECK(field(busy, "task_worker_num") == "2");
  CHECK(std::stoi(field(busy, "tasking_num")) >= 6);  // 10 sent, at most 4 started
  CHECK(field(busy, "task_queue_num") == field(busy, "tasking_num"));
  CHECK(std::stoi(field(busy, "task_queue_bytes")) >= 6 * 9);
  CHECK(eventually([&] { return field(c.call("stats"), "tasking_num") == "0"; }, 15s));
  CHECK(eventually([&] { return field(c.call("stats"), "task_idle_worker_num") == "2"; }, 15s));
  const std::string idle = c.call("stats");
  CHECK(field(idle, "task_count") == "10");
  CHECK(field(idle, "task_queue_bytes") == "0");
}

TEST_CASE("10,000 tasks under a task reload: none lost or duplicated", "[tasks][reload]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"task_worker_num", 2LL}}});
  server.wait_workers(3);
  Client c(server.port());
  CHECK(c.call("flood 10000") == "ok");
  REQUIRE(server.events().wait_for("flooding", 5s));
  REQUIRE(kill(server.master(), SIGUSR2) == 0);
  REQUIRE(server.events().wait_for("afterreload", 15s));
  CHECK(server.events().wait_for("flood done=10000 dupes=0 of=10000", 30s));
  const std::string rec = c.call("reloads");
  CHECK(field(rec, "task_only") == "1");
  CHECK(field(rec, "forced") == "0");
}

TEST_CASE("task() from a task worker fails with a clear error", "[tasks]") {
  ServerProcess server({.settings = kTasks});
  Client c(server.port());
  CHECK(c.call("taskwait nested").find("nested=-1:509") != std::string::npos);
}

TEST_CASE("a user process sends one-way tasks and pipe messages", "[tasks]") {
  ServerProcess server({.settings = kTasks, .customize = [](Server& s, const EventChannel& ev) {
                          const EventChannel* evp = &ev;
                          s.addProcess([evp](Server& srv, int) {
                            const int64_t t = srv.task("from-user");
                            const bool m = srv.sendMessage("hello-from-user", 0);
                            evp->emit("usersent " + std::to_string(t) + " " + (m ? "1" : "0"));
                            for (;;) std::this_thread::sleep_for(1s);
                          });
                        }});
  auto sent = server.events().wait_for("usersent ", 5s);
  REQUIRE(sent);
  CHECK(split(*sent)[1] != "-1");
  CHECK(split(*sent)[2] == "1");
  CHECK(server.events().wait_for("pipemessage 0 4 hello-from-user", 5s));
}

TEST_CASE("taskWaitMulti and taskCo take at most 1024 tasks", "[tasks]") {
  ServerProcess server({.settings = kTasks});
  Client c(server.port());
  auto words = [](int n, const char* w) {
    std::string out;
    for (int i = 0; i < n; i++) out += std::string(" ") + w;
    return out;
  };
  CHECK(c.call("taskmulti 5.0" + words(1025, "x")) == "results");  // refused: nothing ran
  CHECK(c.call("taskco 5.0" + words(1025, "x")) == "err 505");
  // 1024 is the limit, not beyond it: every result comes back.
  const auto all = split(c.call("taskco 20.0" + words(1024, "y"), 30s));
  REQUIRE(all.size() == 1025);
  CHECK(all[0] == "coresults");
  CHECK(std::count(all.begin(), all.end(), "-") == 0);
}

TEST_CASE("finish() in onTask answers a taskwait, and tasks from master and manager are one-way",
          "[tasks]") {
  ServerProcess server({.settings = kTasks, .customize = [](Server& s, const EventChannel& ev) {
                          const EventChannel* evc = &ev;
                          s.on("task",
                               [evc](Server& srv, TaskId, int src,
                                     std::string_view data) -> std::optional<std::string> {
                                 const std::string d(data);
                                 evc->emit("ontask " + d + " src=" + std::to_string(src));
                                 if (d == "fin") {
                                   evc->emit(std::string("finish=") +
                                             (srv.finish("explicit") ? "1" : "0"));
                                   return std::nullopt;  // finish() already answered
                                 }
                                 if (d.rfind("from-", 0) == 0)
                                   return "one-way result";  // must go nowhere
                                 return "returned " + d;
                               });
                          s.on("start", [evc](Server& srv) {
                            srv.task("from-master");
                            // What the test server's own onStart says (ServerProcess waits for it).
                            evc->emit("start " + std::to_string(srv.port()) + " " +
                                      std::to_string(srv.getMasterPid()) + " " +
                                      std::to_string(srv.getManagerPid()));
                          });
                          s.on("managerStart", [](Server& srv) { srv.task("from-manager"); });
                        }});
  for (const char* who : {"ontask from-master src=-1", "ontask from-manager src=-1"}) {
    INFO(who);
    CHECK(server.events().wait_for(who, 5s));
  }
  Client c(server.port());
  CHECK(c.call("taskwait fin").find("explicit") != std::string::npos);
  CHECK(server.events().wait_for("finish=1", 5s));
  CHECK(c.call("taskwait plain").find("returned plain") != std::string::npos);
  // No onFinish anywhere for the one-way tasks.
  for (const auto& line : server.events().drain(300ms)) {
    CHECK(line.find("one-way result") == std::string::npos);
  }
}

TEST_CASE("10,000 tasks under a full reload (SIGUSR1): each runs exactly once", "[tasks][reload]") {
  // The task workers append each task's payload to a file (O_APPEND: one write per line); the
  // sender is replaced too, so the count is taken where the tasks run.
  const std::string ran = "/tmp/swkit-test-ran-" + std::to_string(::getpid());
  ::unlink(ran.c_str());
  ServerProcess server(
      {.settings = {{"worker_num", 1LL}, {"task_worker_num", 2LL}},
       .customize = [ran](Server& s, const EventChannel&) {
         s.on("task",
              [ran](Server&, TaskId, int, std::string_view data) -> std::optional<std::string> {
                // 100 us each: most of the 10,000 are still queued when the reload starts.
                std::this_thread::sleep_for(std::chrono::microseconds(100));
                const int fd = ::open(ran.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
                const std::string line = std::string(data) + "\n";
                if (fd >= 0) {
                  (void)!::write(fd, line.data(), line.size());
                  ::close(fd);
                }
                return std::nullopt;
              });
       }});
  server.wait_workers(3);
  Client c(server.port());
  CHECK(c.call("flood 10000") == "ok");
  REQUIRE(server.events().wait_for("flooding", 5s));
  REQUIRE(kill(server.master(), SIGUSR1) == 0);
  REQUIRE(server.events().wait_for("afterreload", 15s));
  auto lines = [&] {
    std::ifstream in(ran);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  };
  eventually([&] { return lines().size() >= 10000; }, 30s);
  const auto all = lines();
  std::set<std::string> unique(all.begin(), all.end());
  CHECK(all.size() == 10000);
  CHECK(unique.size() == 10000);
  CHECK(unique.count("f0") == 1);
  CHECK(unique.count("f9999") == 1);
  const std::string rec = Client(server.port()).call("reloads");
  CHECK(field(rec, "task_only") == "0");
  CHECK(field(rec, "forced") == "0");
  ::unlink(ran.c_str());
}

TEST_CASE("task() without dst picks an idle task worker", "[tasks]") {
  ServerProcess server({.settings = kTasks});  // task workers 2 and 3
  Client c(server.port());
  REQUIRE(c.call("task sleep:1500 0").rfind("taskid ", 0) == 0);  // task worker 2 is busy
  REQUIRE(eventually(
      [&] { return c.call("stats").find("task_idle_worker_num=1 ") != std::string::npos; }, 5s));
  // One at a time, each once the previous one finished: task worker 3 is idle at each pick
  // (with several in flight it may be busy too, and then any worker is fair game).
  int on_idle = 0;
  for (int i = 0; i < 5; i++) {
    REQUIRE(c.call("task q").rfind("taskid ", 0) == 0);
    auto fin = server.events().wait_for("finish ", 5s);
    REQUIRE(fin);
    CHECK(fin->find(":q") != std::string::npos);  // not the sleeping one
    on_idle += fin->find(" t3:") != std::string::npos;
  }
  CHECK(on_idle == 5);
}

TEST_CASE("a 64 MiB task result comes back whole, and task_ipc_mode 2 works as 1",
          "[tasks][large]") {
  ServerProcess server(
      {.settings = {{"worker_num", 1LL}, {"task_worker_num", 1LL}, {"task_ipc_mode", 2LL}}});
  Client c(server.port());
  CHECK(c.call("taskwait big:67108864 60", 90s) == "result len=67108864");
  CHECK(c.call("taskwait small").find(":small") != std::string::npos);
}
