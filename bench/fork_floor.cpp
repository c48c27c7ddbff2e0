// The floor under a worker replacement on this machine: fork(), _exit() in the child, waitpid()
// in the parent, for a tiny process. Prints microseconds per cycle.
//   fork_floor [--cycles 500]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  int cycles = 500;
  if (argc == 3 && std::string(argv[1]) == "--cycles") cycles = std::stoi(argv[2]);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < cycles; i++) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fork_exit_wait_us=%.1f\n", us / cycles);
  return 0;
}
