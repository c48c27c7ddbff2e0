// swctl, the operator CLI, run as a real process against real servers: what it prints (parsed
// from --json, and compared with the endpoint's own replies), its exit codes, reloads followed to
// the end (also under load, also task-only), commands, shutdown, auth, the --pid-file fallback to
// signals and the live stats view.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "swkit/admin.h"
#include "test_support.h"

extern char** environ;

using namespace swkit;
using namespace swkit::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  int code = -1;  // exit code; -1 when it had to be killed or died of a signal
  std::string out;
  std::string err;
};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

// Ctrl-C for swctl: SIGINT once its stdout holds `times` copies of `marker` (a sign that it got
// that far, its handler included), or once `wait` has passed without them (a broken swctl ends).
struct Interrupt {
  std::string marker;
  size_t times = 1;
  std::chrono::milliseconds wait = 15s;
};

// Runs swctl with args (and extra "KEY=VALUE" environment; SWCTL_* of the test runner's own
// environment is dropped), capturing stdout, stderr and the exit code. Killed after limit.
Run swctl(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
          std::chrono::milliseconds limit = 60s,
          const std::optional<Interrupt>& interrupt = std::nullopt) {
  std::vector<std::string> argv_s = {SWCTL_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; e++) {
    if (std::strncmp(*e, "SWCTL_", 6) != 0) env_s.push_back(*e);
  }
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(pipe2(err_pipe, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, SWCTL_PATH, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Run run;
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    FAIL("posix_spawn " << SWCTL_PATH << ": " << std::strerror(rc));
    return run;
  }
  const auto deadline = Clock::now() + limit;
  const auto interrupt_at = Clock::now() + (interrupt ? interrupt->wait : 0ms);
  bool interrupted = !interrupt;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    int wait_ms = static_cast<int>(left.count());
    if (!interrupted) {
      const auto to_interrupt =
          std::chrono::duration_cast<std::chrono::milliseconds>(interrupt_at - Clock::now());
      if (to_interrupt.count() <= 0 || count_of(run.out, interrupt->marker) >= interrupt->times) {
        kill(pid, SIGINT);
        interrupted = true;
      } else {
        wait_ms = std::min(wait_ms, static_cast<int>(to_interrupt.count()));
      }
    }
    if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, n);
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!killed && WIFEXITED(status)) run.code = WEXITSTATUS(status);
  if (killed) run.err += "\n<killed after " + std::to_string(limit.count()) + " ms>";
  return run;
}

// The stdout of a --json run, parsed (null when it is not JSON).
json parsed(const Run& r) {
  json j = json::parse(r.out, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

std::string temp_path(const std::string& name) {
  return "/tmp/swctl-test-" + std::to_string(getpid()) + "-" + name;
}

// A file that is removed when the test ends.
struct TempFile {
  TempFile(std::string p, const std::string& content) : path(std::move(p)) {
    std::ofstream(path) << content;
  }
  ~TempFile() { ::unlink(path.c_str()); }
  std::string path;
};

// "getpid" answers the pid of the process that runs it; "echodata" returns its data.
void add_test_commands(Server& s) {
  s.addCommand("getpid", kCommandEventWorker | kCommandMaster,
               [](Server&, std::string_view) { return std::to_string(getpid()); });
  s.addCommand("echodata", kCommandEventWorker | kCommandMaster,
               [](Server&, std::string_view data) { return std::string(data); });
}

// A server with 2 event workers and the admin endpoint on a unix socket.
ServerOptions with_admin(const std::string& socket, Settings extra = {},
                         std::function<void(Server&, const EventChannel&)> more = {}) {
  ServerOptions o;
  o.settings = {
      {"worker_num", 2LL}, {"admin_server", "unix:" + socket}, {"pid_file", socket + ".pid"}};
  for (auto& [k, v] : extra) o.settings[k] = v;
  o.customize = [more](Server& s, const EventChannel& ev) {
    add_test_commands(s);
    if (more) more(s, ev);
    admin::attach(s);
  };
  return o;
}

std::set<pid_t> event_worker_pids(const json& workers) {
  std::set<pid_t> out;
  for (const auto& p : workers.at("processes")) {
    if (p.at("kind") == "event") out.insert(p.at("pid").get<pid_t>());
  }
  return out;
}

// A loopback TCP port that was free a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int local_port(const Client& c) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(c.fd(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

// A client that does "echo N" round trips until stopped, checking every reply.
class EchoLoad {
 public:
  explicit EchoLoad(int port) : thread_([this, port] { run(port); }) {}
  ~EchoLoad() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  long done() const { return done_; }
  long wrong() const { return wrong_; }
  std::string first_wrong() const { return first_wrong_; }

 private:
  void run(int port) {
    Client c(port);
    for (long n = 0; !stop_; n++) {
      const std::string reply = c.call("echo " + std::to_string(n));
      // "w<worker id> <text>"
      const std::string want = " " + std::to_string(n);
      if (reply.size() > want.size() && reply[0] == 'w' &&
          reply.compare(reply.size() - want.size(), want.size(), want) == 0) {
        done_++;
      } else {
        if (wrong_++ == 0) first_wrong_ = reply;
        if (reply == "<no reply>" || reply == "<send failed>") return;
      }
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<long> done_{0};
  std::atomic<long> wrong_{0};
  std::string first_wrong_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("swctl refuses a bad command line with exit code 2", "[ctl]") {
  const Run none = swctl({});
  CHECK(none.code == 2);
  CHECK(none.err.rfind("swctl: ", 0) == 0);
  CHECK(swctl({"frobnicate", "--socket", "/nonexistent"}).code == 2);
  CHECK(swctl({"stats", "--count", "2", "--socket", "/nonexistent"}).code == 2);  // needs --watch
  CHECK(swctl({"clients", "--limit", "0", "--socket", "/nonexistent"}).code == 2);
  CHECK(swctl({"status", "--socket", "/a", "--url", "http://127.0.0.1:1"}).code == 2);
  CHECK(swctl({"status"}).code == 2);  // no server named, none in the environment
  const Run bad_data = swctl({"command", "x", "--data", "{bad", "--socket", "/nonexistent"});
  CHECK(bad_data.code == 2);
  CHECK(bad_data.err.find("--data") != std::string::npos);
  const Run help = swctl({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("Exit codes") != std::string::npos);
  CHECK(help.out.find("5  timed out") != std::string::npos);
}

TEST_CASE("swctl exits 3 when there is no server to reach", "[ctl]") {
  const Run no_socket = swctl({"--socket", temp_path("missing.sock"), "status"});
  CHECK(no_socket.code == 3);
  CHECK(no_socket.err.rfind("swctl: ", 0) == 0);
  CHECK(no_socket.err.find("missing.sock") != std::string::npos);
  CHECK(swctl({"--pid-file", temp_path("missing.pid"), "reload"}).code == 3);
  CHECK(swctl({"--pid-file", temp_path("missing.pid"), "shutdown"}).code == 3);
  // A stale pid file: its process is gone.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  TempFile stale(temp_path("stale.pid"), std::to_string(child) + "\n");
  const Run r = swctl({"--pid-file", stale.path, "reload"});
  CHECK(r.code == 3);
  CHECK(r.err.find("not running") != std::string::npos);
  // Nothing listens on loopback port 1.
  CHECK(swctl({"--url", "http://127.0.0.1:1", "status"}).code == 3);
}

TEST_CASE("status stats workers and clients report what the server has", "[ctl]") {
  const std::string sock = temp_path("read.sock");
  ServerProcess server(with_admin(sock));
  const auto pids = server.wait_workers(2);
  std::vector<Client> clients;
  std::set<int> ports;
  for (int i = 0; i < 3; i++) {
    clients.emplace_back(server.port());
    REQUIRE(clients.back().call("echo hi").find(" hi") != std::string::npos);
    ports.insert(local_port(clients.back()));
  }

  const Run status = swctl({"--socket", sock, "status", "--json"});
  REQUIRE(status.code == 0);
  const json st = parsed(status);
  CHECK(st.at("master_pid") == server.master());
  CHECK(st.at("manager_pid") == server.manager());
  CHECK(st.at("port") == server.port());
  CHECK(st.at("worker_num") == 2);
  CHECK(st.at("mode") == "PROCESS");
  const Run status_text = swctl({"--socket", sock, "status"});
  CHECK(status_text.code == 0);
  CHECK(status_text.out.find("master pid " + std::to_string(server.master())) != std::string::npos);

  const Run stats = swctl({"--socket", sock, "stats", "--json"});
  REQUIRE(stats.code == 0);
  const json s = parsed(stats);
  CHECK(s.at("connection_num") == 3);
  CHECK(s.at("accept_count").get<int>() >= 3);
  CHECK(s.at("worker_num") == 2);
  CHECK(s.at("request_count").get<int>() >= 3);
  const Run stats_text = swctl({"--socket", sock, "stats"});
  CHECK(stats_text.code == 0);
  CHECK(stats_text.out.find("connection_num") != std::string::npos);

  const Run workers = swctl({"--socket", sock, "workers", "--json"});
  REQUIRE(workers.code == 0);
  const json w = parsed(workers);
  CHECK(event_worker_pids(w) == std::set<pid_t>(pids.begin(), pids.end()));
  const auto& procs = w.at("processes");
  REQUIRE(procs.size() == 4);  // master, manager, 2 event workers
  CHECK(procs[0].at("name") == "master");
  CHECK(procs[0].at("pid") == server.master());
  CHECK(procs[1].at("name") == "manager");
  CHECK(procs[1].at("pid") == server.manager());
  for (const auto& p : procs) {
    if (p.at("name") == "worker-0") CHECK(p.at("pid") == pids[0]);
    if (p.at("name") == "worker-1") CHECK(p.at("pid") == pids[1]);
    CHECK(p.at("state") == "RUNNING");
  }
  const Run workers_text = swctl({"--socket", sock, "workers"});
  CHECK(workers_text.code == 0);
  CHECK(workers_text.out.find("worker-1") != std::string::npos);
  CHECK(workers_text.out.find(std::to_string(pids[1])) != std::string::npos);

  // --limit 2 pages through three connections in two requests.
  const Run list = swctl({"--socket", sock, "clients", "--json", "--limit", "2"});
  REQUIRE(list.code == 0);
  const json conns = parsed(list).at("connections");
  REQUIRE(conns.size() == 3);
  std::set<int> seen_ports;
  std::set<int64_t> sessions;
  for (const auto& c : conns) {
    seen_ports.insert(c.at("remote_port").get<int>());
    sessions.insert(c.at("session_id").get<int64_t>());
    CHECK(c.at("remote_ip") == "127.0.0.1");
    CHECK(c.at("server_port") == server.port());
  }
  CHECK(seen_ports == ports);
  CHECK(sessions.size() == 3);
  const Run list_text = swctl({"--socket", sock, "clients"});
  CHECK(list_text.code == 0);
  CHECK(list_text.out.find("3 connections") != std::string::npos);

  // A client leaves: the counters follow.
  clients.pop_back();
  CHECK(eventually(
      [&] {
        const Run r = swctl({"--socket", sock, "stats", "--json"});
        return r.code == 0 && parsed(r).at("connection_num") == 2;
      },
      5s));
}

TEST_CASE("reload --wait follows the reload to the end and reloads lists it", "[ctl][reload]") {
  const std::string sock = temp_path("reload.sock");
  ServerProcess server(with_admin(sock));
  const auto before = server.wait_workers(2);

  const Run r = swctl({"--socket", sock, "reload", "--wait"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(server.events().wait_for("afterreload", 5s));
  // One line per worker, old pid -> new pid, then the summary.
  CHECK(r.out.find("worker-0: pid " + std::to_string(before[0]) + " -> ") != std::string::npos);
  CHECK(r.out.find("worker-1: pid " + std::to_string(before[1]) + " -> ") != std::string::npos);
  CHECK(r.out.find("0 forced") != std::string::npos);

  const json workers = parsed(swctl({"--socket", sock, "workers", "--json"}));
  const auto now = event_worker_pids(workers);
  REQUIRE(now.size() == 2);
  for (pid_t p : now) {
    CHECK(p != before[0]);
    CHECK(p != before[1]);
  }

  const Run list = swctl({"--socket", sock, "reloads", "--json"});
  REQUIRE(list.code == 0);
  const json reloads = parsed(list).at("reloads");
  REQUIRE(reloads.size() == 1);
  const json& rec = reloads[0];
  CHECK(rec.at("trigger") == "admin");
  CHECK(rec.at("done") == true);
  CHECK(rec.at("clean") == true);
  CHECK(rec.at("task_only") == false);
  REQUIRE(rec.at("workers").size() == 2);
  std::set<pid_t> old_pids, new_pids;
  for (const auto& w : rec.at("workers")) {
    old_pids.insert(w.at("old_pid").get<pid_t>());
    new_pids.insert(w.at("new_pid").get<pid_t>());
  }
  CHECK(old_pids == std::set<pid_t>(before.begin(), before.end()));
  CHECK(new_pids == now);
  const Run list_text = swctl({"--socket", sock, "reloads"});
  CHECK(list_text.code == 0);
  CHECK(list_text.out.find("clean") != std::string::npos);

  // Without --wait it returns as soon as the reload has started.
  const Run quick = swctl({"--socket", sock, "reload", "--json"});
  REQUIRE(quick.code == 0);
  CHECK(parsed(quick).at("id") == 2);
  CHECK(server.events().wait_for("afterreload", 5s));
}

TEST_CASE("reload --wait under load answers every request", "[ctl][reload]") {
  const std::string sock = temp_path("load.sock");
  ServerProcess server(with_admin(sock));
  server.wait_workers(2);
  EchoLoad load(server.port());
  REQUIRE(eventually([&] { return load.done() > 100; }, 5s));
  for (int i = 0; i < 3; i++) {
    const Run r = swctl({"--socket", sock, "reload", "--wait"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
  }
  const long before_stop = load.done();
  CHECK(eventually([&] { return load.done() > before_stop + 100; }, 5s));
  load.stop();
  INFO("first wrong reply: " << load.first_wrong());
  CHECK(load.wrong() == 0);
  CHECK(load.done() > 200);
  const json reloads = parsed(swctl({"--socket", sock, "reloads", "--json"})).at("reloads");
  REQUIRE(reloads.size() == 3);
  for (const auto& r : reloads) CHECK(r.at("clean") == true);
}

TEST_CASE("a reload while one runs exits 1 and a --wait deadline exits 5", "[ctl][reload]") {
  const std::string sock = temp_path("busy.sock");
  // Each stopping worker takes 1 s: a rolling reload of two runs for 2 s or more.
  ServerProcess server(with_admin(sock, {}, [](Server& s, const EventChannel&) {
    s.on("workerStop", [](Server&, int) { std::this_thread::sleep_for(1s); });
  }));
  server.wait_workers(2);
  REQUIRE(swctl({"--socket", sock, "reload"}).code == 0);
  const Run second = swctl({"--socket", sock, "reload"});
  CHECK(second.code == 1);
  CHECK(second.err.rfind("swctl: ", 0) == 0);
  CHECK(second.err.find("409") != std::string::npos);
  REQUIRE(server.events().wait_for("afterreload", 15s));

  const auto started = Clock::now();
  const Run late = swctl({"--socket", sock, "reload", "--wait", "--timeout", "0.5"});
  CHECK(late.code == 5);
  CHECK(late.err.find("not done") != std::string::npos);
  CHECK(Clock::now() - started < 5s);
  REQUIRE(server.events().wait_for("afterreload", 15s));
}

TEST_CASE("a reload that has to kill a worker exits 1", "[ctl][reload]") {
  const std::string sock = temp_path("forced.sock");
  ServerProcess server(with_admin(
      sock, {{"worker_num", 1LL}, {"max_wait_time", 0.3}}, [](Server& s, const EventChannel&) {
        s.on("workerStop", [](Server&, int) { std::this_thread::sleep_for(3s); });
      }));
  server.wait_workers(1);
  const Run r = swctl({"--socket", sock, "reload", "--wait"});
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(r.out.find("forced") != std::string::npos);
  CHECK(r.err.find("not clean") != std::string::npos);
  const json rec = parsed(swctl({"--socket", sock, "reloads", "--json"})).at("reloads").at(0);
  CHECK(rec.at("forced") == 1);
  CHECK(rec.at("clean") == false);
}

TEST_CASE("command runs a registered command in the processes it names", "[ctl][command]") {
  const std::string sock = temp_path("command.sock");
  ServerProcess server(with_admin(sock));
  const auto pids = server.wait_workers(2);

  const Run one = swctl({"--socket", sock, "command", "getpid", "--to", "worker-1"});
  REQUIRE(one.code == 0);
  CHECK(one.out == "worker-1: " + std::to_string(pids[1]) + "\n");

  const Run master = swctl({"--socket", sock, "command", "getpid", "--json"});  // to master
  REQUIRE(master.code == 0);
  const json m = parsed(master).at("results").at("master");
  CHECK(m.at("code") == 0);
  CHECK(m.at("data") == server.master());

  const Run all = swctl({"--socket", sock, "command", "getpid", "--to", "all_worker", "--json"});
  REQUIRE(all.code == 0);
  const json results = parsed(all).at("results");
  CHECK(results.at("worker-0").at("data") == pids[0]);
  CHECK(results.at("worker-1").at("data") == pids[1]);

  const Run data = swctl({"--socket", sock, "command", "echodata", "--to", "worker-0", "--data",
                          R"({"a":[1,2],"b":"x"})", "--json"});
  REQUIRE(data.code == 0);
  CHECK(parsed(data).at("results").at("worker-0").at("data") == json{{"a", {1, 2}}, {"b", "x"}});

  // The manager does not take getpid: that target fails, and so does swctl.
  const Run refused = swctl({"--socket", sock, "command", "getpid", "--to", "manager"});
  CHECK(refused.code == 1);
  CHECK(refused.out.find("manager: failed (code 9012)") != std::string::npos);
  CHECK(refused.err.rfind("swctl: ", 0) == 0);

  const Run unknown = swctl({"--socket", sock, "command", "nosuchcommand"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err.find("not registered") != std::string::npos);
  CHECK(swctl({"--socket", sock, "command", "getpid", "--to", "worker-7"}).code == 1);
}

TEST_CASE("shutdown --wait returns once the whole tree is gone", "[ctl]") {
  const std::string sock = temp_path("shutdown.sock");
  ServerProcess server(with_admin(sock));
  server.wait_workers(2);
  REQUIRE(server.tree().count(server.master()) == 1);
  REQUIRE(server.tree().count(server.manager()) == 1);
  const Run r = swctl({"--socket", sock, "shutdown", "--wait"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find(std::to_string(server.master())) != std::string::npos);
  // The master is the test's child: gone means exited (a zombie until the test reaps it).
  CHECK(!pid_alive(server.master()));
  CHECK(eventually([&] { return server.tree().empty(); }, 2s));
  CHECK(server.events().wait_for("shutdown", 2s));
  CHECK(swctl({"--socket", sock, "status"}).code == 3);
}

TEST_CASE("a missing or wrong token is refused with exit 4", "[ctl][auth]") {
  const std::string sock = temp_path("auth.sock");
  TempFile token(temp_path("token"), "  s3cret-token\n");
  TempFile wrong(temp_path("wrong-token"), "guess\n");
  ServerProcess server(with_admin(sock, {{"admin_token_file", token.path}}));
  server.wait_workers(2);

  const Run good = swctl({"--socket", sock, "--token-file", token.path, "status", "--json"});
  REQUIRE(good.code == 0);
  CHECK(parsed(good).at("master_pid") == server.master());
  const Run bad = swctl({"--socket", sock, "--token-file", wrong.path, "status"});
  CHECK(bad.code == 4);
  CHECK(bad.err.rfind("swctl: ", 0) == 0);
  CHECK(bad.err.find("401") != std::string::npos);
  CHECK(swctl({"--socket", sock, "workers"}).code == 4);
  CHECK(swctl({"--socket", sock, "reload"}).code == 4);
  CHECK(swctl({"--socket", sock, "command", "getpid"}).code == 4);
  // The environment names the server and the token when the command line does not.
  const Run env =
      swctl({"status", "--json"}, {"SWCTL_SOCKET=" + sock, "SWCTL_TOKEN_FILE=" + token.path});
  CHECK(env.code == 0);
  CHECK(swctl({"status"}, {"SWCTL_SOCKET=" + sock, "SWCTL_TOKEN_FILE=" + wrong.path}).code == 4);
  CHECK(swctl({"--socket", sock, "--token-file", temp_path("no-such-token"), "status"}).code == 2);
}

TEST_CASE("swctl --pid-file uses the admin socket beside the pid file", "[ctl]") {
  const std::string pid_file = temp_path("beside.pid");
  ServerOptions o;
  o.settings = {{"worker_num", 2LL}, {"admin_server", "unix"}, {"pid_file", pid_file}};
  o.customize = [](Server& s, const EventChannel&) { admin::attach(s); };
  ServerProcess server(o);
  server.wait_workers(2);
  const Run r = swctl({"--pid-file", pid_file, "status", "--json"});
  REQUIRE(r.code == 0);
  CHECK(parsed(r).at("master_pid") == server.master());
  const Run reload = swctl({"--pid-file", pid_file, "reload", "--wait"});
  CHECK(reload.code == 0);
  CHECK(server.events().wait_for("afterreload", 5s));
}

TEST_CASE("swctl --pid-file falls back to signals without an admin endpoint", "[ctl][signals]") {
  const std::string pid_file = temp_path("signals.pid");
  ServerProcess server(
      {.settings = {{"worker_num", 2LL}, {"task_worker_num", 1LL}, {"pid_file", pid_file}}});
  const auto before = server.wait_workers(3);  // 0, 1 event; 2 task

  const Run reload = swctl({"--pid-file", pid_file, "reload"});
  INFO(reload.out << reload.err);
  REQUIRE(reload.code == 0);
  CHECK(reload.out.find("SIGUSR1") != std::string::npos);
  REQUIRE(server.events().wait_for("afterreload", 10s));
  Client c(server.port());
  CHECK(field(c.call("winfo 0"), "pid") != std::to_string(before[0]));
  CHECK(field(c.call("winfo 0"), "generation") == "1");

  // --task-only: SIGUSR2, the task worker alone.
  const std::string event0 = field(c.call("winfo 0"), "pid");
  REQUIRE(swctl({"--pid-file", pid_file, "reload", "--task-only"}).code == 0);
  REQUIRE(server.events().wait_for("afterreload", 10s));
  CHECK(field(c.call("winfo 0"), "pid") == event0);
  CHECK(field(c.call("winfo 2"), "generation") == "2");

  // Reads need the endpoint; so does following a reload.
  const Run status = swctl({"--pid-file", pid_file, "status"});
  CHECK(status.code == 3);
  CHECK(status.err.find("admin endpoint") != std::string::npos);
  CHECK(swctl({"--pid-file", pid_file, "reload", "--wait"}).code == 2);

  c.close();
  const Run down = swctl({"--pid-file", pid_file, "shutdown", "--wait", "--timeout", "15"});
  INFO(down.out << down.err);
  REQUIRE(down.code == 0);
  CHECK(!pid_alive(server.master()));
  CHECK(eventually([&] { return server.tree().empty(); }, 2s));
}

TEST_CASE("stats --watch draws one frame per interval with rates", "[ctl][watch]") {
  const std::string sock = temp_path("watch.sock");
  ServerProcess server(with_admin(sock));
  server.wait_workers(2);
  EchoLoad load(server.port());
  REQUIRE(eventually([&] { return load.done() > 10; }, 5s));

  const auto started = Clock::now();
  const Run r = swctl({"--socket", sock, "stats", "--watch", "0.2", "--count", "2"});
  REQUIRE(r.code == 0);
  CHECK(Clock::now() - started >= 400ms);
  CHECK(count_of(r.out, "\x1b[H\x1b[2J") == 2);  // home + clear: redrawn in place
  CHECK(count_of(r.out, "requests/s") == 2);
  CHECK(count_of(r.out, "accepts/s") == 2);
  CHECK(r.out.find("worker-1") != std::string::npos);

  // --json: one line per frame, the rates measured between two samples.
  const Run j = swctl({"--socket", sock, "stats", "--watch", "0.2", "--count", "2", "--json"});
  REQUIRE(j.code == 0);
  const auto lines = split(j.out, '\n');
  REQUIRE(lines.size() == 2);
  for (const auto& line : lines) {
    const json frame = json::parse(line, nullptr, false);
    REQUIRE(frame.is_object());
    CHECK(frame.at("stats").at("connection_num") == 1);
    CHECK(frame.at("rates").at("requests_per_s").get<double>() > 0);
    CHECK(frame.at("rates").at("recv_bytes_per_s").get<double>() > 0);
    CHECK(frame.at("processes").size() == 4);
  }
  load.stop();
  CHECK(load.wrong() == 0);
}

TEST_CASE("stats --watch runs until Ctrl-C and exits 0", "[ctl][watch]") {
  const std::string sock = temp_path("interrupt.sock");
  ServerProcess server(with_admin(sock));
  server.wait_workers(2);
  // Ctrl-C once two frames are out: swctl installs its handler when the watch starts, so a
  // signal sent at a fixed time could still find the default action on a slow machine.
  const Run r = swctl({"--socket", sock, "stats", "--watch", "0.1"}, {}, 30s,
                      Interrupt{.marker = "\x1b[H\x1b[2J", .times = 2, .wait = 15s});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(count_of(r.out, "\x1b[H\x1b[2J") >= 2);
  CHECK(r.err.empty());
}

TEST_CASE("swctl --url reaches an endpoint on loopback TCP", "[ctl][auth]") {
  TempFile token(temp_path("tcp-token"), "tcp-secret\n");
  const int admin_port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(admin_port);
  ServerOptions o;
  o.settings = {{"worker_num", 2LL},
                {"admin_server", "127.0.0.1:" + std::to_string(admin_port)},
                {"admin_token_file", token.path}};
  o.customize = [](Server& s, const EventChannel&) {
    add_test_commands(s);
    admin::attach(s);
  };
  ServerProcess server(o);
  const auto pids = server.wait_workers(2);
  const Run status = swctl({"--url", url, "--token-file", token.path, "status", "--json"});
  REQUIRE(status.code == 0);
  CHECK(parsed(status).at("master_pid") == server.master());
  const Run cmd = swctl({"command", "getpid", "--to", "worker-0"},
                        {"SWCTL_URL=" + url + "/", "SWCTL_TOKEN_FILE=" + token.path});
  CHECK(cmd.code == 0);
  CHECK(cmd.out == "worker-0: " + std::to_string(pids[0]) + "\n");
  CHECK(swctl({"--url", url, "workers"}).code == 4);
  CHECK(swctl({"--url", url + "/v1", "status"}).code == 2);
}

namespace {

// GET path on the admin unix socket, straight (not through swctl): the reply's data.
json endpoint_data(const std::string& socket, const std::string& path) {
  httplib::Client cli(socket);
  cli.set_address_family(AF_UNIX);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(10, 0);
  const httplib::Result r = cli.Get(path);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const json body = json::parse(r->body, nullptr, false);
  REQUIRE(body.is_object());
  return body.at("data");
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> out;
  for (const auto& [k, v] : object.items()) out.insert(k);
  return out;
}

}  // namespace

TEST_CASE("reload --task-only --wait replaces only the task workers through the endpoint",
          "[ctl][reload]") {
  const std::string sock = temp_path("task-only.sock");
  ServerProcess server(with_admin(sock, {{"task_worker_num", 2LL}}));
  const auto before = server.wait_workers(4);  // 0, 1 event; 2, 3 task

  const Run r = swctl({"--socket", sock, "reload", "--task-only", "--wait"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  // One line per task worker, then the summary; no event worker is named.
  CHECK(r.out.find("task_worker-0: pid " + std::to_string(before[2]) + " -> ") !=
        std::string::npos);
  CHECK(r.out.find("task_worker-1: pid " + std::to_string(before[3]) + " -> ") !=
        std::string::npos);
  CHECK(r.out.find("2 workers replaced, 0 forced") != std::string::npos);
  CHECK(r.out.find("pauses") == std::string::npos);  // no traffic: not paced
  const auto lines = split(r.out, '\n');
  CHECK(lines.size() == 3);
  for (const auto& line : lines) {
    INFO(line);
    CHECK((line.rfind("task_worker-", 0) == 0 || line.rfind("reload #", 0) == 0));
  }

  const json workers = parsed(swctl({"--socket", sock, "workers", "--json"}));
  CHECK(event_worker_pids(workers) == std::set<pid_t>{before[0], before[1]});
  std::set<pid_t> task_pids;
  for (const auto& p : workers.at("processes")) {
    if (p.at("kind") == "task") task_pids.insert(p.at("pid").get<pid_t>());
  }
  REQUIRE(task_pids.size() == 2);
  CHECK(task_pids.count(before[2]) == 0);
  CHECK(task_pids.count(before[3]) == 0);

  // The record: an admin (not a signal) reload of the task workers alone.
  const json reloads = parsed(swctl({"--socket", sock, "reloads", "--json"})).at("reloads");
  REQUIRE(reloads.size() == 1);
  const json& rec = reloads.back();
  CHECK(rec.at("trigger") == "admin");
  CHECK(rec.at("task_only") == true);
  CHECK(rec.at("clean") == true);
  std::set<int> ids;
  std::set<pid_t> new_pids;
  for (const auto& w : rec.at("workers")) {
    ids.insert(w.at("id").get<int>());
    new_pids.insert(w.at("new_pid").get<pid_t>());
  }
  CHECK(ids == std::set<int>{2, 3});
  CHECK(new_pids == task_pids);
}

TEST_CASE("reload --wait under traffic says how long the rolling steps paused", "[ctl][reload]") {
  const std::string sock = temp_path("paced.sock");
  ServerProcess server(with_admin(sock, {{"worker_num", 3LL}, {"reload_cpu_percent", 10LL}}));
  server.wait_workers(3);
  // Two clients keep requests flowing until swctl returns (reload_cpu_percent paces a rolling
  // reload only while the workers handle requests).
  EchoTraffic traffic(server.port(), 2);
  REQUIRE(eventually([&] { return traffic.sent() >= 20; }));
  const Run r = swctl({"--socket", sock, "reload", "--wait"});
  traffic.stop();
  CHECK(traffic.failed() == 0);  // nothing lost across the paced reload
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("3 workers replaced, 0 forced, ") != std::string::npos);
  CHECK(r.out.find(" ms of pauses between steps under traffic") != std::string::npos);
  // The figure is the record's.
  const json rec = parsed(swctl({"--socket", sock, "reloads", "--json"})).at("reloads").back();
  CHECK(rec.at("paced_ms").get<int>() > 0);
  CHECK(r.out.find(", " + std::to_string(rec.at("paced_ms").get<int>()) + " ms of pauses") !=
        std::string::npos);
}

TEST_CASE("workers, stats and status --json print the data of the /v1 routes", "[ctl]") {
  const std::string sock = temp_path("schemas.sock");
  ServerProcess server(
      with_admin(sock, {{"task_worker_num", 1LL}}, [](Server& s, const EventChannel& ev) {
        s.addProcess([&ev](Server& srv, int id) {
          ev.emit("userstart " + std::to_string(id));
          srv.tick(1000, [](int64_t) {});
        });
      }));
  server.wait_workers(3);
  REQUIRE(server.events().wait_for("userstart ", 10s));
  Client c(server.port());
  REQUIRE(c.call("echo hi").find(" hi") != std::string::npos);

  // /v1/workers: the same processes with the same fields (README: Process); fields that move
  // between two calls are compared by presence.
  const json api_workers = endpoint_data(sock, "/v1/workers");
  const Run w = swctl({"--socket", sock, "workers", "--json"});
  REQUIRE(w.code == 0);
  const json cli_workers = parsed(w);
  CHECK(keys_of(cli_workers) == keys_of(api_workers));
  const json& api_procs = api_workers.at("processes");
  const json& cli_procs = cli_workers.at("processes");
  REQUIRE(api_procs.size() == 6);  // master, manager, 2 event, 1 task, 1 user
  REQUIRE(cli_procs.size() == api_procs.size());
  const std::set<std::string> process_schema = {"name",        "id",
                                                "kind",        "pid",
                                                "state",       "status",
                                                "generation",  "requests",
                                                "uptime",      "respawns",
                                                "rss_bytes",   "cpu_seconds",
                                                "cpu_percent", "last_exit_status"};
  const std::set<std::string> moving = {"uptime", "rss_bytes", "cpu_seconds", "cpu_percent"};
  for (size_t i = 0; i < api_procs.size(); i++) {
    INFO(api_procs[i].dump() << "\n" << cli_procs[i].dump());
    CHECK(keys_of(api_procs[i]) == process_schema);
    CHECK(keys_of(cli_procs[i]) == process_schema);
    for (const auto& key : process_schema) {
      if (moving.count(key)) {
        CHECK(cli_procs[i].at(key).is_number());
      } else {
        CHECK(cli_procs[i].at(key) == api_procs[i].at(key));
      }
    }
  }

  // /v1/stats: nothing moves while no client talks, so every value is the same.
  const json api_stats = endpoint_data(sock, "/v1/stats");
  const Run s = swctl({"--socket", sock, "stats", "--json"});
  REQUIRE(s.code == 0);
  CHECK(parsed(s) == api_stats);
  CHECK(api_stats.at("user_worker_num") == 1);

  // /v1/status: the same fields; the uptime moves.
  const json api_status = endpoint_data(sock, "/v1/status");
  const Run st = swctl({"--socket", sock, "status", "--json"});
  REQUIRE(st.code == 0);
  json cli_status = parsed(st);
  CHECK(keys_of(cli_status) == keys_of(api_status));
  CHECK(cli_status.at("uptime").is_number());
  cli_status["uptime"] = api_status.at("uptime");
  CHECK(cli_status == api_status);

  // The live view's JSON frames carry the same two schemas.
  const Run frame = swctl({"--socket", sock, "stats", "--watch", "0.1", "--count", "1", "--json"});
  REQUIRE(frame.code == 0);
  const json f = json::parse(frame.out, nullptr, false);
  REQUIRE(f.is_object());
  CHECK(keys_of(f.at("stats")) == keys_of(api_stats));
  REQUIRE(f.at("processes").size() == api_procs.size());
  for (const auto& p : f.at("processes")) CHECK(keys_of(p) == process_schema);
}
