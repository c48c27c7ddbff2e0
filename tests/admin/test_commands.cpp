// addCommand/command (DESIGN §6): routing to every process type, deadlines, fan-out, errors.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "admin_http.h"

using namespace swkit;
using namespace swkit::test;

namespace {

constexpr int kAllTypes = kCommandMaster | kCommandManager | kCommandEventWorker |
                          kCommandTaskWorker | kCommandUserProcess;

// "pid worker_id" of the process that ran it.
void add_whoami(Server& s) {
  s.addCommand("whoami", kAllTypes, [](Server& srv, std::string_view data) {
    return std::to_string(getpid()) + " " + std::to_string(srv.getWorkerId()) + " " +
           std::string(data);
  });
}

// A server with 2 event workers, 1 task worker and 1 user process that runs an event loop.
ServerOptions full_tree(const std::string& socket,
                        std::function<void(Server&, const EventChannel&)> more = {}) {
  return admin_options(
      socket, {{"task_worker_num", 1LL}}, [more](Server& s, const EventChannel& ev) {
        add_whoami(s);
        s.addProcess([&ev](Server& srv, int id) {
          ev.emit("userstart " + std::to_string(id) + " " + std::to_string(getpid()));
          srv.tick(1000, [](int64_t) {});  // keeps the process in its event loop after the body
        });
        if (more) more(s, ev);
      });
}

}  // namespace

TEST_CASE("addCommand refuses duplicates and bad process types and works only before start",
          "[commands]") {
  Server s("127.0.0.1", 0);
  auto fn = [](Server&, std::string_view) { return std::string("x"); };
  CHECK(s.addCommand("a", kCommandMaster, fn));
  CHECK_FALSE(s.addCommand("a", kCommandEventWorker, fn));  // duplicate name
  CHECK_FALSE(s.addCommand("b", 0, fn));
  CHECK_FALSE(s.addCommand("b", kCommandReactorThread, fn));  // no commands on reactors
  CHECK_FALSE(s.addCommand("b", 1 << 10, fn));
  CHECK_FALSE(s.addCommand("", kCommandMaster, fn));
  CHECK(s.getLastError() == kErrInvalidParams);
  CHECK(s.addCommand("b", kCommandMaster | kCommandManager, fn));
  const auto list = s.getCommands();
  REQUIRE(list.size() == 2);
  CHECK(list[1].name == "b");
  CHECK(list[1].id == 2);
  CHECK(list[1].accepted_process_types == (kCommandMaster | kCommandManager));
  // Outside a running master command() refuses with 509.
  CHECK_FALSE(s.command("a", 0, kCommandMaster, "").has_value());
  CHECK(s.getLastError() == kErrWrongOperation);
}

TEST_CASE("command() in onStart reaches the master and an event worker as in the seed",
          "[commands]") {
  ServerOptions o;
  o.settings = {{"worker_num", 2LL}};
  o.customize = [](Server& s, const EventChannel& ev) {
    s.addCommand("test_getpid", kCommandMaster | kCommandEventWorker,
                 [](Server&, std::string_view data) {
                   return std::to_string(getpid()) + ":" + std::string(data);
                 });
    s.on("start", [&ev](Server& srv) {
      ev.emit("start " + std::to_string(srv.port()) + " " + std::to_string(srv.getMasterPid()) +
              " " + std::to_string(srv.getManagerPid()));
      auto m = srv.command("test_getpid", 0, kCommandMaster, "master");
      ev.emit("cmd master " + m.value_or("false"));
      auto w = srv.command("test_getpid", 1, kCommandEventWorker, "worker");
      ev.emit("cmd worker1 " + w.value_or("false") + " " + std::to_string(srv.getWorkerPid(1)));
      auto missing = srv.command("test_not_found", 1, kCommandEventWorker, "worker");
      ev.emit("cmd missing " + missing.value_or("false") + " " +
              std::to_string(srv.getLastError()));
      auto bad = srv.command("test_getpid", 7, kCommandEventWorker, "worker");
      ev.emit("cmd badid " + bad.value_or("false") + " " + std::to_string(srv.getLastError()));
    });
  };
  ServerProcess server(o);
  auto master = server.events().wait_for("cmd master ", 10s);
  REQUIRE(master);
  CHECK(*master == "cmd master " + std::to_string(server.master()) + ":master");
  auto worker = server.events().wait_for("cmd worker1 ", 10s);
  REQUIRE(worker);
  const auto parts = split(*worker);
  REQUIRE(parts.size() == 4);
  CHECK(parts[2] == parts[3].substr(0) + ":worker");
  auto missing = server.events().wait_for("cmd missing ", 10s);
  REQUIRE(missing);
  CHECK(*missing == "cmd missing false " + std::to_string(kErrServerInvalidCommand));
  auto bad = server.events().wait_for("cmd badid ", 10s);
  REQUIRE(bad);
  CHECK(*bad == "cmd badid false " + std::to_string(kErrInvalidParams));
}

TEST_CASE("a command reaches every process type and each answers from its own pid", "[commands]") {
  const std::string sock = temp_path("cmd-all.sock");
  ServerProcess server(full_tree(sock));
  const auto workers = server.wait_workers(3);  // 2 event workers and the task worker
  auto user = server.events().wait_for("userstart ", 10s);
  REQUIRE(user);
  const std::string user_pid = split(*user)[2];
  AdminClient admin(sock);

  auto one = [&](const std::string& to) {
    Reply r = admin.post("/v1/commands/whoami", json{{"to", to}, {"data", "hi"}}.dump());
    REQUIRE(r.status == 200);
    const json& res = r.body["data"]["results"][to];
    REQUIRE(res["code"] == 0);
    return split(res["data"].get<std::string>());
  };
  CHECK(one("master")[0] == std::to_string(server.master()));
  CHECK(one("manager")[0] == std::to_string(server.manager()));
  CHECK(one("worker-0")[0] == std::to_string(workers[0]));
  CHECK(one("worker-1")[0] == std::to_string(workers[1]));
  CHECK(one("worker-1")[1] == "1");
  CHECK(one("task_worker-0")[0] == std::to_string(workers[2]));
  CHECK(one("user_process-0")[0] == user_pid);
  CHECK(one("worker-0")[2] == "hi");  // a JSON string arrives as its text

  // Fan-out: one result per process, keyed by name.
  Reply all = admin.post("/v1/commands/whoami", json{{"to", "all"}}.dump());
  REQUIRE(all.status == 200);
  const json& results = all.body["data"]["results"];
  for (const char* name :
       {"master", "manager", "worker-0", "worker-1", "task_worker-0", "user_process-0"}) {
    INFO(name);
    REQUIRE(results.contains(name));
    CHECK(results[name]["code"] == 0);
  }
  CHECK(results.size() == 6);
  Reply tasks = admin.post("/v1/commands/whoami", json{{"to", "all_task"}}.dump());
  CHECK(tasks.body["data"]["results"].size() == 1);
  CHECK(tasks.body["data"]["results"]["task_worker-0"]["code"] == 0);
}

TEST_CASE("a command to a worker blocked in a callback times out and no late reply leaks",
          "[commands]") {
  const std::string sock = temp_path("cmd-timeout.sock");
  ServerProcess server(full_tree(sock));
  server.wait_workers(3);
  AdminClient admin(sock);
  // Both event workers: find the one that serves this client and block it for 1.5 s.
  Client c(server.port());
  const std::string wid = split(c.call("whoami"))[0].substr(1);  // "w<id> fd=..."
  REQUIRE((wid == "0" || wid == "1"));
  const std::string target = "worker-" + wid;
  REQUIRE(c.send_all("sleep 1500\n"));
  REQUIRE(server.events().wait_for("sleeping ", 5s));
  Reply r =
      admin.post("/v1/commands/whoami", json{{"to", target}, {"data", 1}, {"timeout", 0.3}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.body["data"]["results"][target]["code"] == kErrServerSendToWorkerTimeout);
  // The worker answers the first request once it is free; the next call must get its own reply.
  REQUIRE(c.recv_line(5s));
  Reply next =
      admin.post("/v1/commands/whoami", json{{"to", target}, {"data", 2}, {"timeout", 5}}.dump());
  REQUIRE(next.status == 200);
  const json& res = next.body["data"]["results"][target];
  REQUIRE(res["code"] == 0);
  CHECK(split(res["data"].get<std::string>())[2] == "2");
  // The Swoole-style route names no timeout: it waits up to the default 5 s, so a worker busy
  // for 1 s still answers (a block past 5 s is 504: the next test).
  REQUIRE(c.send_all("sleep 1000\n"));
  REQUIRE(server.events().wait_for("sleeping ", 5s));
  AdminClient slow(sock);
  Reply api = slow.get("/api/whoami/" + target);
  CHECK(api.status == 200);
  REQUIRE(c.recv_line(5s));
}

TEST_CASE("a command with no timeout to a worker blocked past 5 s misses the default deadline",
          "[commands]") {
  const std::string sock = temp_path("cmd-default.sock");
  ServerProcess server(full_tree(sock));
  server.wait_workers(3);
  Client c(server.port());
  const std::string wid = split(c.call("whoami"))[0].substr(1);  // "w<id> fd=..."
  REQUIRE((wid == "0" || wid == "1"));
  const std::string target = "worker-" + wid;
  REQUIRE(c.send_all("sleep 7000\n"));
  REQUIRE(server.events().wait_for("sleeping ", 5s));

  // Both routes at once, neither with a timeout: each gives up after the default 5 s.
  Reply v1;
  std::thread v1_call([&] {
    v1 = AdminClient(sock).post("/v1/commands/whoami", json{{"to", target}, {"data", 1}}.dump());
  });
  const auto started = std::chrono::steady_clock::now();
  Reply api = AdminClient(sock).get("/api/whoami/" + target);
  const auto waited = std::chrono::steady_clock::now() - started;
  v1_call.join();
  INFO(api.text << v1.text);
  CHECK(api.status == 504);
  CHECK(api.body["code"] == kErrServerSendToWorkerTimeout);
  CHECK(api.body["data"].is_string());
  CHECK(waited >= 4s);        // the default deadline, not a shorter one (the sleep is 7 s)
  REQUIRE(v1.status == 200);  // /v1/commands reports per process
  CHECK(v1.body["data"]["results"][target]["code"] == kErrServerSendToWorkerTimeout);

  // Once free, the worker answers the client and then commands again, each its own reply.
  const auto slept = c.recv_line(10s);
  REQUIRE(slept);
  CHECK(*slept == "w" + wid + " slept");
  Reply next = AdminClient(sock).get("/api/whoami/" + target + "?n=3");
  REQUIRE(next.status == 200);
  const auto words = split(next.body["data"].get<std::string>());  // "PID ID {params}"
  REQUIRE(words.size() == 3);
  CHECK(words[0] == split(c.call("whoami"))[4].substr(4));  // "... pid=PID"
  CHECK(words[2] == R"({"n":"3"})");
}

TEST_CASE("a command to a task worker does not wait behind queued tasks", "[commands]") {
  const std::string sock = temp_path("cmd-task.sock");
  ServerProcess server(full_tree(sock, [](Server& s, const EventChannel&) {
    s.addCommand("queued", kCommandTaskWorker, [](Server& srv, std::string_view) {
      return std::to_string(srv.stats().tasking_num);
    });
  }));
  server.wait_workers(3);
  AdminClient admin(sock);
  Client c(server.port());
  // Six one-way tasks of 300 ms each: 1.8 s of queued work for the one task worker.
  for (int i = 0; i < 6; i++) {
    const std::string sent = c.call("task sleep:300");
    INFO(sent);
    REQUIRE(sent.rfind("taskid ", 0) == 0);
  }
  Reply r = admin.post("/v1/commands/queued", json{{"to", "task_worker-0"}, {"timeout", 5}}.dump());
  REQUIRE(r.status == 200);
  const json& res = r.body["data"]["results"]["task_worker-0"];
  REQUIRE(res["code"] == 0);
  // Answered between two tasks while others were still queued behind it.
  CHECK(res["data"].get<int>() >= 1);  // a reply that parses as JSON comes back as JSON
}

TEST_CASE("command errors: not registered, not accepted by the process type, handler throws",
          "[commands]") {
  const std::string sock = temp_path("cmd-errors.sock");
  ServerProcess server(full_tree(sock, [](Server& s, const EventChannel&) {
    s.addCommand("master_only", kCommandMaster, [](Server&, std::string_view) { return "m"; });
    s.addCommand("boom", kCommandEventWorker, [](Server&, std::string_view) -> std::string {
      throw std::runtime_error("kaboom");
    });
  }));
  server.wait_workers(3);
  AdminClient admin(sock);
  Reply missing = admin.post("/v1/commands/nope", json{{"to", "worker-0"}}.dump());
  CHECK(missing.status == 404);
  CHECK(missing.body["code"] == 4004);
  Reply wrong = admin.post("/v1/commands/master_only", json{{"to", "worker-0"}}.dump());
  REQUIRE(wrong.status == 200);
  CHECK(wrong.body["data"]["results"]["worker-0"]["code"] == kErrServerInvalidCommand);
  Reply boom = admin.post("/v1/commands/boom", json{{"to", "worker-1"}}.dump());
  REQUIRE(boom.status == 200);
  CHECK(boom.body["data"]["results"]["worker-1"]["code"] == kErrCommandHandlerFailed);
  CHECK(boom.body["data"]["results"]["worker-1"]["data"] == "kaboom");
  Reply range = admin.post("/v1/commands/whoami", json{{"to", "worker-9"}}.dump());
  CHECK(range.status == 400);
  CHECK(range.body["data"].get<std::string>().find("ids 0..1") != std::string::npos);
  // The worker that threw keeps serving.
  Client c(server.port());
  CHECK(split(c.call("echo still-here"))[1] == "still-here");
}
