#include "test_support.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace swkit::test {

namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}
}  // namespace

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string field(const std::string& line, const std::string& key) {
  for (const auto& part : split(line)) {
    if (part.rfind(key + "=", 0) == 0) return part.substr(key.size() + 1);
  }
  return "";
}

pid_t pid_of(Client& c, int id) {
  return std::stoi(field(c.call("winfo " + std::to_string(id)), "pid"));
}

void add_quiet_user_process(Server& s, const EventChannel& ev) {
  const EventChannel* evp = &ev;
  s.addProcess([evp](Server&, int id) {
    evp->emit("userstart " + std::to_string(id) + " " + std::to_string(getpid()));
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // idle body, not a wait
  });
}

std::string wait_reload_done(ServerProcess& server, std::chrono::milliseconds timeout) {
  std::string line;
  eventually(
      [&] {
        Client c(server.port());
        line = c.call("reloads");
        return field(line, "done") == "1";
      },
      timeout);
  return line;
}

EchoTraffic::EchoTraffic(int port, int clients, Mode mode) {
  for (int i = 0; i < clients; i++) {
    threads_.emplace_back([this, port, mode, i] {
      std::optional<Client> c;
      for (int n = 0; !stop_.load(); n++) {
        if (!c) c.emplace(port);
        const std::string text = "c" + std::to_string(i) + "-" + std::to_string(n);
        const std::string reply = c->call("echo " + text, 2s);  // "w<worker id> <text>"
        sent_++;
        if (reply.size() > text.size() &&
            reply.compare(reply.size() - text.size() - 1, std::string::npos, " " + text) == 0) {
          continue;
        }
        if (mode == Mode::Process) failed_++;
        c.reset();
      }
    });
  }
}

EchoTraffic::~EchoTraffic() {
  stop();
}

void EchoTraffic::stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::vector<std::vector<std::string>> reload_workers(const std::string& line) {
  std::vector<std::vector<std::string>> out;
  for (const auto& w : split(field(line, "workers"), ',')) out.push_back(split(w, ':'));
  return out;
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

bool pid_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return false;
  const auto close_paren = content.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= content.size()) return false;
  return content[close_paren + 2] != 'Z';
}

std::set<pid_t> pids_in_group(pid_t pgid) {
  std::set<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string content;
    if (!std::getline(stat, content)) continue;
    const auto close_paren = content.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(content.substr(close_paren + 2));
    char state;
    pid_t ppid, pgrp;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') out.insert(pid);
  }
  closedir(d);
  return out;
}

// ---- EventChannel ----

EventChannel::EventChannel() {
  if (pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  fcntl(fds_[0], F_SETPIPE_SZ, 1 << 20);
  fcntl(fds_[1], F_SETFL, O_NONBLOCK);
}

EventChannel::~EventChannel() {
  if (fds_[0] >= 0) ::close(fds_[0]);
  if (fds_[1] >= 0) ::close(fds_[1]);
}

void EventChannel::close_read_end_in_child() {
  ::close(fds_[0]);
  fds_[0] = -1;
}

void EventChannel::emit(const std::string& line) const {
  const std::string data = line + "\n";
  if (::write(fds_[1], data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    std::fprintf(stderr, "test event channel: dropped '%s'\n", line.c_str());
  }
}

bool EventChannel::read_more(int timeout_ms) {
  pollfd p{fds_[0], POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[4096];
  const ssize_t n = ::read(fds_[0], buf, sizeof buf);
  if (n <= 0) return false;
  buffer_.append(buf, n);
  for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
    lines_.push_back(buffer_.substr(0, nl));
    buffer_.erase(0, nl + 1);
  }
  return true;
}

std::optional<std::string> EventChannel::next(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (lines_.empty()) {
    if (!read_more(remaining_ms(deadline))) return std::nullopt;
  }
  std::string line = lines_.front();
  lines_.pop_front();
  return line;
}

std::optional<std::string> EventChannel::wait_for(const std::string& prefix,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t scanned = 0;
  for (;;) {
    for (; scanned < lines_.size(); scanned++) {
      if (lines_[scanned].rfind(prefix, 0) == 0) {
        std::string line = lines_[scanned];
        lines_.erase(lines_.begin() + static_cast<long>(scanned));
        return line;
      }
    }
    if (!read_more(remaining_ms(deadline))) return std::nullopt;
  }
}

std::vector<std::string> EventChannel::drain(std::chrono::milliseconds window) {
  const auto deadline = Clock::now() + window;
  while (read_more(remaining_ms(deadline))) {
  }
  std::vector<std::string> out(lines_.begin(), lines_.end());
  lines_.clear();
  return out;
}

// ---- the command server ----

namespace {
// The smallest coroutine type: starts at once, nobody waits for it.
struct FireAndForget {
  struct promise_type {
    FireAndForget get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};
}  // namespace

void install_command_server(Server& server, const EventChannel& events) {
  const EventChannel* ev = &events;
  server.on("start", [ev](Server& s) {
    ev->emit("start " + std::to_string(s.port()) + " " + std::to_string(s.getMasterPid()) + " " +
             std::to_string(s.getManagerPid()));
  });
  server.on("shutdown", [ev](Server&) { ev->emit("shutdown"); });
  server.on("workerStart", [ev](Server&, int id) {
    ev->emit("workerstart " + std::to_string(id) + " " + std::to_string(getpid()));
  });
  server.on("workerStop", [ev](Server&, int id) {
    ev->emit("workerstop " + std::to_string(id) + " " + std::to_string(getpid()));
  });
  server.on("beforeReload", [ev](Server&) { ev->emit("beforereload"); });
  server.on("afterReload", [ev](Server&) { ev->emit("afterreload"); });
  server.on("task",
            [](Server& s, TaskId id, int src, std::string_view data) -> std::optional<std::string> {
              const std::string d(data);
              if (d.rfind("sleep:", 0) == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(d.substr(6))));
              }
              if (d == "noreply") return std::nullopt;
              if (d == "nested") {  // task() from a task worker must fail
                const int64_t id = s.task("x");
                return "nested=" + std::to_string(id) + ":" + std::to_string(s.getLastError());
              }
              if (d.size() > 4096) return "len=" + std::to_string(d.size());
              if (d.rfind("big:", 0) == 0) return std::string(std::stoull(d.substr(4)), 'r');
              return "t" + std::to_string(s.getWorkerId()) + ":" +
                     std::to_string(static_cast<int64_t>(id)) + ":" + std::to_string(src) + ":" + d;
            });
  server.on("finish", [ev](Server& s, TaskId id, std::string_view data) {
    ev->emit("finish " + std::to_string(s.getWorkerId()) + " " +
             std::to_string(static_cast<int64_t>(id)) + " " +
             std::string(data.substr(0, std::min<size_t>(data.size(), 200))));
  });
  server.on("pipeMessage", [ev](Server& s, int src, std::string_view msg) {
    ev->emit("pipemessage " + std::to_string(s.getWorkerId()) + " " + std::to_string(src) + " " +
             std::string(msg));
  });
  server.on("workerError", [ev](Server&, int id, pid_t pid, int code, int sig) {
    ev->emit("workererror " + std::to_string(id) + " " + std::to_string(pid) + " " +
             std::to_string(code) + " " + std::to_string(sig));
  });
  server.on("connect", [ev](Server& s, SessionId fd, int) {
    ev->emit("connect " + std::to_string(fd) + " " + std::to_string(s.getWorkerId()));
  });
  server.on("close", [ev](Server& s, SessionId fd, int) {
    ClientInfo info;
    const bool has_info = s.getClientInfo(fd, info);
    ev->emit("close " + std::to_string(fd) + " " + std::to_string(s.getWorkerId()) +
             (has_info ? " info=1" : " info=0"));
  });
  server.on("receive", [ev](Server& s, SessionId fd, int reactor_id, std::string_view data) {
    std::string line(data);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    const auto args = split(line);
    const std::string cmd = args.empty() ? "" : args[0];
    const std::string me = "w" + std::to_string(s.getWorkerId());
    auto reply = [&](const std::string& text) { s.send(fd, text + "\n"); };
    if (cmd == "echo") {
      reply(me + " " + line.substr(std::min(line.size(), size_t{5})));
    } else if (cmd == "whoami") {
      ClientInfo info;
      s.getClientInfo(fd, info);
      reply(me + " fd=" + std::to_string(fd) + " sock=" + std::to_string(info.socket_fd) +
            " reactor=" + std::to_string(reactor_id) + " pid=" + std::to_string(getpid()));
    } else if (cmd == "nodelay") {
      // TCP_NODELAY of this connection's socket, read where the socket lives (BASE mode only:
      // in PROCESS mode socket_fd is a descriptor of the master).
      ClientInfo info;
      int on = -1;
      socklen_t len = sizeof on;
      if (!s.getClientInfo(fd, info)) {
        reply("err " + std::to_string(s.getLastError()));
        return;
      }
      if (getsockopt(info.socket_fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0) {
        reply("err " + std::to_string(errno));
        return;
      }
      reply("nodelay=" + std::to_string(on));
    } else if (cmd == "info") {
      ClientInfo i;
      if (!s.getClientInfo(args.size() > 1 ? std::stoll(args[1]) : fd, i)) {
        reply("err " + std::to_string(s.getLastError()));
        return;
      }
      char buf[512];
      std::snprintf(buf, sizeof buf,
                    "remote_ip=%s remote_port=%d server_port=%d server_fd=%d socket_fd=%d "
                    "socket_type=%d reactor_id=%d connect_time=%lld last_time=%lld "
                    "last_recv_time=%.6f last_send_time=%.6f last_dispatch_time=%.6f "
                    "close_errno=%d recv_queued_bytes=%lld send_queued_bytes=%lld uid=%u",
                    i.remote_ip.c_str(), i.remote_port, i.server_port, i.server_fd, i.socket_fd,
                    i.socket_type, i.reactor_id, static_cast<long long>(i.connect_time),
                    static_cast<long long>(i.last_time), i.last_recv_time, i.last_send_time,
                    i.last_dispatch_time, i.close_errno,
                    static_cast<long long>(i.recv_queued_bytes),
                    static_cast<long long>(i.send_queued_bytes), i.uid);
      reply(buf);
    } else if (cmd == "stats") {
      const ServerStats st = s.stats();
      std::ostringstream o;
      o << "start_time=" << st.start_time << " connection_num=" << st.connection_num
        << " accept_count=" << st.accept_count << " close_count=" << st.close_count
        << " abort_count=" << st.abort_count << " worker_num=" << st.worker_num
        << " idle_worker_num=" << st.idle_worker_num << " dispatch_count=" << st.dispatch_count
        << " request_count=" << st.request_count << " response_count=" << st.response_count
        << " total_recv_bytes=" << st.total_recv_bytes
        << " total_send_bytes=" << st.total_send_bytes << " session_round=" << st.session_round
        << " min_fd=" << st.min_fd << " max_fd=" << st.max_fd
        << " worker_request_count=" << st.worker_request_count
        << " worker_response_count=" << st.worker_response_count
        << " worker_dispatch_count=" << st.worker_dispatch_count
        << " concurrency=" << st.concurrency << " task_worker_num=" << st.task_worker_num
        << " task_idle_worker_num=" << st.task_idle_worker_num << " tasking_num=" << st.tasking_num
        << " task_queue_num=" << st.task_queue_num << " task_queue_bytes=" << st.task_queue_bytes
        << " task_count=" << st.task_count << " user_worker_num=" << st.user_worker_num;
      reply(o.str());
    } else if (cmd == "list" && args.size() == 3) {
      std::vector<SessionId> ids;
      if (!s.getClientList(std::stoll(args[1]), std::stoi(args[2]), ids)) {
        reply("err " + std::to_string(s.getLastError()));
        return;
      }
      std::string out = "ids";
      for (auto id : ids) out += " " + std::to_string(id);
      reply(out);
    } else if (cmd == "exist" && args.size() == 2) {
      reply(s.exist(std::stoll(args[1])) ? "1" : "0");
    } else if (cmd == "send" && args.size() >= 3) {
      const bool ok = s.send(std::stoll(args[1]), args[2] + "\n");
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "bind" && args.size() == 3) {
      const bool ok = s.bind(std::stoll(args[1]), static_cast<uint32_t>(std::stoul(args[2])));
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if ((cmd == "pause" || cmd == "resume" || cmd == "protect" || cmd == "unprotect") &&
               args.size() == 2) {
      const SessionId other = std::stoll(args[1]);
      const bool ok = cmd == "pause"     ? s.pause(other)
                      : cmd == "resume"  ? s.resume(other)
                      : cmd == "protect" ? s.protect(other)
                                         : s.protect(other, false);
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "closeother" && args.size() == 2) {
      const bool ok = s.close(std::stoll(args[1]));
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "close") {
      s.close(fd);
    } else if (cmd == "reset") {
      s.close(fd, true);
    } else if (cmd == "sleep" && args.size() == 2) {
      ev->emit("sleeping " + std::to_string(s.getWorkerId()) + " " + args[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(args[1])));
      reply(me + " slept");
    } else if (cmd == "crash") {
      signal(SIGABRT, SIG_DFL);  // Catch2 installs its own handler in this process
      std::abort();
    } else if (cmd == "big" && args.size() == 2) {
      const bool ok = s.send(fd, std::string(std::stoull(args[1]), 'x'));
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "sendfile" && args.size() == 4) {
      const bool ok = s.sendfile(fd, args[1], std::stoll(args[2]), std::stoll(args[3]));
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "bigwait" && args.size() == 2) {
      const bool ok = s.sendwait(fd, std::string(std::stoull(args[1]), 'x'));
      reply(ok ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "reload") {
      reply(s.reload(args.size() > 1 && args[1] == "task")
                ? "ok"
                : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "reloads") {
      // The newest transaction: "id=N done=0|1 strategy=S trigger=T task_only=0|1 forced=N
      // refused=N paced_ms=N count=N workers=id:old:new:drain_ms:forced:cpu_us,..."
      const auto all = s.getReloads();
      if (all.empty()) {
        reply("none");
        return;
      }
      const auto& r = all.back();
      std::string w;
      for (const auto& x : r.workers) {
        w += std::to_string(x.id) + ":" + std::to_string(x.old_pid) + ":" +
             std::to_string(x.new_pid) + ":" + std::to_string(x.drain_ms) + ":" +
             (x.forced ? "1" : "0") + ":" + std::to_string(x.cpu_us) + ",";
      }
      reply("id=" + std::to_string(r.id) + " done=" + (r.done ? "1" : "0") +
            " strategy=" + r.strategy + " trigger=" + r.trigger +
            " task_only=" + (r.task_only ? "1" : "0") + " forced=" + std::to_string(r.forced) +
            " refused=" + std::to_string(r.refused) + " paced_ms=" + std::to_string(r.paced_ms) +
            " count=" + std::to_string(all.size()) + " workers=" + w);
    } else if (cmd == "winfo" && args.size() == 2) {
      const auto info = s.getWorkerInfo(std::stoi(args[1]));
      if (!info) {
        reply("err " + std::to_string(s.getLastError()));
        return;
      }
      reply("pid=" + std::to_string(info->pid) + " state=" + info->state + " generation=" +
            std::to_string(info->generation) + " respawns=" + std::to_string(info->respawns) +
            " requests=" + std::to_string(info->requests) + " status=" +
            std::to_string(info->status) + " last_exit=" + std::to_string(info->last_exit_status) +
            " lane_tasks=" + std::to_string(info->lane_tasks));
    } else if (cmd == "stop") {
      reply(s.stop() ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "taskwait" && args.size() >= 2) {
      const double timeout = args.size() > 2 ? std::stod(args[2]) : 2.0;
      const int dst = args.size() > 3 ? std::stoi(args[3]) : -1;
      const auto r = s.taskwait(args[1], timeout, dst);
      reply(r ? "result " + (r->size() > 200 ? "len=" + std::to_string(r->size()) : *r)
              : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "taskwaits" && args.size() >= 3) {
      // taskwaits TIMEOUT A B ...: one taskwait after the other in this callback (back to
      // back, as a busy worker does); the results in order, "-" for a failed one.
      std::string out = "results";
      for (size_t i = 2; i < args.size(); i++) {
        const auto r = s.taskwait(args[i], std::stod(args[1]));
        out += " " + (!r                ? std::string("-")
                      : r->size() > 200 ? "len=" + std::to_string(r->size())
                                        : *r);
      }
      reply(out);
    } else if (cmd == "task" && args.size() >= 2) {
      const int dst = args.size() > 2 ? std::stoi(args[2]) : -1;
      const int64_t id = s.task(args[1], dst);
      reply(id >= 0 ? "taskid " + std::to_string(id) : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "taskpair" && args.size() == 3) {  // two tasks to task worker 0 at once
      const int64_t a = s.task(args[1], 0), b = s.task(args[2], 0);
      reply("taskids " + std::to_string(a) + " " + std::to_string(b));
    } else if (cmd == "taskcb" && args.size() >= 2) {
      const EventChannel* evc = ev;
      const int64_t id = s.task(args[1], -1, [evc](Server& srv, TaskId tid, std::string_view d) {
        evc->emit("taskcallback " + std::to_string(srv.getWorkerId()) + " " +
                  std::to_string(static_cast<int64_t>(tid)) + " " + std::string(d));
      });
      reply(id >= 0 ? "taskid " + std::to_string(id) : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "taskmulti" && args.size() >= 3) {
      // taskmulti TIMEOUT A B C ...: results by index, "-" for a timed-out one
      std::vector<std::string> tasks(args.begin() + 2, args.end());
      const auto results = s.taskCo(tasks, std::stod(args[1]));
      std::string out = "results";
      for (const auto& r : results) out += " " + (r ? *r : std::string("-"));
      reply(out);
    } else if (cmd == "taskbig" && args.size() >= 2) {
      // taskbig N [wait]: a task whose payload is N bytes, one-way or waited for
      const std::string data(std::stoull(args[1]), 'p');
      if (args.size() > 2) {
        const auto r = s.taskwait(data, 30);
        reply(r ? "result " + *r : "err " + std::to_string(s.getLastError()));
      } else {
        const int64_t id = s.task(data);
        reply(id >= 0 ? "taskid " + std::to_string(id) : "err " + std::to_string(s.getLastError()));
      }
    } else if (cmd == "awaitco" && args.size() >= 3) {
      // awaitco TIMEOUT A B ...: the same through co_await in a C++20 coroutine
      std::vector<std::string> tasks(args.begin() + 2, args.end());
      [](Server& srv, SessionId to, std::vector<std::string> t, double timeout) -> FireAndForget {
        auto results = co_await taskCoAwait(srv, std::move(t), timeout);
        std::string out = "awaited";
        for (const auto& r : results) out += " " + (r ? *r : std::string("-"));
        srv.send(to, out + "\n");
      }(s, fd, std::move(tasks), std::stod(args[1]));
    } else if (cmd == "taskco" && args.size() >= 3) {
      // taskco TIMEOUT A B ...: non-blocking; the results come back as one line later
      std::vector<std::string> tasks(args.begin() + 2, args.end());
      const bool ok = s.taskCo(tasks, std::stod(args[1]), [&s, fd](auto results) {
        std::string out = "coresults";
        for (const auto& r : results) out += " " + (r ? *r : std::string("-"));
        s.send(fd, out + "\n");
      });
      if (!ok) reply("err " + std::to_string(s.getLastError()));
    } else if (cmd == "flood" && args.size() == 2) {
      // flood N: N one-way tasks with ids 0..N-1; their results are counted in this worker
      static std::set<std::string> done;
      static long dupes = 0;
      done.clear();
      dupes = 0;
      for (int i = 0; i < std::stoi(args[1]); i++) {
        s.task("f" + std::to_string(i), -1, [](Server&, TaskId, std::string_view d) {
          const std::string key(d.substr(d.rfind(':') + 1));
          if (!done.insert(key).second) dupes++;
        });
      }
      ev->emit("flooding");
      s.tick(50, [ev, n = std::stoi(args[1])](int64_t) {
        static size_t last = 0;
        if (done.size() != last) {
          last = done.size();
          ev->emit("flood done=" + std::to_string(done.size()) + " dupes=" + std::to_string(dupes) +
                   " of=" + std::to_string(n));
        }
      });
      reply("ok");
    } else if (cmd == "msg" && args.size() == 3) {
      reply(s.sendMessage(args[2], std::stoi(args[1])) ? "ok"
                                                       : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "shutdown") {
      reply(s.shutdown() ? "ok" : "err " + std::to_string(s.getLastError()));
    } else if (cmd == "pids") {
      reply("master=" + std::to_string(s.getMasterPid()) + " manager=" +
            std::to_string(s.getManagerPid()) + " self=" + std::to_string(s.getWorkerPid()) +
            " worker0=" + std::to_string(s.getWorkerPid(0)) +
            " status=" + std::to_string(s.getWorkerStatus()));
    } else {
      reply("unknown " + cmd);
    }
  });
}

// ---- ServerProcess ----

ServerProcess::ServerProcess(ServerOptions opts) {
  // Flush first, or the child would write the test runner's buffered output a second time.
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    // If the test runner dies (a ctest timeout kills it), the server shuts down with it.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    events_.close_read_end_in_child();
    int code = 0;
    try {
      Server server(opts.host, opts.port, opts.mode, opts.sock_type);
      // Commands are lines: frame on '\n' unless the test chooses its own framing.
      Settings settings = {{"log_level", 4LL}, {"open_eof_check", true}, {"package_eof", "\n"}};
      for (const auto& [k, v] : opts.settings) settings[k] = v;
      server.set(settings);
      install_command_server(server, events_);
      if (opts.customize) opts.customize(server, events_);
      const bool ok = server.start();
      events_.emit(ok ? "stopped" : "startfailed " + std::to_string(server.getLastError()));
      code = ok ? 0 : 1;
    } catch (const std::exception& e) {
      events_.emit(std::string("exception ") + e.what());
      code = 3;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  setpgid(pid, pid);
  group_ = pid;
  master_ = pid;
  if (!opts.expect_start) return;
  auto line = events_.wait_for("start ", 10s);
  if (!line) {
    stop();
    throw std::runtime_error("server did not start within 10 s");
  }
  const auto parts = split(*line);
  port_ = std::stoi(parts.at(1));
  manager_ = std::stoi(parts.at(3));
}

ServerProcess::~ServerProcess() {
  stop();
}

std::vector<pid_t> ServerProcess::wait_workers(int n, std::chrono::milliseconds timeout) {
  std::vector<pid_t> pids(n, -1);
  int seen = 0;
  const auto deadline = Clock::now() + timeout;
  while (seen < n && Clock::now() < deadline) {
    auto line = events_.wait_for("workerstart ", std::chrono::milliseconds(remaining_ms(deadline)));
    if (!line) break;
    const auto parts = split(*line);
    const int id = std::stoi(parts[1]);
    if (id >= 0 && id < n && pids[id] < 0) seen++;
    if (id >= 0 && id < n) pids[id] = std::stoi(parts[2]);
  }
  if (seen < n) throw std::runtime_error("workers did not all start in time");
  return pids;
}

int ServerProcess::stop(std::chrono::milliseconds timeout) {
  if (stopped_ || master_ <= 0) return 0;
  stopped_ = true;
  kill(master_, SIGTERM);
  int status = -1;
  const auto deadline = Clock::now() + timeout;
  bool reaped = false;
  while (Clock::now() < deadline) {
    const pid_t r = waitpid(master_, &status, WNOHANG);
    if (r == master_ || (r < 0 && errno == ECHILD)) {  // ECHILD: the test reaped it already
      reaped = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (!reaped) {
    kill(-group_, SIGKILL);
    waitpid(master_, &status, 0);
  }
  // Descendants must be gone too; if any linger, kill the group we created and say so.
  if (!eventually([this] { return pids_in_group(group_).empty(); }, 5s)) {
    kill(-group_, SIGKILL);
    std::fprintf(stderr, "ServerProcess: processes outlived the master; killed group %d\n", group_);
    return -1;
  }
  return status;
}

std::set<pid_t> ServerProcess::tree() const {
  return pids_in_group(group_);
}

// ---- Client ----

Client::Client(int port, const char* host) {
  sockaddr_storage addr{};
  socklen_t len;
  int family = std::strchr(host, ':') ? AF_INET6 : AF_INET;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host, &a->sin_addr);
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host, &a->sin6_addr);
    len = sizeof(sockaddr_in6);
  }
  fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int err = errno;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect: ") + std::strerror(err));
  }
}

Client::~Client() {
  close();
}

Client::Client(Client&& o) noexcept : fd_(o.fd_), buffered_(std::move(o.buffered_)) {
  o.fd_ = -1;
}

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Client::send_all(std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += n;
  }
  return true;
}

std::string Client::recv_exact(size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out = std::move(buffered_);
  buffered_.clear();
  std::string buf(1 << 16, '\0');
  while (out.size() < n) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) break;
    const ssize_t r = ::recv(fd_, buf.data(), std::min(buf.size(), n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf.data(), r);
  }
  return out;
}

std::optional<std::string> Client::recv_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) return std::nullopt;
    const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
    if (r <= 0) return std::nullopt;
    buffered_.append(buf, r);
  }
}

std::string Client::call(const std::string& command, std::chrono::milliseconds timeout) {
  if (!send_all(command + "\n")) return "<send failed>";
  return recv_line(timeout).value_or("<no reply>");
}

bool Client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
    if (r == 0) return true;
    if (r < 0) return errno == ECONNRESET;
  }
}

}  // namespace swkit::test
