// The C++ echo server: the demo of the README and the server the benchmark measures.
//   echo_server [--host 127.0.0.1] [--port 9501] [--mode process|base] [--workers 2]
//               [--reactors N] [--dispatch-mode 2] [--task-workers N] [--pid-file PATH]
//               [--admin unix|unix:/path|127.0.0.1:PORT] [--admin-token-file PATH] [--quiet]
// With --task-workers, a line starting "task " is answered by a task worker (through taskwait),
// so that task reloads have something to do.
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "swkit/admin.h"
#include "swkit/server.h"

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 9501;
  swkit::Mode mode = swkit::Mode::Process;
  swkit::Settings settings = {{"worker_num", 2LL}};
  bool quiet = false;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--host")
      host = next();
    else if (arg == "--port")
      port = std::stoi(next());
    else if (arg == "--mode")
      mode = next() == "base" ? swkit::Mode::Base : swkit::Mode::Process;
    else if (arg == "--workers")
      settings["worker_num"] = std::stoll(next());
    else if (arg == "--reactors")
      settings["reactor_num"] = std::stoll(next());
    else if (arg == "--dispatch-mode")
      settings["dispatch_mode"] = std::stoll(next());
    else if (arg == "--task-workers")
      settings["task_worker_num"] = std::stoll(next());
    else if (arg == "--admin")
      settings["admin_server"] = next();
    else if (arg == "--admin-token-file")
      settings["admin_token_file"] = next();
    else if (arg == "--pid-file")
      settings["pid_file"] = next();
    else if (arg == "--quiet")
      quiet = true;
    else {
      std::cerr << "unknown option " << arg << "\n";
      return 2;
    }
  }
  if (quiet) settings["log_level"] = 4LL;

  swkit::Server server(host, port, mode);
  try {
    server.set(settings);
  } catch (const swkit::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  server.on("start", [quiet](swkit::Server& s) {
    if (!quiet) {
      std::printf("echo server on %s:%d, master pid %d, manager pid %d (Ctrl-C stops it)\n",
                  s.host().c_str(), s.port(), s.getMasterPid(), s.getManagerPid());
      std::fflush(stdout);
    }
  });
  server.on("receive", [](swkit::Server& s, swkit::SessionId fd, int, std::string_view data) {
    if (s.stats().task_worker_num > 0 && data.substr(0, 5) == "task ") {
      const auto result = s.taskwait(data.substr(5), 1.0);
      s.send(fd, result ? *result : std::string("task timed out\n"));
      return;
    }
    s.send(fd, data);
  });
  server.on(
      "task",
      [](swkit::Server&, swkit::TaskId, int, std::string_view data) -> std::optional<std::string> {
        return "task worker " + std::to_string(getpid()) + ": " + std::string(data);
      });
  server.on("finish", [](swkit::Server&, swkit::TaskId, std::string_view) {});
  swkit::admin::attach(server);
  return server.start() ? 0 : 1;
}
