// The floor under taskwait on this machine: two processes passing one 48-byte datagram back and
// forth over a SOCK_DGRAM socketpair, the replier in epoll, the caller blocking or polling.
//   ipc_pingpong [--rounds 100000]
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// mode 0: caller blocks, replier sleeps in epoll; 1: caller polls; 2: both poll.
double median_round_trip(int mode, int rounds) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  const pid_t pid = fork();
  if (pid == 0) {
    const int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
    char b[64];
    for (;;) {
      const ssize_t n = recv(sv[1], b, sizeof b, MSG_DONTWAIT);
      if (n <= 0) {
        if (mode == 2) continue;
        epoll_wait(ep, &ev, 1, -1);
        continue;
      }
      if (b[0] == 'q') _exit(0);
      send(sv[1], b, n, 0);
    }
  }
  std::vector<double> us(rounds);
  char b[64] = "x";
  for (int i = 0; i < rounds; i++) {
    const auto t = Clock::now();
    send(sv[0], b, 48, 0);
    if (mode == 0) {
      recv(sv[0], b, sizeof b, 0);
    } else {
      while (recv(sv[0], b, sizeof b, MSG_DONTWAIT) < 0) {
      }
    }
    us[i] = std::chrono::duration<double, std::micro>(Clock::now() - t).count();
  }
  b[0] = 'q';
  send(sv[0], b, 1, 0);
  waitpid(pid, nullptr, 0);
  close(sv[0]);
  close(sv[1]);
  std::sort(us.begin(), us.end());
  return us[rounds / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 100000;
  if (argc == 3 && std::string(argv[1]) == "--rounds") rounds = std::stoi(argv[2]);
  std::printf("pingpong_block_us=%.2f pingpong_caller_polls_us=%.2f pingpong_both_poll_us=%.2f\n",
              median_round_trip(0, rounds), median_round_trip(1, rounds),
              median_round_trip(2, rounds));
  return 0;
}
