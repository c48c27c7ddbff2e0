// examples/echo_server, the binary the README's demo runs, started the way an operator starts
// it: in a process group of its own, it echoes byte-exact, and Ctrl-C (SIGINT to the group)
// leaves no process of that group behind.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "test_support.h"

#ifndef ECHO_SERVER_PATH
#error "tests/CMakeLists.txt passes the path of examples/echo_server as ECHO_SERVER_PATH"
#endif

using namespace swkit::test;

namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// A port nobody listens on right now: the kernel's pick, released again.
int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("free_port: no socket");
  }
  close(s);
  return ntohs(addr.sin_port);
}

// echo_server in a process group of its own, its stdout on a pipe. If the test ends early the
// group is killed and the master reaped.
class EchoServerProcess {
 public:
  explicit EchoServerProcess(int port) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::fflush(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // kept across exec: a dead test runner takes it along
      dup2(out[1], STDOUT_FILENO);
      const std::string p = std::to_string(port);
      execl(ECHO_SERVER_PATH, "echo_server", "--port", p.c_str(), "--workers", "2", "--mode",
            "process", static_cast<char*>(nullptr));
      _exit(127);
    }
    setpgid(pid_, pid_);
    ::close(out[1]);
    out_ = out[0];
  }
  ~EchoServerProcess() {
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!eventually([this] { return pids_in_group(pid_).empty(); }, 5s)) kill(-pid_, SIGKILL);
    ::close(out_);
  }
  EchoServerProcess(const EchoServerProcess&) = delete;
  EchoServerProcess& operator=(const EchoServerProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The next line the server prints on stdout, or nullopt when it exits or says nothing in time.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffered_.find('\n'); nl != std::string::npos) {
        std::string line = buffered_.substr(0, nl);
        buffered_.erase(0, nl + 1);
        return line;
      }
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, remaining_ms(deadline)) <= 0) return std::nullopt;
      char buf[512];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffered_.append(buf, static_cast<size_t>(n));
    }
  }

  // The master's wait status once it has exited, or nullopt after timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return status;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  std::string buffered_;
};
}  // namespace

TEST_CASE("examples/echo_server echoes byte-exact and Ctrl-C leaves no process of its group",
          "[example]") {
  // A port picked then released can be taken by someone else before the server binds it: then
  // the server exits at once, and another port is tried.
  std::unique_ptr<EchoServerProcess> server;
  std::optional<std::string> banner;
  int port = 0;
  for (int attempt = 0; attempt < 3 && !banner; attempt++) {
    server.reset();
    port = free_port();
    server = std::make_unique<EchoServerProcess>(port);
    banner = server->read_line(10s);
  }
  REQUIRE(banner);
  INFO(*banner);
  CHECK(banner->find("127.0.0.1:" + std::to_string(port) + ",") != std::string::npos);
  CHECK(banner->find("master pid " + std::to_string(server->pid())) != std::string::npos);
  const pid_t group = server->pid();
  // master, spawner, manager and the 2 workers, all in the group Ctrl-C signals
  CHECK(eventually([&] { return pids_in_group(group).size() == 5; }, 5s));
  const auto tree = pids_in_group(group);

  Client c(port);
  std::string line;
  for (int b = 0; b < 256; b++) {
    if (b != '\n') line += static_cast<char>(b);
  }
  line += '\n';
  REQUIRE(c.send_all(line));
  CHECK(c.recv_exact(line.size(), 5s) == line);

  REQUIRE(kill(-group, SIGINT) == 0);
  const auto status = server->wait_exit(10s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  CHECK(c.wait_closed(5s));
  CHECK(eventually([&] { return pids_in_group(group).empty(); }, 10s));
  for (pid_t pid : tree) CHECK_FALSE(pid_alive(pid));
}
