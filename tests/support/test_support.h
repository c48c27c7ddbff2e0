// Test support: a real server in a forked process group, a line-based event channel from its
// processes to the test, blocking TCP clients with bounded waits, and /proc inspection.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "swkit/server.h"

namespace swkit::test {

using namespace std::chrono_literals;

// A pipe every process of the server tree inherits; each event is one line (atomic below
// PIPE_BUF). Read by the test with bounded waits.
class EventChannel {
 public:
  EventChannel();
  ~EventChannel();
  // Child side: appends a line (non-blocking; a full pipe drops the line and says so on stderr).
  void emit(const std::string& line) const;
  // Test side: the oldest line not taken yet, or nullopt after timeout.
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  // Test side: takes the oldest line that starts with prefix (other lines stay for later).
  std::optional<std::string> wait_for(const std::string& prefix, std::chrono::milliseconds timeout);
  // Test side: every line not taken yet plus those that arrive within window.
  std::vector<std::string> drain(std::chrono::milliseconds window);
  void close_read_end_in_child();
  int read_fd() const { return fds_[0]; }

 private:
  bool read_more(int timeout_ms);

  int fds_[2] = {-1, -1};
  std::string buffer_;
  std::deque<std::string> lines_;
};

// The command protocol of the test server (one command per line, one reply line each unless
// noted): "echo TEXT", "whoami", "info", "stats", "list START SIZE", "exist SID", "send SID TEXT",
// "closeother SID", "close" (no reply), "reset" (no reply), "sleep MS", "crash" (no reply),
// "big N", "nodelay" (BASE mode: "nodelay=0|1", getsockopt TCP_NODELAY on socket_fd),
// "pids", "shutdown", "reload [task]", "reloads", "winfo ID", "stop",
// "taskwait DATA [TIMEOUT [DST]]", "task DATA [DST]", "taskcb DATA", "taskmulti TIMEOUT A B..",
// "msg DST TEXT", "bind SID UID", "bigwait N" (sendwait() of N bytes, then a reply line),
// "sendfile PATH OFFSET LENGTH" (the file's bytes, then the reply line). onTask
// answers "t<task worker>:<task id>:<src>:<data>" ("sleep:MS" sleeps first, "noreply" answers
// nothing, "big:N" answers N bytes). Events on the channel: "start PORT MASTER MANAGER",
// "workerstart ID PID", "connect SID WID", "close SID WID", "workererror ID PID CODE SIGNAL",
// "shutdown", "workerstop ID PID", "beforereload", "afterreload", "finish WID TASKID DATA",
// "taskcallback WID TASKID DATA", "pipemessage WID SRC MSG".
void install_command_server(Server& server, const EventChannel& events);

struct ServerOptions {
  Mode mode = Mode::Process;
  Settings settings;
  // Called in the child after the command server is installed (to override handlers).
  std::function<void(Server&, const EventChannel&)> customize;
  int port = 0;
  bool expect_start = true;
  std::string host = "127.0.0.1";
  int sock_type = kSockTcp;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions opts);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t master() const { return master_; }
  pid_t manager() const { return manager_; }
  EventChannel& events() { return events_; }
  // Waits for n "workerstart" events; returns worker id -> pid.
  std::vector<pid_t> wait_workers(int n, std::chrono::milliseconds timeout = 10s);
  // SIGTERM, then waits (bounded) for the master to exit; SIGKILLs the group if it must.
  // Returns the master's exit status.
  int stop(std::chrono::milliseconds timeout = 15s);
  // Every live pid in the server's process group.
  std::set<pid_t> tree() const;
  pid_t group() const { return group_; }

 private:
  EventChannel events_;
  pid_t group_ = -1;
  pid_t master_ = -1;
  pid_t manager_ = -1;
  int port_ = 0;
  bool stopped_ = false;
};

// A blocking TCP client with bounded waits.
class Client {
 public:
  explicit Client(int port, const char* host = "127.0.0.1");
  ~Client();
  Client(Client&& o) noexcept;
  Client(const Client&) = delete;
  bool send_all(std::string_view data);
  // Exactly n bytes, or what arrived before timeout / close.
  std::string recv_exact(size_t n, std::chrono::milliseconds timeout = 10s);
  // One '\n'-terminated line (without the '\n'), or nullopt.
  std::optional<std::string> recv_line(std::chrono::milliseconds timeout = 10s);
  // A command line and its reply line.
  std::string call(const std::string& command, std::chrono::milliseconds timeout = 10s);
  // True when the server closed the connection within timeout.
  bool wait_closed(std::chrono::milliseconds timeout = 10s);
  void close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffered_;
};

// Client threads that send "echo" requests to the test server until stopped, each waiting for
// its reply; joined however the test ends. In BASE mode a connection lives in its worker and
// goes when the worker is replaced: a client then reconnects, and only PROCESS mode counts a
// missing or wrong reply as a failure.
class EchoTraffic {
 public:
  EchoTraffic(int port, int clients, Mode mode = Mode::Process);
  ~EchoTraffic();
  EchoTraffic(const EchoTraffic&) = delete;
  EchoTraffic& operator=(const EchoTraffic&) = delete;
  void stop();
  int sent() const { return sent_.load(); }
  int failed() const { return failed_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

// Live pids of a process group, read from /proc.
std::set<pid_t> pids_in_group(pid_t pgid);
bool pid_alive(pid_t pid);
// Polls cond every 10 ms until it holds or timeout passes.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s);
std::vector<std::string> split(const std::string& s, char sep = ' ');
inline const char* mode_name(Mode m) {
  return m == Mode::Process ? "PROCESS" : "BASE";
}
// "k=v k2=v2" -> value of key, or "" when absent.
std::string field(const std::string& line, const std::string& key);

// Supervisor helpers over the test server's commands.
// The pid of worker id, from its slot ("winfo").
pid_t pid_of(Client& c, int id);
// Adds a user process that says "userstart ID PID" and then idles until it is stopped (it
// sends nothing: clients see only their own replies).
void add_quiet_user_process(Server& s, const EventChannel& ev);
// Waits for the newest reload transaction to be done; returns its "reloads" line.
std::string wait_reload_done(ServerProcess& server, std::chrono::milliseconds timeout = 15s);
// The "workers" field of a "reloads" line: one {id, old pid, new pid, drain_ms, forced, cpu_us}
// per worker.
std::vector<std::vector<std::string>> reload_workers(const std::string& line);

}  // namespace swkit::test
