// Closed-loop TCP echo load generator: C connections, each keeping K messages of S bytes in
// flight; every echoed message is timed. Prints one line of key=value results.
//   loadgen --port P [--host 127.0.0.1] [--connections 50] [--size 64] [--inflight 1]
//           [--duration 5] [--warmup 1]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  std::deque<Clock::time_point> sent;  // send times of messages in flight
  size_t received = 0;                 // bytes of the current reply received
};

void die(const char* what) {
  std::fprintf(stderr, "loadgen: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0, connections = 50, inflight = 1;
  size_t size = 64;
  double duration = 5, warmup = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--host")
      host = v;
    else if (k == "--port")
      port = std::atoi(v);
    else if (k == "--connections")
      connections = std::atoi(v);
    else if (k == "--size")
      size = std::strtoul(v, nullptr, 10);
    else if (k == "--inflight")
      inflight = std::atoi(v);
    else if (k == "--duration")
      duration = std::atof(v);
    else if (k == "--warmup")
      warmup = std::atof(v);
    else {
      std::fprintf(stderr, "loadgen: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (port <= 0 || connections <= 0 || size == 0 || inflight <= 0) {
    std::fprintf(stderr, "loadgen: --port is required; counts must be positive\n");
    return 2;
  }

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  const int ep = epoll_create1(0);
  std::vector<Conn> conns(connections);
  const std::string msg(size, 'm');
  for (int i = 0; i < connections; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns[i].fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  auto send_one = [&](Conn& c) {
    // Messages are small; a blocking send of one is fine on loopback.
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t n = send(c.fd, msg.data() + off, msg.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        die("send");
      }
      off += n;
    }
    c.sent.push_back(Clock::now());
  };
  for (auto& c : conns) {
    for (int k = 0; k < inflight; k++) send_one(c);
  }

  const auto start = Clock::now();
  const auto measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  const auto end = measure_from + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(duration));
  std::vector<double> latencies_us;
  latencies_us.reserve(4 << 20);
  uint64_t completed = 0;
  std::vector<char> buf(1 << 16);
  epoll_event events[256];
  for (;;) {
    const auto now = Clock::now();
    if (now >= end) break;
    const int n = epoll_wait(ep, events, 256, 100);
    for (int e = 0; e < n; e++) {
      Conn& c = conns[events[e].data.u32];
      ssize_t r = recv(c.fd, buf.data(), buf.size(), 0);
      if (r <= 0) {
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        std::fprintf(stderr, "loadgen: connection closed by the server\n");
        return 1;
      }
      c.received += r;
      while (c.received >= size && !c.sent.empty()) {
        c.received -= size;
        const auto t = Clock::now();
        if (t >= measure_from && t < end) {
          latencies_us.push_back(
              std::chrono::duration<double, std::micro>(t - c.sent.front()).count());
          completed++;
        }
        c.sent.pop_front();
        send_one(c);
      }
    }
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    if (latencies_us.empty()) return 0.0;
    return latencies_us[std::min(latencies_us.size() - 1,
                                 static_cast<size_t>(p * latencies_us.size()))];
  };
  std::printf(
      "msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f messages=%llu connections=%d size=%zu "
      "inflight=%d\n",
      completed / duration, pct(0.50), pct(0.99), static_cast<unsigned long long>(completed),
      connections, size, inflight);
  for (auto& c : conns) close(c.fd);
  return 0;
}
