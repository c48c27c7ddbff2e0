// Task benchmark (issue 4): taskwait round trips with an empty onTask (the seed: 100,000 take
// about 1 s, 10 µs each), task() throughput with onFinish, and sendMessage throughput, all
// between one event worker and one task worker. Prints one line of key=value results.
//   task_bench [--calls 100000] [--tasks 200000] [--messages 200000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "swkit/server.h"

namespace {
using Clock = std::chrono::steady_clock;
double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}
}  // namespace

int main(int argc, char** argv) {
  long calls = 100000, tasks = 200000, messages = 200000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const long v = std::stol(argv[i + 1]);
    if (k == "--calls")
      calls = v;
    else if (k == "--tasks")
      tasks = v;
    else if (k == "--messages")
      messages = v;
  }
  swkit::Server server("127.0.0.1", 0, swkit::Mode::Process);
  server.set({{"worker_num", 1LL}, {"task_worker_num", 1LL}, {"log_level", 4LL}});
  server.on("receive", [](swkit::Server&, swkit::SessionId, int, std::string_view) {});
  server.on("task",
            [](swkit::Server&, swkit::TaskId, int, std::string_view) -> std::optional<std::string> {
              return std::string();
            });

  // State of the event worker's run (one process, one thread).
  static Clock::time_point phase_start;
  static long finished = 0;
  static double task_rate = 0, message_rate = 0;
  static std::vector<double> waits;
  static long received = 0;  // in the task worker

  auto report_and_stop = [](swkit::Server& s) {
    // The seed's figure is the total: 100,000 calls in about 1 s.
    const double total_s = std::accumulate(waits.begin(), waits.end(), 0.0) / 1e6;
    std::sort(waits.begin(), waits.end());
    std::printf(
        "taskwait_median_us=%.2f taskwait_p99_us=%.2f taskwait_calls=%zu taskwait_total_s=%.3f "
        "task_per_s=%.0f sendmessage_per_s=%.0f\n",
        waits[waits.size() / 2], waits[waits.size() * 99 / 100], waits.size(), total_s, task_rate,
        message_rate);
    std::fflush(stdout);
    s.shutdown();
  };
  server.on("finish", [tasks, messages](swkit::Server& s, swkit::TaskId, std::string_view) {
    if (++finished == tasks) {
      task_rate = tasks / (us_since(phase_start) / 1e6);
      // Phase 3: sendMessage to the task worker; it answers once it has counted them all.
      phase_start = Clock::now();
      for (long i = 0; i < messages; i++) s.sendMessage("m", 1);
    }
  });
  server.on("pipeMessage",
            [messages, report_and_stop](swkit::Server& s, int src, std::string_view msg) {
              if (s.isTaskWorker()) {
                if (++received == messages) s.sendMessage("done", src);
                return;
              }
              if (msg == "done") {
                message_rate = messages / (us_since(phase_start) / 1e6);
                report_and_stop(s);
              }
            });
  server.on("workerStart", [calls, tasks](swkit::Server& s, int id) {
    if (id != 0) return;
    s.after(200, [&s, calls, tasks](int64_t) {
      // Phase 1: blocking taskwait round trips.
      waits.reserve(calls);
      for (long i = 0; i < calls; i++) {
        const auto t = Clock::now();
        if (!s.taskwait("", 1.0)) {
          std::fprintf(stderr, "taskwait %ld failed: %d\n", i, s.getLastError());
          s.shutdown();
          return;
        }
        waits.push_back(us_since(t));
      }
      // Phase 2: task() throughput, finished when every onFinish has arrived.
      phase_start = Clock::now();
      for (long i = 0; i < tasks; i++) s.task("");
    });
  });
  return server.start() ? 0 : 1;
}
