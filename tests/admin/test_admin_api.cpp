// The admin endpoint (admin-api/README.md) against real servers: every route, auth, the socket's
// mode, bad input, readiness (also during start-up), sd_notify, a slow admin client next to the
// data path, task-only and timed-out reloads, respawns in /v1/workers, and the /api shapes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "admin_http.h"

using namespace swkit;
using namespace swkit::test;

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs a shell command; its stdout, and its exit status in `status`.
std::string run(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  status = ::pclose(p);
  return out;
}

}  // namespace

TEST_CASE("the read routes answer with the documented schemas and true values", "[admin]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  const std::string sock = temp_path("reads.sock");
  ServerOptions opts = admin_options(sock, {{"task_worker_num", 1LL}});
  opts.mode = mode;
  ServerProcess server(opts);
  const auto pids = server.wait_workers(3);
  AdminClient admin(sock);
  std::vector<Client> clients;
  for (int i = 0; i < 5; i++) clients.emplace_back(server.port());
  for (auto& c : clients) c.call("echo hi");
  // A worker's start event comes from inside onWorkerStart, a moment before its slot says
  // RUNNING: readiness follows shortly.
  REQUIRE(eventually([&] { return admin.get("/readyz").status == 200; }, 5s));

  Reply status = admin.get("/v1/status");
  REQUIRE(status.status == 200);
  CHECK(status.body["code"] == 0);
  CHECK(status.body["data"]["master_pid"] == server.master());
  CHECK(status.body["data"]["manager_pid"] == server.manager());
  CHECK(status.body["data"]["mode"] == (mode == Mode::Process ? "PROCESS" : "BASE"));
  CHECK(status.body["data"]["port"] == server.port());
  CHECK(status.body["data"]["worker_num"] == 2);
  CHECK(status.body["data"]["task_worker_num"] == 1);
  CHECK(status.body["data"]["ready"] == true);

  Reply stats = admin.get("/v1/stats");
  REQUIRE(stats.status == 200);
  CHECK(stats.body["data"]["connection_num"] == 5);
  CHECK(stats.body["data"]["accept_count"] == 5);
  CHECK(stats.body["data"]["request_count"].get<int>() >= 5);
  CHECK(stats.body["data"].contains("task_queue_bytes"));

  Reply workers = admin.get("/v1/workers");
  REQUIRE(workers.status == 200);
  const json& procs = workers.body["data"]["processes"];
  REQUIRE(procs.size() == 5);  // master, manager, 2 event workers, 1 task worker
  CHECK(procs[0]["name"] == "master");
  CHECK(procs[0]["pid"] == server.master());
  CHECK(procs[1]["name"] == "manager");
  CHECK(procs[1]["pid"] == server.manager());
  for (int i = 0; i < 3; i++) {
    const json& p = procs[2 + i];
    INFO(p.dump());
    CHECK(p["pid"] == pids[i]);
    CHECK(p["state"] == "RUNNING");
    CHECK(p["rss_bytes"].get<int64_t>() > 0);
    CHECK(p["cpu_percent"].get<double>() >= 0);
    CHECK(p["uptime"].get<double>() >= 0);
    CHECK(p["generation"] == 0);
  }
  CHECK(procs[2]["name"] == "worker-0");
  CHECK(procs[4]["name"] == "task_worker-0");
  CHECK(procs[4]["kind"] == "task");

  // Connections, two at a time with the cursor: 5 sessions take 3 pages.
  std::vector<int64_t> seen;
  std::string cursor = "0";
  for (int page = 0; page < 5; page++) {
    Reply r = admin.get("/v1/connections?limit=2&cursor=" + cursor);
    REQUIRE(r.status == 200);
    for (const auto& c : r.body["data"]["connections"]) {
      seen.push_back(c["session_id"].get<int64_t>());
      CHECK(c["remote_ip"] == "127.0.0.1");
      CHECK(c["server_port"] == server.port());
      CHECK(c["worker_id"].get<int>() >= 0);
      CHECK(c["worker_id"].get<int>() < 2);
    }
    if (r.body["data"]["next_cursor"].is_null()) break;
    cursor = std::to_string(r.body["data"]["next_cursor"].get<int64_t>());
  }
  CHECK(seen == std::vector<int64_t>{1, 2, 3, 4, 5});

  Reply health = admin.get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body["data"]["alive"] == true);
  Reply ready = admin.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body["data"]["ready"] == true);
  Reply reloads = admin.get("/v1/reloads");
  CHECK(reloads.status == 200);
  CHECK(reloads.body["data"]["reloads"].empty());
}

TEST_CASE("/metrics is valid Prometheus text with true values", "[admin]") {
  const std::string sock = temp_path("metrics.sock");
  ServerProcess server(admin_options(sock));
  server.wait_workers(2);
  Client c(server.port());
  c.call("echo 1");
  AdminClient admin(sock);
  // A worker's start event comes a moment before its slot says RUNNING (see above).
  REQUIRE(eventually([&] { return admin.get("/readyz").status == 200; }, 5s));
  Reply m = admin.get("/metrics");
  REQUIRE(m.status == 200);
  CHECK(admin.last_header("Content-Type").find("text/plain; version=0.0.4") == 0);
  const std::string file = temp_path("metrics.txt");
  std::ofstream(file) << m.text;
  // Debian's python3-prometheus-client parses it: one line per sample, "name labels value".
  int status = -1;
  const std::string parsed =
      run("/usr/bin/python3 -c \"import sys\nfrom prometheus_client.parser import "
          "text_string_to_metric_families as p\nfor f in p(open(sys.argv[1]).read()):\n  for s in "
          "f.samples: print(s.name, ','.join(k+'='+v for k,v in sorted(s.labels.items())) or '-', "
          "s.value)\" " +
              file,
          status);
  ::unlink(file.c_str());
  REQUIRE(status == 0);
  CHECK(parsed.find("swkit_up - 1.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_connections - 1.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_ready - 1.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_workers kind=event 2.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_process_up kind=event,name=worker-1 1.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_process_up kind=manager,name=manager 1.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_accepted_connections_total - 1.0\n") != std::string::npos);
  CHECK(parsed.find("swkit_start_time_seconds - " +
                    std::to_string(static_cast<double>(std::time(nullptr))).substr(0, 5)) !=
        std::string::npos);
}

TEST_CASE("auth: no token and a wrong token get 401 and the right one passes", "[admin]") {
  const std::string token_file = temp_path("token");
  std::ofstream(token_file) << "s3cret-token\n";
  const int port = free_port();
  ServerOptions o = admin_options("unused", {{"admin_server", "127.0.0.1:" + std::to_string(port)},
                                             {"admin_token_file", token_file}});
  ServerProcess server(o);
  server.wait_workers(2);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  Reply none = AdminClient(where).get("/v1/stats");
  CHECK(none.status == 401);
  CHECK(none.body["code"] == 4001);
  CHECK(AdminClient(where, "s3cret-tokeN").get("/v1/stats").status == 401);
  CHECK(AdminClient(where, "s3cret-token-and-more").get("/v1/stats").status == 401);
  // A mutation with a body and a wrong token still gets its 401 envelope (the body is read).
  Reply wrong_post = AdminClient(where, "nope").post("/v1/reload", R"({"task_only":true})");
  CHECK(wrong_post.status == 401);
  CHECK(wrong_post.body["code"] == 4001);
  // Without a token an unknown route says 401, not 404: routes are not revealed.
  CHECK(AdminClient(where).get("/v1/no-such-route").status == 401);
  CHECK(AdminClient(where).get("/v1/reload").status == 401);
  CHECK(AdminClient(where, "s3cret-token").post("/v1/commands/server_stats").status == 200);
  Reply right = AdminClient(where, "s3cret-token").get("/v1/stats");
  CHECK(right.status == 200);
  CHECK(right.body["data"]["worker_num"] == 2);
  // Probes need no token (readiness follows the workers' start events shortly).
  CHECK(AdminClient(where).get("/healthz").status == 200);
  CHECK(eventually([&] { return AdminClient(where).get("/readyz").status == 200; }, 5s));
  ::unlink(token_file.c_str());
}

TEST_CASE("the admin unix socket is created with mode 0600 and removed at shutdown", "[admin]") {
  const std::string pid_file = temp_path("mode.pid");
  ServerOptions o = admin_options("unused", {{"admin_server", "unix"}, {"pid_file", pid_file}});
  const std::string sock = admin_socket_beside(pid_file);
  {
    ServerProcess server(o);
    server.wait_workers(2);
    struct stat st {};
    REQUIRE(::stat(sock.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(AdminClient(sock).get("/healthz").status == 200);
    CHECK(server.stop() == 0);
  }
  struct stat st {};
  CHECK(::stat(sock.c_str(), &st) != 0);
}

TEST_CASE("bad input: 404 405 and 400 in the envelope and the server keeps serving", "[admin]") {
  const std::string sock = temp_path("bad.sock");
  ServerProcess server(admin_options(sock));
  server.wait_workers(2);
  AdminClient admin(sock);
  Reply unknown = admin.get("/v2/nothing");
  CHECK(unknown.status == 404);
  CHECK(unknown.body["code"] == 4004);
  for (const char* path : {"/v1/reload", "/v1/shutdown", "/v1/commands/server_stats"}) {
    INFO(path);
    Reply r = admin.get(path);
    CHECK(r.status == 405);
    CHECK(r.body["code"] == 4005);
    CHECK(admin.last_header("Allow") == "POST");
  }
  CHECK(admin.post("/v1/stats").status == 405);
  CHECK(admin.get("/api/server_reload").status == 405);
  CHECK(admin.get("/api/server_shutdown").status == 405);
  Reply malformed = admin.post("/v1/reload", "{\"task_only\": tru");
  CHECK(malformed.status == 400);
  CHECK(malformed.body["data"].get<std::string>().find("malformed JSON body") == 0);
  CHECK(admin.post("/v1/reload", "[1,2]").status == 400);
  Reply wrong_type = admin.post("/v1/reload", "{\"task_only\":\"yes\"}");
  CHECK(wrong_type.status == 400);
  CHECK(wrong_type.body["data"].get<std::string>().find("task_only") != std::string::npos);
  CHECK(admin.post("/v1/commands/not_registered", "{\"to\":\"worker-0\"}").status == 404);
  CHECK(admin.get("/api/not_registered").status == 404);
  Reply range = admin.get("/api/server_stats/worker-7");
  CHECK(range.status == 400);
  CHECK(admin.get("/api/server_stats/dragon-1").status == 404);
  CHECK(admin.post("/v1/commands/server_stats", "{\"to\":\"dragon-1\"}").status == 404);
  CHECK(admin.post("/v1/commands/server_stats", "{\"to\":\"worker-7\"}").status == 400);
  CHECK(admin.get("/v1/connections?limit=0").status == 400);
  CHECK(admin.get("/v1/connections?limit=1001").status == 400);
  CHECK(admin.get("/v1/connections?cursor=-1").status == 400);
  // Nothing of this touched the data path.
  Client c(server.port());
  CHECK(split(c.call("echo fine"))[1] == "fine");
  CHECK(admin.get("/v1/reloads").body["data"]["reloads"].empty());
}

TEST_CASE("the Swoole-compatible /api routes", "[admin]") {
  const std::string sock = temp_path("api.sock");
  ServerProcess server(admin_options(sock, {{"task_worker_num", 1LL}}));
  const auto pids = server.wait_workers(3);
  AdminClient admin(sock);
  Client c(server.port());
  c.call("echo 1");

  Reply st = admin.get("/api/server_stats");
  REQUIRE(st.status == 200);
  CHECK(st.body["code"] == 0);
  CHECK(st.body["data"]["connection_num"] == 1);
  Reply setting = admin.get("/api/server_setting/worker-1");
  CHECK(setting.body["data"]["worker_num"] == 2);
  CHECK(setting.body["data"]["master_pid"] == server.master());
  Reply commands = admin.get("/api/get_all_commands");
  std::set<std::string> names;
  for (const auto& cmd : commands.body["data"]) names.insert(cmd["name"].get<std::string>());
  CHECK(names.count("server_stats") == 1);
  CHECK(names.count("close_session") == 1);
  Reply manager = admin.get("/api/get_manager_info/manager");
  CHECK(manager.body["data"]["pid"] == server.manager());
  Reply winfo = admin.get("/api/get_worker_info/worker-1");
  CHECK(winfo.body["data"]["pid"] == pids[1]);
  CHECK(winfo.body["data"]["id"] == 1);
  Reply tinfo = admin.get("/api/get_worker_info/task_worker-0");
  CHECK(tinfo.body["data"]["pid"] == pids[2]);
  CHECK(tinfo.body["data"]["kind"] == "task");
  Reply fan = admin.get("/api/get_worker_info/all_worker");
  CHECK(fan.body["data"]["worker-0"]["pid"] == pids[0]);
  CHECK(fan.body["data"]["worker-1"]["pid"] == pids[1]);
  Reply client = admin.get("/api/get_client_info?session_id=1");
  CHECK(client.body["data"]["remote_ip"] == "127.0.0.1");
  Reply gone = admin.get("/api/get_client_info?session_id=99");
  CHECK(gone.body["data"] == false);

  Reply closed = admin.post("/api/close_session", "{\"session_id\": 1}");
  CHECK(closed.status == 200);
  CHECK(closed.body["data"]["closed"] == true);
  CHECK(c.wait_closed(5s));
  Reply again = admin.post("/api/close_session", "{\"session_id\": 1}");
  CHECK(again.status == 500);
  CHECK(again.body["code"] == kErrCommandHandlerFailed);

  Reply reload = admin.post("/api/server_reload", "{\"task_only\": true}");
  CHECK(reload.status == 200);
  CHECK(reload.body["data"]["task_only"] == true);
  REQUIRE(server.events().wait_for("afterreload", 10s));
  Reply reloads = admin.get("/v1/reloads");
  REQUIRE(reloads.body["data"]["reloads"].size() == 1);
  CHECK(reloads.body["data"]["reloads"][0]["trigger"] == "admin");
  CHECK(reloads.body["data"]["reloads"][0]["task_only"] == true);
}

TEST_CASE("POST /v1/reload returns the transaction and a second one while it runs gets 409",
          "[admin]") {
  const std::string sock = temp_path("reload.sock");
  ServerProcess server(admin_options(sock, {{"max_wait_time", 5.0}}));
  const auto before = server.wait_workers(2);
  AdminClient admin(sock);

  Reply quick = admin.post("/v1/reload", "{\"wait\": true, \"timeout\": 20}");
  REQUIRE(quick.status == 200);
  const json& tx = quick.body["data"];
  CHECK(tx["id"] == 1);
  CHECK(tx["trigger"] == "admin");
  CHECK(tx["strategy"] == "rolling");
  CHECK(tx["done"] == true);
  CHECK(tx["clean"] == true);
  REQUIRE(tx["workers"].size() == 2);
  for (int i = 0; i < 2; i++) {
    CHECK(tx["workers"][i]["old_pid"] == before[i]);
    CHECK(tx["workers"][i]["new_pid"] != before[i]);
    CHECK(tx["workers"][i]["forced"] == false);
  }
  server.wait_workers(2);

  // A worker busy for 1.5 s keeps the next reload running; readiness says so.
  Client c(server.port());
  REQUIRE(c.send_all("sleep 1500\n"));
  REQUIRE(server.events().wait_for("sleeping ", 5s));
  Reply slow = admin.post("/v1/reload", "{}");
  REQUIRE(slow.status == 200);
  CHECK(slow.body["data"]["done"] == false);
  const int running = slow.body["data"]["id"];
  CHECK(running == 2);
  Reply conflict = admin.post("/v1/reload", "{}");
  CHECK(conflict.status == 409);
  CHECK(conflict.body["data"] == "reload #2 is still running");
  Reply ready = admin.get("/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body["data"]["reason"] == "reloading: reload #2");
  CHECK(eventually([&] { return admin.get("/readyz").status == 200; }, 15s));
  Reply list = admin.get("/v1/reloads");
  REQUIRE(list.body["data"]["reloads"].size() == 2);
  CHECK(list.body["data"]["reloads"][1]["done"] == true);
  CHECK(c.recv_line(5s));  // the request in flight completed
}

TEST_CASE("readyz reports shutting down while the workers drain", "[admin]") {
  const std::string sock = temp_path("drain.sock");
  ServerProcess server(admin_options(sock, {{"max_wait_time", 5.0}}));
  server.wait_workers(2);
  AdminClient admin(sock);
  Client c(server.port());
  REQUIRE(c.send_all("sleep 1500\n"));
  REQUIRE(server.events().wait_for("sleeping ", 5s));
  Reply bye = admin.post("/v1/shutdown");
  REQUIRE(bye.status == 200);
  CHECK(bye.body["data"]["master_pid"] == server.master());
  CHECK(eventually(
      [&] {
        Reply r = admin.get("/readyz");
        return r.status == 503 && r.body["data"]["reason"] == "shutting down";
      },
      5s));
  CHECK(eventually([&] { return !pid_alive(server.master()); }, 15s));
}

TEST_CASE("a slow admin client cannot slow the data path", "[admin]") {
  const std::string sock = temp_path("slow.sock");
  ServerProcess server(admin_options(sock));
  server.wait_workers(2);
  // More stalled admin connections than the endpoint has threads: each sent half a request.
  std::vector<int> stalled;
  for (int i = 0; i < 12; i++) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", sock.c_str());
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const char part[] = "GET /v1/stats HTTP/1.1\r\nHost: x\r\n";
    REQUIRE(::write(fd, part, sizeof part - 1) > 0);
    stalled.push_back(fd);
  }
  // The data path answers every request at once meanwhile.
  Client c(server.port());
  for (int i = 0; i < 300; i++) {
    const std::string reply = c.call("echo n" + std::to_string(i), 2s);
    REQUIRE(reply == "w" + split(reply)[0].substr(1) + " n" + std::to_string(i));
  }
  for (int fd : stalled) ::close(fd);
  // And the endpoint recovers once the stalled clients are gone.
  CHECK(eventually([&] { return AdminClient(sock).get("/healthz").status == 200; }, 15s));
}

TEST_CASE("sd_notify: READY STOPPING and RELOADING with MONOTONIC_USEC on NOTIFY_SOCKET",
          "[admin]") {
  const std::string path = temp_path("notify");
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  auto next = [fd](std::chrono::milliseconds wait) -> std::string {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return "";
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  };
  const std::string sock = temp_path("notify.sock");
  ServerOptions o = admin_options(sock, {}, [path](Server&, const EventChannel&) {
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  });
  {
    ServerProcess server(o);
    server.wait_workers(2);
    const std::string ready = next(10s);
    CHECK(ready.find("READY=1\n") == 0);
    CHECK(ready.find("MAINPID=" + std::to_string(server.master())) != std::string::npos);
    REQUIRE(AdminClient(sock).post("/v1/reload", "{\"wait\":true}").status == 200);
    const std::string reloading = next(10s);
    CHECK(reloading.find("RELOADING=1\nMONOTONIC_USEC=") == 0);
    CHECK(reloading.find("STATUS=reload #1 running") != std::string::npos);
    const std::string reloaded = next(10s);
    CHECK(reloaded.find("READY=1\nSTATUS=serving; reload #1 done (0 forced)") == 0);
    CHECK(server.stop() == 0);
    const std::string stopping = next(10s);
    CHECK(stopping.find("STOPPING=1\n") == 0);
  }
  ::close(fd);
  ::unlink(path.c_str());
}

namespace {

// The row of /v1/workers named name (null when there is none).
json process_named(const json& processes, const std::string& name) {
  for (const auto& p : processes) {
    if (p["name"] == name) return p;
  }
  return nullptr;
}

// A user process (addProcess) that says "userstart ID PID" and stays in its event loop.
void add_user_process(Server& s, const EventChannel& ev) {
  s.addProcess([&ev](Server& srv, int id) {
    ev.emit("userstart " + std::to_string(id) + " " + std::to_string(getpid()));
    srv.tick(1000, [](int64_t) {});
  });
}

}  // namespace

TEST_CASE("POST /v1/reload with task_only and wait replaces the task workers alone", "[admin]") {
  const std::string sock = temp_path("task-reload.sock");
  ServerProcess server(admin_options(sock, {{"task_worker_num", 2LL}}));
  const auto before = server.wait_workers(4);  // 0, 1 event; 2, 3 task
  AdminClient admin(sock);

  Reply r = admin.post("/v1/reload", R"({"task_only":true,"wait":true,"timeout":20})");
  REQUIRE(r.status == 200);
  const json& tx = r.body["data"];
  INFO(tx.dump());
  CHECK(tx["trigger"] == "admin");
  CHECK(tx["task_only"] == true);
  CHECK(tx["done"] == true);
  CHECK(tx["clean"] == true);
  CHECK(tx["paced_ms"] == 0);  // no traffic, no pauses
  REQUIRE(tx["workers"].size() == 2);
  std::map<int, pid_t> replaced;  // worker id -> new pid
  for (int i = 0; i < 2; i++) {
    const json& w = tx["workers"][i];
    CHECK(w["id"] == 2 + i);
    CHECK(w["old_pid"] == before[2 + i]);
    CHECK(w["new_pid"].get<pid_t>() > 0);
    CHECK(w["new_pid"] != before[2 + i]);
    CHECK(w["drain_ms"].get<int>() >= 0);
    CHECK(w["forced"] == false);
    CHECK(w["cpu_us"].get<int>() > 0);  // what the replacement cost (reload_cpu_percent)
    replaced[w["id"].get<int>()] = w["new_pid"].get<pid_t>();
  }

  // The event workers kept their processes; the task workers run in new ones.
  const json procs = admin.get("/v1/workers").body["data"]["processes"];
  INFO(procs.dump());
  for (int id = 0; id < 2; id++) {
    const json p = process_named(procs, "worker-" + std::to_string(id));
    CHECK(p["pid"] == before[id]);
    CHECK(p["generation"] == 0);
  }
  for (int i = 0; i < 2; i++) {
    const json p = process_named(procs, "task_worker-" + std::to_string(i));
    CHECK(p["pid"] == replaced[2 + i]);
    CHECK(p["generation"] == tx["id"]);
  }
  const json reloads = admin.get("/v1/reloads").body["data"]["reloads"];
  REQUIRE(reloads.size() == 1);
  CHECK(reloads.back()["id"] == tx["id"]);
  CHECK(reloads.back()["task_only"] == true);
  // And the new task workers take tasks.
  Client c(server.port());
  CHECK(c.call("taskwait hello 5").rfind("result t", 0) == 0);
}

TEST_CASE("/v1/workers lists user processes, a killed worker's respawn and its requests",
          "[admin]") {
  const std::string sock = temp_path("workers.sock");
  ServerProcess server(admin_options(sock, {{"task_worker_num", 1LL}}, add_user_process));
  const auto pids = server.wait_workers(3);
  auto user = server.events().wait_for("userstart ", 10s);
  REQUIRE(user);
  const pid_t user_pid = std::stoi(split(*user)[2]);
  AdminClient admin(sock);

  const json procs = admin.get("/v1/workers").body["data"]["processes"];
  INFO(procs.dump());
  REQUIRE(procs.size() == 6);  // master, manager, 2 event, 1 task, 1 user
  const json up = process_named(procs, "user_process-0");
  REQUIRE(up.is_object());
  CHECK(up["kind"] == "user");
  CHECK(up["pid"] == user_pid);
  CHECK(up["state"] == "RUNNING");
  CHECK(up["rss_bytes"].get<int64_t>() > 0);
  const json w0 = process_named(procs, "worker-0");
  CHECK(w0["respawns"] == 0);
  CHECK(w0["last_exit_status"] == 0);

  // SIGKILL event worker 0: the manager respawns it and the row says why it went.
  REQUIRE(::kill(pids[0], SIGKILL) == 0);
  const auto error = server.events().wait_for("workererror 0 ", 10s);
  REQUIRE(error);
  CHECK(*error == "workererror 0 " + std::to_string(pids[0]) + " 0 9");
  const auto restarted = server.events().wait_for("workerstart 0 ", 10s);
  REQUIRE(restarted);
  const pid_t new_pid = std::stoi(split(*restarted)[2]);
  CHECK(new_pid != pids[0]);
  json row;
  CHECK(eventually(
      [&] {
        row = process_named(admin.get("/v1/workers").body["data"]["processes"], "worker-0");
        return row["pid"] == new_pid && row["state"] == "RUNNING";
      },
      10s));
  INFO(row.dump());
  CHECK(row["respawns"].get<int>() >= 1);
  // The raw waitpid() status (README: Process): killed by signal 9, no core.
  const int status = row["last_exit_status"].get<int>();
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(status == SIGKILL);
  // The user process was not touched.
  const json up_after =
      process_named(admin.get("/v1/workers").body["data"]["processes"], "user_process-0");
  CHECK(up_after["pid"] == user_pid);
  CHECK(up_after["respawns"] == 0);

  // Requests to the new worker 0 are counted in its row: find a client it serves.
  std::vector<Client> clients;
  for (int i = 0; i < 16; i++) {
    clients.emplace_back(server.port());
    if (clients.back().call("whoami").rfind("w0 ", 0) == 0) break;
  }
  REQUIRE(clients.back().call("whoami").rfind("w0 ", 0) == 0);
  const int64_t before =
      process_named(admin.get("/v1/workers").body["data"]["processes"], "worker-0")["requests"];
  constexpr int kEchoes = 20;
  for (int i = 0; i < kEchoes; i++) {
    REQUIRE(clients.back().call("echo n" + std::to_string(i)) == "w0 n" + std::to_string(i));
  }
  int64_t after = before;
  CHECK(eventually(
      [&] {
        after = process_named(admin.get("/v1/workers").body["data"]["processes"],
                              "worker-0")["requests"];
        return after >= before + kEchoes;
      },
      5s));
  INFO("requests before " << before << " after " << after);
  CHECK(after >= before + kEchoes);
}

TEST_CASE("/readyz is 503 while an event worker is still in onWorkerStart, then 200", "[admin]") {
  const std::string sock = temp_path("startup.sock");
  // Worker 1 spends 3 s in onWorkerStart; the endpoint is up long before that ends.
  ServerProcess server(admin_options(sock, {}, [](Server& s, const EventChannel& ev) {
    s.on("workerStart", [&ev](Server&, int id) {
      if (id == 1) {
        ev.emit("slowstart 1");
        std::this_thread::sleep_for(3s);
      }
      ev.emit("workerstart " + std::to_string(id) + " " + std::to_string(getpid()));
    });
  }));
  REQUIRE(server.events().wait_for("slowstart 1", 10s));
  AdminClient admin(sock);
  Reply first = admin.get("/readyz");
  CHECK(first.status == 503);
  CHECK(first.body["code"] == 5003);
  CHECK(first.body["data"]["ready"] == false);
  CHECK(first.body["data"]["reason"].get<std::string>().rfind("starting: worker ", 0) == 0);
  Reply status = admin.get("/v1/status");
  CHECK(status.body["data"]["ready"] == false);

  // Poll until ready; every refusal until then says which worker is starting.
  std::set<std::string> reasons;
  Reply last;
  CHECK(eventually(
      [&] {
        last = admin.get("/readyz");
        if (last.status == 503) reasons.insert(last.body["data"]["reason"].get<std::string>());
        return last.status == 200;
      },
      15s));
  INFO(last.text);
  CHECK(last.body["data"]["ready"] == true);
  CHECK(reasons.count("starting: worker 1 is STARTING") == 1);
  for (const auto& r : reasons) CHECK(r.rfind("starting: worker ", 0) == 0);
  // Ready came after worker 1's onWorkerStart returned (it emits just before returning).
  CHECK(server.events().wait_for("workerstart 1 ", 500ms));
  CHECK(admin.get("/v1/status").body["data"]["ready"] == true);
}

TEST_CASE("POST /v1/reload with wait past its timeout is 504 with the reload so far", "[admin]") {
  const std::string sock = temp_path("reload-timeout.sock");
  ServerProcess server(admin_options(sock, {{"max_wait_time", 5.0}}));
  server.wait_workers(2);
  AdminClient admin(sock);
  Client c(server.port());
  REQUIRE(c.send_all("sleep 1500\n"));
  REQUIRE(server.events().wait_for("sleeping ", 5s));

  Reply r = admin.post("/v1/reload", R"({"wait":true,"timeout":0.3})");
  INFO(r.text);
  CHECK(r.status == 504);
  CHECK(r.body["code"] == kErrServerSendToWorkerTimeout);
  const json& tx = r.body["data"];
  REQUIRE(tx.is_object());
  CHECK(tx["id"] == 1);
  CHECK(tx["trigger"] == "admin");
  CHECK(tx["task_only"] == false);
  CHECK(tx["done"] == false);
  CHECK(tx["clean"] == false);
  REQUIRE(tx["workers"].size() == 2);
  // The busy worker has not left yet.
  bool pending = false;
  for (const auto& w : tx["workers"]) pending = pending || w["drain_ms"] == -1;
  CHECK(pending);

  // The reload goes on after the 504 and ends clean; the request in flight is answered.
  const auto line = c.recv_line(10s);
  REQUIRE(line);
  CHECK(line->find(" slept") != std::string::npos);
  CHECK(eventually(
      [&] {
        const json list = admin.get("/v1/reloads").body["data"]["reloads"];
        return list.size() == 1 && list[0]["done"] == true;
      },
      15s));
  const json done = admin.get("/v1/reloads").body["data"]["reloads"][0];
  CHECK(done["id"] == 1);
  CHECK(done["clean"] == true);
  CHECK(eventually([&] { return admin.get("/readyz").status == 200; }, 10s));
}

TEST_CASE("/api/server_stats and get_worker_info/all answer in the envelope, server_shutdown stops",
          "[admin]") {
  const std::string sock = temp_path("api-shapes.sock");
  ServerProcess server(admin_options(sock, {{"task_worker_num", 1LL}}, add_user_process));
  const auto pids = server.wait_workers(3);
  auto user = server.events().wait_for("userstart ", 10s);
  REQUIRE(user);
  const pid_t user_pid = std::stoi(split(*user)[2]);
  AdminClient admin(sock);

  auto keys = [](const json& object) {
    std::set<std::string> out;
    for (const auto& [k, v] : object.items()) out.insert(k);
    return out;
  };
  Reply st = admin.get("/api/server_stats/master");
  REQUIRE(st.status == 200);
  CHECK(keys(st.body) == std::set<std::string>{"code", "data"});
  CHECK(st.body["code"] == 0);
  CHECK(keys(st.body["data"]) == keys(admin.get("/v1/stats").body["data"]));
  CHECK(st.body["data"]["worker_num"] == 2);
  CHECK(st.body["data"]["task_worker_num"] == 1);
  CHECK(st.body["data"]["user_worker_num"] == 1);

  Reply info = admin.get("/api/get_worker_info/all");
  REQUIRE(info.status == 200);
  CHECK(keys(info.body) == std::set<std::string>{"code", "data"});
  CHECK(info.body["code"] == 0);
  const json& data = info.body["data"];
  INFO(data.dump());
  CHECK(keys(data) == std::set<std::string>{"master", "manager", "worker-0", "worker-1",
                                            "task_worker-0", "user_process-0"});
  // get_worker_info is not accepted by the master or the manager: those entries are errors.
  for (const char* name : {"master", "manager"}) {
    INFO(name);
    CHECK(keys(data[name]) == std::set<std::string>{"code", "data"});
    CHECK(data[name]["code"] == kErrServerInvalidCommand);
    CHECK(data[name]["data"].is_string());
  }
  const std::set<std::string> worker_keys = {"id",        "pid",      "kind",
                                             "rss_bytes", "requests", "uptime"};
  const std::map<std::string, std::pair<pid_t, std::string>> expected = {
      {"worker-0", {pids[0], "event"}},
      {"worker-1", {pids[1], "event"}},
      {"task_worker-0", {pids[2], "task"}},
      {"user_process-0", {user_pid, "user"}}};
  for (const auto& [name, want] : expected) {
    INFO(name);
    CHECK(keys(data[name]) == worker_keys);
    CHECK(data[name]["pid"] == want.first);
    CHECK(data[name]["kind"] == want.second);
    CHECK(data[name]["rss_bytes"].get<int64_t>() > 0);
  }
  CHECK(data["worker-1"]["id"] == 1);

  // server_shutdown stops the whole tree.
  const std::set<pid_t> tree = server.tree();  // also the master's spawner helper
  for (pid_t pid : {server.master(), server.manager(), pids[0], pids[1], pids[2], user_pid}) {
    REQUIRE(tree.count(pid) == 1);
  }
  Reply bye = admin.post("/api/server_shutdown");
  REQUIRE(bye.status == 200);
  CHECK(bye.body == json{{"code", 0}, {"data", {{"shutting_down", true}}}});
  CHECK(eventually([&] { return !pid_alive(server.master()); }, 15s));
  CHECK(eventually([&] { return server.tree().empty(); }, 5s));
  for (pid_t pid : tree) CHECK(!pid_alive(pid));
  CHECK(server.events().wait_for("shutdown", 2s));
  CHECK(server.stop() == 0);  // reaps the master: it exited 0
}
