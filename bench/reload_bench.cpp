// Reload benchmark server: an echo server whose user process drives reloads.
//   reload_bench --port P [--workers 4] [--reloads N]   N rolling reloads one after another;
//                                                        prints their durations, then stops
//   reload_bench --port P [--workers 4] --reload-loop   back-to-back reloads until SIGTERM,
//                                                        counting them in --count-file: each
//                                                        reload's onAfterReload (in the manager)
//                                                        starts the next one
//   reload_bench --port P [--workers 4]                 plain echo (the steady state)
//   --interval-ms MS: with --reload-loop, a pause between one reload's end and the next
//   --reload-nice N: the reload_nice setting (default: the server's default)
//   --reload-cpu-percent N: the reload_cpu_percent setting (default: the server's default)
//   --log-file F: with chained --reload-loop, one line per reload: id, start (wall clock, s),
//                 duration in ms, pauses between its steps in ms (paced_ms), mean CPU per
//                 replaced worker in ms
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "swkit/server.h"

namespace {

// Waits for reload `id` to finish: every worker runs in generation `id` (a cheap read of the
// worker slots; getReloads() copies the whole history). Returns the transaction's duration in
// ms from its record, or -1 after 10 s.
double wait_done(swkit::Server& s, uint32_t id, int workers) {
  for (int i = 0; i < 10000; i++) {
    bool all = true;
    for (int w = 0; w < workers && all; w++) {
      const auto info = s.getWorkerInfo(w);
      all = info && info->generation == id && info->state == "RUNNING";
    }
    if (all) {
      for (int j = 0; j < 1000; j++) {
        const auto r = s.getReloads();
        if (!r.empty() && r.back().id == id && r.back().done) {
          return (r.back().finished_at - r.back().started_at) * 1000;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, workers = 4, reloads = 0, interval_ms = 0, reload_nice = -1, cpu_percent = -1;
  bool loop = false;
  std::string count_file, log_file;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--port")
      port = std::stoi(next());
    else if (a == "--workers")
      workers = std::stoi(next());
    else if (a == "--reloads")
      reloads = std::stoi(next());
    else if (a == "--reload-loop")
      loop = true;
    else if (a == "--count-file")
      count_file = next();
    else if (a == "--interval-ms")
      interval_ms = std::stoi(next());
    else if (a == "--reload-nice")
      reload_nice = std::stoi(next());
    else if (a == "--reload-cpu-percent")
      cpu_percent = std::stoi(next());
    else if (a == "--log-file")
      log_file = next();
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  swkit::Server server("127.0.0.1", port, swkit::Mode::Process);
  server.set({{"worker_num", static_cast<long long>(workers)}, {"log_level", 4LL}});
  if (reload_nice >= 0) server.set({{"reload_nice", static_cast<long long>(reload_nice)}});
  if (cpu_percent >= 0) {
    server.set({{"reload_cpu_percent", static_cast<long long>(cpu_percent)}});
  }
  server.on("receive",
            [](swkit::Server& s, swkit::SessionId fd, int, std::string_view d) { s.send(fd, d); });
  const bool chained = loop && interval_ms == 0;
  if (chained) {
    server.on("afterReload", [count_file, log_file](swkit::Server& s) {
      const swkit::ReloadInfo r = s.getReloads().back();
      const uint32_t id = r.id;
      if (!count_file.empty()) std::ofstream(count_file) << id << "\n";
      if (!log_file.empty()) {
        double cpu_ms = 0;
        for (const auto& w : r.workers) cpu_ms += w.cpu_us / 1000.0;
        std::ofstream(log_file, std::ios::app)
            << id << " " << std::fixed << r.started_at << " "
            << (r.finished_at - r.started_at) * 1000 << " " << r.paced_ms << " "
            << cpu_ms / std::max<size_t>(1, r.workers.size()) << "\n";
      }
      s.reload();
    });
    server.addProcess([](swkit::Server& s, int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the workers start
      s.reload();
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    });
  } else if (reloads > 0 || loop) {
    server.addProcess([reloads, loop, count_file, workers, interval_ms](swkit::Server& s, int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the workers start
      std::vector<double> ms;
      for (uint32_t id = 1; loop || static_cast<int>(id) <= reloads; id++) {
        while (!s.reload()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const double d = wait_done(s, id, workers);
        if (d < 0) {
          std::fprintf(stderr, "reload %u did not finish\n", id);
          break;
        }
        ms.push_back(d);
        if (!count_file.empty()) std::ofstream(count_file) << id << "\n";
        if (interval_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
      }
      if (!loop) {
        std::sort(ms.begin(), ms.end());
        std::printf("reloads=%zu median_ms=%.1f p90_ms=%.1f max_ms=%.1f\n", ms.size(),
                    ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
        std::fflush(stdout);
        s.shutdown();
      }
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    });
  }
  return server.start() ? 0 : 1;
}
