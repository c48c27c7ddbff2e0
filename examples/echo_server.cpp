// The C++ echo server: the demo of the README and the server the benchmark measures.
//   echo_server [--host 127.0.0.1] [--port 9501] [--mode process|base] [--workers 2]
//               [--reactors N] [--dispatch-mode 2] [--pid-file PATH] [--quiet]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

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
    s.send(fd, data);
  });
  return server.start() ? 0 : 1;
}
