// The supervisor: reloads as tracked transactions (rolling, parallel, forced, refused),
// recycling by max_request, crash-loop backoff, user processes, log reopening, and a reload
// under full load that loses nothing.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;
using Clock = std::chrono::steady_clock;

namespace {

int64_t g_drain_timer = 0;  // in the worker process of the onWorkerExit test

// A user process that sends "from-user" to every connection every 100 ms.
void add_user_process(Server& s, const EventChannel& ev) {
  const EventChannel* evp = &ev;
  s.addProcess([evp](Server& srv, int id) {
    evp->emit("userstart " + std::to_string(id) + " " + std::to_string(getpid()));
    bool reported = false;
    for (;;) {
      // From a user process: getClientList, send and stats work.
      std::vector<SessionId> ids;
      if (srv.getClientList(0, 100, ids)) {
        for (auto fd : ids) srv.send(fd, "from-user\n");
      }
      if (!reported && !ids.empty()) {
        evp->emit("userstats " + std::to_string(srv.stats().connection_num));
        reported = true;
      }
      std::this_thread::sleep_for(100ms);
    }
  });
}

}  // namespace

TEST_CASE("SIGUSR1 replaces every event and task worker and leaves user processes alone",
          "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 2LL}, {"task_worker_num", 2LL}},
                        .customize = add_quiet_user_process});
  const auto before = server.wait_workers(4);  // ids 0,1 event, 2,3 task
  auto user = server.events().wait_for("userstart ", 5s);
  REQUIRE(user);
  const pid_t user_pid = std::stoi(split(*user)[2]);

  REQUIRE(kill(server.master(), SIGUSR1) == 0);
  REQUIRE(server.events().wait_for("afterreload", 10s));
  Client c(server.port());
  for (int id = 0; id < 4; id++) {
    INFO("worker " << id);
    const pid_t now = pid_of(c, id);
    CHECK(now > 0);
    CHECK(now != before[id]);
    CHECK(field(c.call("winfo " + std::to_string(id)), "generation") == "1");
  }
  CHECK(pid_of(c, 4) == user_pid);
  const std::string rec = c.call("reloads");
  CHECK(field(rec, "trigger") == "signal");
  CHECK(field(rec, "task_only") == "0");
  CHECK(reload_workers(rec).size() == 4);
}

TEST_CASE("SIGUSR2 replaces only the task workers", "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 2LL}, {"task_worker_num", 2LL}}});
  const auto before = server.wait_workers(4);
  REQUIRE(kill(server.master(), SIGUSR2) == 0);
  REQUIRE(server.events().wait_for("afterreload", 10s));
  Client c(server.port());
  CHECK(pid_of(c, 0) == before[0]);
  CHECK(pid_of(c, 1) == before[1]);
  CHECK(pid_of(c, 2) != before[2]);
  CHECK(pid_of(c, 3) != before[3]);
  const std::string rec = c.call("reloads");
  CHECK(field(rec, "task_only") == "1");
  CHECK(reload_workers(rec).size() == 2);
  // Tasks still work after the reload.
  CHECK(c.call("taskwait hello").rfind("result t", 0) == 0);
}

TEST_CASE("rolling reload replaces one worker at a time and parallel all at once", "[supervisor]") {
  const bool parallel = GENERATE(false, true);
  INFO((parallel ? "parallel" : "rolling"));
  ServerProcess server(
      {.settings = {{"worker_num", 4LL}, {"reload_async", parallel}},
       .customize = [](Server& s, const EventChannel& ev) {
         const EventChannel* evp = &ev;
         s.on("workerStop", [evp](Server&, int id) {
           evp->emit("workerstop " + std::to_string(id) + " " + std::to_string(getpid()));
           std::this_thread::sleep_for(1s);  // a slow drain makes the order visible
         });
       }});
  server.wait_workers(4);
  REQUIRE(kill(server.master(), SIGUSR1) == 0);
  REQUIRE(server.events().wait_for("beforereload", 10s));
  const auto t0 = Clock::now();
  REQUIRE(server.events().wait_for("afterreload", 30s));
  const auto elapsed = Clock::now() - t0;
  std::vector<std::string> order;
  for (const auto& line : server.events().drain(200ms)) {
    if (line.rfind("workerstop", 0) == 0 || line.rfind("workerstart", 0) == 0) {
      order.push_back(split(line)[0]);
    }
  }
  REQUIRE(order.size() == 8);
  // Each successor starts before its predecessor stops (spawn first, then hand over).
  // Parallel takes one drain (about 1 s), rolling four (at least 4 s). The bounds leave room
  // for a loaded machine: t0 is when the test read "beforereload", which may be a little late.
  if (parallel) {
    CHECK(elapsed < 3s);  // the four 1 s drains overlap
    CHECK(order[0] == "workerstart");
  } else {
    CHECK(elapsed >= 3500ms);  // four 1 s drains, one after another
    for (int i = 0; i < 8; i++) CHECK(order[i] == (i % 2 == 0 ? "workerstart" : "workerstop"));
  }
  Client c(server.port());
  CHECK(field(c.call("reloads"), "strategy") == (parallel ? "parallel" : "rolling"));
}

TEST_CASE("a worker stuck in a callback is killed after max_wait_time and marked forced",
          "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"max_wait_time", 1LL}}});
  server.wait_workers(1);
  Client stuck(server.port());
  // Stuck for 10 s: killed after max_wait_time, the reload takes about 1 s (waiting for the
  // callback would take about 10 s).
  REQUIRE(stuck.send_all("sleep 10000\n"));
  REQUIRE(server.events().wait_for("sleeping ", 10s));
  const auto t0 = Clock::now();
  REQUIRE(kill(server.master(), SIGUSR1) == 0);
  REQUIRE(server.events().wait_for("afterreload", 15s));
  CHECK(Clock::now() - t0 < 5s);
  Client c(server.port());
  const std::string rec = c.call("reloads");
  CHECK(field(rec, "forced") == "1");
  const auto workers = reload_workers(rec);
  REQUIRE(workers.size() == 1);
  CHECK(workers[0][4] == "1");             // forced
  CHECK(std::stoi(workers[0][3]) >= 900);  // drained until max_wait_time
  CHECK(c.call("echo alive").substr(3) == "alive");
}

TEST_CASE("a reload requested while one runs is refused", "[supervisor]") {
  ServerProcess server(
      {.settings = {{"worker_num", 2LL}}, .customize = [](Server& s, const EventChannel&) {
         s.on("workerStop", [](Server&, int) { std::this_thread::sleep_for(500ms); });
       }});
  server.wait_workers(2);
  Client c(server.port());
  CHECK(c.call("reload") == "ok");
  REQUIRE(server.events().wait_for("beforereload", 5s));
  Client c2(server.port());
  CHECK(c2.call("reload") == "err 509");         // the API refuses with a clear answer
  REQUIRE(kill(server.master(), SIGUSR1) == 0);  // the signal is refused and counted
  REQUIRE(server.events().wait_for("afterreload", 10s));
  const std::string rec = wait_reload_done(server);
  CHECK(field(rec, "trigger") == "api");
  CHECK(std::stoi(field(rec, "refused")) >= 1);
  CHECK(field(rec, "count") == "1");
  CHECK(server.events().drain(300ms).size() < 100);  // and no second beforereload follows
}

TEST_CASE("max_request recycles a worker after N requests with none failing", "[supervisor]") {
  ServerProcess server(
      {.settings = {{"worker_num", 1LL}, {"max_request", 10LL}, {"max_request_grace", 0LL}}});
  server.wait_workers(1);
  Client c(server.port());
  std::vector<std::string> pids;
  for (int i = 0; i < 35; i++) {
    const std::string who = c.call("whoami", 5s);
    REQUIRE(who.rfind("w0 ", 0) == 0);  // every request answered
    pids.push_back(field(who, "pid"));
  }
  std::map<std::string, int> per_pid;
  for (const auto& p : pids) per_pid[p]++;
  CHECK(per_pid.size() == 4);  // 10 + 10 + 10 + 5
  for (int i = 0; i < 30; i += 10) CHECK(per_pid[pids[i]] == 10);
}

TEST_CASE("max_request with the default grace recycles between N+1 and 1.5N", "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"max_request", 20LL}}});
  server.wait_workers(1);
  Client c(server.port());
  std::vector<std::string> pids;
  for (int i = 0; i < 40; i++) pids.push_back(field(c.call("whoami", 5s), "pid"));
  int first_run = 0;
  while (first_run < 40 && pids[first_run] == pids[0]) first_run++;
  CHECK(first_run >= 21);
  CHECK(first_run <= 30);
}

TEST_CASE("a crash-looping worker backs off instead of spinning", "[supervisor]") {
  ServerProcess server(
      {.settings = {{"worker_num", 2LL}}, .customize = [](Server& s, const EventChannel& ev) {
         const EventChannel* evp = &ev;
         s.on("workerStart", [evp](Server&, int id) {
           evp->emit("workerstart " + std::to_string(id) + " " + std::to_string(getpid()));
           if (id == 1) {
             signal(SIGABRT, SIG_DFL);  // Catch2 installs its own handler in this process
             std::abort();
           }
         });
       }});
  // Talk to worker 0 only: a message dispatched to worker 1 waits for a worker that never
  // gets to read it. dispatch_mode 2 maps the master's socket fd to a worker, so one of two
  // consecutive connections lands on worker 0: both ask, and the one that is answered is kept
  // (the server listens before its workers run, so the answer may take a while).
  REQUIRE(server.events().wait_for("workerstart 0 ", 10s));
  std::vector<Client> probes;  // all stay open, so the master's fds stay consecutive
  for (int i = 0; i < 2; i++) probes.emplace_back(server.port());
  for (auto& probe : probes) REQUIRE(probe.send_all("echo probe\n"));
  pollfd answered[2] = {{probes[0].fd(), POLLIN, 0}, {probes[1].fd(), POLLIN, 0}};
  REQUIRE(poll(answered, 2, 10000) > 0);
  std::optional<Client> c;
  for (int i = 0; i < 2; i++) {
    if (!c && (answered[i].revents & POLLIN) &&
        probes[i].recv_line(5s).value_or("").rfind("w0 ", 0) == 0) {
      c.emplace(std::move(probes[i]));
    }
  }
  REQUIRE(c);
  // Count the crashes of a 3 s window as their events arrive; after each, the slot shows the
  // supervisor's state (BACKOFF once the respawn is delayed).
  const auto window_end = Clock::now() + 3s;
  bool saw_backoff = false;
  int crashes = 0;
  while (Clock::now() < window_end) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(window_end - Clock::now());
    if (!server.events().wait_for("workererror 1 ", std::max(left, 1ms))) continue;
    crashes++;
    if (field(c->call("winfo 1"), "state") == "BACKOFF") saw_backoff = true;
  }
  for (const auto& line : server.events().drain(100ms))
    crashes += line.rfind("workererror 1 ", 0) == 0;
  INFO("crashes in 3 s: " << crashes);
  CHECK(crashes >= 3);
  CHECK(crashes <= 15);  // 0, 50, 100, 200, 400, 800, 1600 ms: about 7, never hundreds
  CHECK(saw_backoff);
  // The manager reports a crash (onWorkerError) before it counts the respawn, and one more
  // crash may come after the drain: the count catches up with the events, and is at most one
  // ahead of them.
  int respawns = -1;
  CHECK(eventually(
      [&] {
        respawns = std::stoi(field(c->call("winfo 1"), "respawns"));
        return respawns >= crashes;
      },
      5s));
  INFO("respawns: " << respawns);
  CHECK(respawns <= crashes + 1);
  CHECK(c->call("echo fine").substr(3) == "fine");  // worker 0 keeps serving
}

TEST_CASE("user processes start after the workers and restart when they exit", "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 2LL}}, .customize = add_user_process});
  server.wait_workers(2);
  auto first = server.events().wait_for("userstart ", 5s);
  REQUIRE(first);
  CHECK(split(*first)[1] == "2");  // ids follow the workers
  const pid_t pid = std::stoi(split(*first)[2]);
  Client c(server.port());
  bool got = false;
  for (int i = 0; i < 50 && !got; i++)
    got = c.recv_line(200ms) == std::optional<std::string>("from-user");
  CHECK(got);  // the user process found the connection with getClientList and sent to it
  CHECK(server.events().wait_for("userstats 1", 5s));
  REQUIRE(kill(pid, SIGKILL) == 0);
  auto again = server.events().wait_for("userstart ", 5s);
  REQUIRE(again);
  CHECK(std::stoi(split(*again)[2]) != pid);
  const auto tree = server.tree();
  CHECK(server.stop() == 0);
  for (pid_t p : tree) CHECK_FALSE(pid_alive(p));
}

TEST_CASE("SIGWINCH reopens log_file in every process", "[supervisor]") {
  char dir[] = "/tmp/swkit-log-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string log = std::string(dir) + "/server.log";
  ServerProcess server({.settings = {{"worker_num", 1LL}, {"log_file", log}, {"log_level", 2LL}}});
  server.wait_workers(1);
  REQUIRE(std::rename(log.c_str(), (log + ".1").c_str()) == 0);
  REQUIRE(kill(server.master(), SIGWINCH) == 0);
  REQUIRE(eventually([&] { return access(log.c_str(), F_OK) == 0; }, 5s));
  Client c(server.port());
  CHECK(c.call("reload") == "ok");
  REQUIRE(server.events().wait_for("afterreload", 10s));
  server.stop();
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("reload #1 started") != std::string::npos);  // the manager writes the new file
  CHECK(text.find("master stopped") != std::string::npos);
  std::remove((log + ".1").c_str());
  std::remove(log.c_str());
  rmdir(dir);
}

TEST_CASE("reload under load: 10 reloads on 50 busy connections lose nothing",
          "[supervisor][load]") {
  const bool parallel = GENERATE(false, true);
  INFO((parallel ? "parallel" : "rolling"));
  ServerProcess server({.settings = {{"worker_num", 4LL}, {"reload_async", parallel}}});
  server.wait_workers(4);
  constexpr int kConns = 50;
  std::vector<Client> clients;
  for (int i = 0; i < kConns; i++) clients.emplace_back(server.port());
  std::vector<long> seq(kConns, 0);
  std::vector<std::string> buffers(kConns);
  long answered = 0, wrong = 0;
  auto send_next = [&](int i) {
    return clients[i].send_all("echo c" + std::to_string(i) + "-" + std::to_string(seq[i]) + "\n");
  };
  for (int i = 0; i < kConns; i++) REQUIRE(send_next(i));
  int reloads_done = 0, reloads_sent = 0;
  bool reload_running = false;
  const auto deadline = Clock::now() + 60s;
  auto finish_after = Clock::time_point::max();
  std::vector<pollfd> fds(kConns);
  while (Clock::now() < deadline && Clock::now() < finish_after) {
    // Drive the reloads: one at a time, ten in all.
    while (auto line = server.events().next(0ms)) {
      if (*line == "afterreload") {
        reload_running = false;
        reloads_done++;
      }
    }
    if (!reload_running && reloads_sent < 10 && answered > (reloads_sent + 1) * 200) {
      REQUIRE(kill(server.master(), SIGUSR1) == 0);
      reloads_sent++;
      reload_running = true;
    }
    if (reloads_done == 10 && finish_after == Clock::time_point::max()) {
      finish_after = Clock::now() + 300ms;
    }
    for (int i = 0; i < kConns; i++) fds[i] = {clients[i].fd(), POLLIN, 0};
    if (poll(fds.data(), kConns, 50) < 0) break;
    for (int i = 0; i < kConns; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
      REQUIRE(n > 0);  // a closed connection is an error
      buffers[i].append(buf, n);
      for (auto nl = buffers[i].find('\n'); nl != std::string::npos; nl = buffers[i].find('\n')) {
        const std::string reply = buffers[i].substr(0, nl);
        buffers[i].erase(0, nl + 1);
        const std::string expect = "c" + std::to_string(i) + "-" + std::to_string(seq[i]);
        if (reply.size() > 3 && reply.substr(reply.find(' ') + 1) == expect) {
          answered++;
          seq[i]++;
          REQUIRE(send_next(i));
        } else {
          wrong++;
        }
      }
    }
  }
  INFO("answered " << answered << ", reloads " << reloads_done);
  CHECK(reloads_done == 10);
  CHECK(wrong == 0);
  // Every request sent was answered exactly once: the last one of each connection too.
  for (int i = 0; i < kConns; i++) {
    const std::string expect = "c" + std::to_string(i) + "-" + std::to_string(seq[i]);
    auto line = clients[i].recv_line(5s);
    REQUIRE(line);
    CHECK(line->substr(line->find(' ') + 1) == expect);
  }
  Client c(server.port());
  const std::string rec = c.call("reloads");
  CHECK(field(rec, "count") == "10");
  CHECK(field(rec, "forced") == "0");
}

TEST_CASE("a SIGKILLed manager is replaced and PROCESS connections stay intact", "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 2LL}, {"task_worker_num", 1LL}}});
  const auto before = server.wait_workers(3);
  Client c(server.port());
  const std::string who = c.call("whoami");
  const pid_t manager = server.manager();
  REQUIRE(kill(manager, SIGKILL) == 0);
  // Requests keep being answered on the same connection (by the old worker while it drains,
  // then by its successor); none is lost.
  std::string after;
  CHECK(eventually(
      [&] {
        after = c.call("whoami", 10s);
        REQUIRE(after.rfind("w", 0) == 0);
        return std::stoi(field(after, "pid")) != std::stoi(field(who, "pid"));
      },
      10s));
  CHECK(field(after, "fd") == field(who, "fd"));  // the same connection
  const std::string pids = c.call("pids");
  CHECK(std::stoi(field(pids, "manager")) != manager);
  CHECK(std::stoi(field(pids, "manager")) > 0);
  CHECK_FALSE(pid_alive(manager));
  for (pid_t p : before) CHECK(eventually([&] { return !pid_alive(p); }, 5s));
  CHECK(c.call("taskwait still-there").rfind("result ", 0) == 0);  // task workers are back
  const auto tree = server.tree();
  CHECK(server.stop() == 0);
  for (pid_t p : tree) CHECK_FALSE(pid_alive(p));
}

TEST_CASE("onWorkerExit fires repeatedly while a worker with timers drains (reload_async)",
          "[supervisor]") {
  ServerProcess server(
      {.settings = {{"worker_num", 1LL}, {"reload_async", true}, {"max_wait_time", 3LL}},
       .customize = [](Server& s, const EventChannel& ev) {
         const EventChannel* evp = &ev;
         s.on("workerStart", [evp](Server& srv, int id) {
           evp->emit("workerstart " + std::to_string(id) + " " + std::to_string(getpid()));
           g_drain_timer = srv.tick(1000, [](int64_t) {});  // keeps the event loop busy
         });
         s.on("workerExit", [evp](Server& srv, int id) {
           static int calls = 0;
           evp->emit("workerexit " + std::to_string(id) + " " + std::to_string(++calls));
           // Clearing the timer lets the worker go; max_wait_time is not needed.
           if (calls == 3) srv.clearTimer(g_drain_timer);
         });
       }});
  server.wait_workers(1);
  const auto t0 = Clock::now();
  REQUIRE(kill(server.master(), SIGUSR1) == 0);
  REQUIRE(server.events().wait_for("afterreload", 10s));
  int exits = 0;
  for (const auto& l : server.events().drain(100ms)) exits += l.rfind("workerexit 0 ", 0) == 0;
  CHECK(exits == 3);
  CHECK(Clock::now() - t0 < 2500ms);  // it left when the timers were gone, before max_wait_time
  Client c(server.port());
  CHECK(field(c.call("reloads"), "forced") == "0");
}

TEST_CASE("stop() in a worker hands over to a replacement", "[supervisor]") {
  ServerProcess server({.settings = {{"worker_num", 1LL}}});
  const auto before = server.wait_workers(1);
  Client c(server.port());
  CHECK(c.call("stop") == "ok");
  auto next = server.events().wait_for("workerstart 0 ", 5s);
  REQUIRE(next);
  CHECK(std::stoi(split(*next)[2]) != before[0]);
  CHECK(eventually([&] { return !pid_alive(before[0]); }, 5s));
  CHECK(c.call("echo after-stop").substr(3) == "after-stop");
}
