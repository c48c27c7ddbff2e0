// swkit::Loop: timers, descriptor watches and signals of a process that runs no server; run()
// returns when nothing is left.
#include "swkit/loop.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

using namespace swkit;

TEST_CASE("Loop runs timers, watches and signal handlers until none is left", "[loop]") {
  Loop loop;
  CHECK(loop.empty());
  loop.run();  // nothing to do: returns at once

  std::vector<std::string> seen;
  const auto start = std::chrono::steady_clock::now();
  loop.after(30, [&](int64_t) { seen.push_back("after"); });
  int ticks = 0;
  const int64_t tick = loop.tick(5, [&](int64_t id) {
    if (++ticks == 3) loop.clearTimer(id);
  });
  CHECK(tick > 0);
  CHECK(loop.tick(0, [](int64_t) {}) == -1);

  int fds[2];
  REQUIRE(pipe(fds) == 0);
  CHECK(loop.watch(fds[0], false, [&] {
    char c;
    CHECK(::read(fds[0], &c, 1) == 1);
    seen.push_back(std::string("read ") + c);
    loop.unwatch(fds[0]);
  }));
  CHECK_FALSE(loop.watch(fds[0], false, [] {}));  // one watch per fd
  REQUIRE(::write(fds[1], "x", 1) == 1);

  CHECK_FALSE(loop.onSignal(SIGKILL, [](int) {}));
  CHECK(loop.onSignal(SIGUSR1, [&](int signo) {
    seen.push_back("signal " + std::to_string(signo));
    loop.onSignal(SIGUSR1, {});  // removed: the loop can end
  }));
  REQUIRE(::raise(SIGUSR1) == 0);  // blocked now, read from the loop's signalfd

  loop.run();
  CHECK(loop.empty());
  CHECK(ticks == 3);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30));
  REQUIRE(seen.size() == 3);
  CHECK(seen.back() == "after");  // the 30 ms timer is the last thing left
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("Loop::stop ends run with work left", "[loop]") {
  Loop loop;
  const int64_t id = loop.tick(1, [&](int64_t) { loop.stop(); });
  loop.run();
  CHECK_FALSE(loop.empty());
  CHECK(loop.clearTimer(id));
  CHECK_FALSE(loop.clearTimer(id));
  CHECK(loop.empty());
}
