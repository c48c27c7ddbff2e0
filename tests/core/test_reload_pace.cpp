// Pacing of rolling reloads under traffic (reload_cpu_percent, reload_pace.h): the pause
// arithmetic, the CPU clocks it reads, and real reloads of an idle server (no pause) and of a
// server under traffic (pauses sized by the CPU each replacement cost, as recorded).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include "reload_pace.h"
#include "test_support.h"

using namespace swkit;
using namespace swkit::test;
using swkit::detail::kMaxStepPauseMs;
using swkit::detail::process_cpu_ns;
using swkit::detail::step_pause_ms;

namespace {

constexpr int64_t kMs = 1000000;

struct Paced {
  int paced_ms = 0;
  std::vector<int> cpu_us;  // per replaced worker, in rolling order
  int failed_requests = 0;
  int requests = 0;
};

// A rolling reload of `workers` event workers at reload_cpu_percent `percent`; with traffic,
// four clients send echo requests until the reload is done.
Paced reload_with(int workers, long long percent, bool traffic, Mode mode = Mode::Process) {
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", static_cast<long long>(workers)},
                                     {"reload_cpu_percent", percent}}});
  server.wait_workers(workers);
  std::optional<EchoTraffic> load;
  if (traffic) {
    load.emplace(server.port(), 4, mode);
    // The reload starts under traffic: the clients have had replies already.
    REQUIRE(eventually([&] { return load->sent() >= 40; }));
  }
  // SIGUSR1, and the end awaited on the event channel: asking the server about the reload
  // while it runs would be traffic too.
  REQUIRE(kill(server.master(), SIGUSR1) == 0);
  const bool finished = server.events().wait_for("afterreload", 15s).has_value();
  Paced p;
  if (load) {
    load->stop();
    p.failed_requests = load->failed();
    p.requests = load->sent();
  }
  REQUIRE(finished);
  const std::string rec = wait_reload_done(server);
  REQUIRE(field(rec, "done") == "1");
  p.paced_ms = std::stoi(field(rec, "paced_ms"));
  for (const auto& w : reload_workers(rec)) p.cpu_us.push_back(std::stoi(w.at(5)));
  return p;
}

}  // namespace

TEST_CASE("a step's pause gives the reload at most its share of one CPU", "[reload_pace]") {
  CHECK(step_pause_ms(3 * kMs, false, 25) == 0);      // no traffic: full speed
  CHECK(step_pause_ms(3 * kMs, true, 100) == 0);      // 100 %: no pacing
  CHECK(step_pause_ms(3 * kMs, true, 25) == 9);       // 3 / (3 + 9) = 25 %
  CHECK(step_pause_ms(3 * kMs + 1, true, 25) == 10);  // rounded up, never above the share
  CHECK(step_pause_ms(2 * kMs, true, 50) == 2);
  CHECK(step_pause_ms(1 * kMs, true, 1) == 99);
  CHECK(step_pause_ms(50 * kMs, true, 25) == kMaxStepPauseMs);  // capped
  CHECK(step_pause_ms(0, true, 25) == 0);                       // nothing measured
}

TEST_CASE("process_cpu_ns reads the CPU time of this process and of a child", "[reload_pace]") {
  const int64_t self = process_cpu_ns(0);
  CHECK(self > 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Burns 30 ms of CPU, then waits to be killed.
    while (process_cpu_ns(0) < 30 * kMs) {
    }
    for (;;) pause();
  }
  // Polls the child's CPU clock until it shows the 30 ms (bounded).
  const bool burned = eventually([&] { return process_cpu_ns(child) >= 30 * kMs; });
  const int64_t child_cpu = process_cpu_ns(child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  CHECK(burned);
  CHECK(child_cpu < 10000 * kMs);
  CHECK(process_cpu_ns(child) == -1);  // reaped: gone
}

TEST_CASE("an idle server reloads without pauses and records each replacement's CPU",
          "[reload_pace][supervisor]") {
  const Paced p = reload_with(3, 10, false);
  CHECK(p.paced_ms == 0);
  REQUIRE(p.cpu_us.size() == 3);
  for (const int us : p.cpu_us) CHECK(us > 0);  // fork, start-up and teardown were measured
}

TEST_CASE("under traffic a rolling reload pauses between steps by the CPU each step cost",
          "[reload_pace][supervisor]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  const Paced p = reload_with(3, 10, true, mode);
  REQUIRE(p.cpu_us.size() == 3);
  // A pause follows each step that saw a request (none after the last), and is what that
  // step's recorded CPU asks for at 10 %: 9 times it, rounded up, at most kMaxStepPauseMs. The
  // record keeps whole µs, so each bound is widened by a ms.
  int64_t most = 0, least_one = kMaxStepPauseMs;
  for (size_t i = 0; i + 1 < p.cpu_us.size(); i++) {
    const int64_t ms = p.cpu_us[i] * 9 / 1000;
    most += std::min<int64_t>(kMaxStepPauseMs, ms + 2);
    least_one = std::min<int64_t>(least_one, std::min<int64_t>(kMaxStepPauseMs, ms));
  }
  CHECK(p.paced_ms > 0);
  CHECK(p.paced_ms >= least_one);
  CHECK(p.paced_ms <= most);
  CHECK(p.failed_requests == 0);  // PROCESS mode: nothing lost across the paced reload
  CHECK(p.requests > 40);
}

TEST_CASE("reload_cpu_percent 100 does not pace, even under traffic", "[reload_pace][supervisor]") {
  const Paced p = reload_with(3, 100, true);
  CHECK(p.paced_ms == 0);
  CHECK(p.failed_requests == 0);
}
