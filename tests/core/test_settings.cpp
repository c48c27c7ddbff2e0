// set() and on() refuse bad input with a message that names the key and the accepted range.
#include <catch2/catch.hpp>

#include "swkit/server.h"

using swkit::ConfigError;
using swkit::Server;

TEST_CASE("set() refuses an unknown key and names it", "[settings]") {
  Server s("127.0.0.1", 0);
  try {
    s.set({{"worker_nmu", 2LL}});
    FAIL("no error");
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("unknown setting 'worker_nmu'") != std::string::npos);
    CHECK(msg.find("worker_num") != std::string::npos);  // the known keys are listed
  }
}

TEST_CASE("set() refuses out-of-range values with the range", "[settings]") {
  Server s("127.0.0.1", 0);
  CHECK_THROWS_WITH(s.set({{"worker_num", 0LL}}),
                    Catch::Contains("'worker_num' must be an integer in [1, 1024], got 0"));
  CHECK_THROWS_WITH(s.set({{"dispatch_mode", 9LL}}), Catch::Contains("'dispatch_mode' must be"));
  CHECK_THROWS_WITH(s.set({{"backlog", 70000LL}}), Catch::Contains("[1, 65535]"));
  CHECK_THROWS_WITH(s.set({{"log_level", -1LL}}), Catch::Contains("'log_level'"));
  CHECK_THROWS_WITH(s.set({{"reload_nice", 20LL}}),
                    Catch::Contains("'reload_nice' must be an integer in [0, 19], got 20"));
  CHECK_THROWS_WITH(s.set({{"reload_cpu_percent", 0LL}}),
                    Catch::Contains("'reload_cpu_percent' must be an integer in [1, 100], got 0"));
  CHECK_THROWS_WITH(s.set({{"reload_cpu_percent", 101LL}}),
                    Catch::Contains("'reload_cpu_percent' must be an integer in [1, 100]"));
  CHECK_THROWS_WITH(s.set({{"package_length_type", "X"}}),
                    Catch::Contains("one of c C s S n v l L N V"));
}

TEST_CASE("set() refuses values of the wrong type", "[settings]") {
  Server s("127.0.0.1", 0);
  CHECK_THROWS_WITH(s.set({{"worker_num", "four"}}), Catch::Contains("got \"four\""));
  CHECK_THROWS_WITH(s.set({{"open_tcp_nodelay", "yes"}}), Catch::Contains("a boolean"));
  CHECK_THROWS_WITH(s.set({{"pid_file", 3LL}}), Catch::Contains("a string"));
}

TEST_CASE("set() refuses Swoole settings swkit does not implement instead of ignoring them",
          "[settings]") {
  Server s("127.0.0.1", 0);
  CHECK_THROWS_WITH(s.set({{"open_http_protocol", true}}),
                    Catch::Contains("does not implement yet"));
}

TEST_CASE("a refused set() changes nothing and accepted ones merge", "[settings]") {
  Server s("127.0.0.1", 0);
  s.set({{"worker_num", 3LL}});
  CHECK_THROWS(s.set({{"reactor_num", 2LL}, {"backlog", 0LL}}));
  CHECK(s.setting().count("reactor_num") == 0);
  s.set({{"reactor_num", 2LL}, {"open_tcp_nodelay", true}});
  CHECK(std::get<long long>(s.setting().at("worker_num")) == 3);
  CHECK(std::get<bool>(s.setting().at("open_tcp_nodelay")));
}

TEST_CASE("on() refuses unknown events and handlers of the wrong shape", "[settings]") {
  Server s("127.0.0.1", 0);
  CHECK(s.on("Receive", [](Server&, swkit::SessionId, int, std::string_view) {}));
  CHECK(s.on("WORKERSTART", [](Server&, int) {}));
  CHECK_THROWS_WITH(s.on("receive", [](Server&) {}), Catch::Contains("on('receive')"));
  CHECK_THROWS_WITH(s.on("bogus", [](Server&, int) {}), Catch::Contains("on('bogus')"));
}

TEST_CASE("methods that need a running worker fail with Swoole's code outside one", "[settings]") {
  Server s("127.0.0.1", 0);
  CHECK_FALSE(s.send(1, "x"));
  CHECK(s.getLastError() == swkit::kErrServerSendInMaster);
  CHECK_FALSE(s.close(1));
  CHECK_FALSE(s.exist(1));
  std::vector<swkit::SessionId> ids;
  CHECK_FALSE(s.getClientList(0, 101, ids));
  CHECK(s.getLastError() == swkit::kErrInvalidParams);
  CHECK(s.getWorkerId() == -1);
}

TEST_CASE("start() without onReceive fails at once", "[settings]") {
  Server s("127.0.0.1", 0);
  s.set({{"log_level", 6LL}});
  CHECK_FALSE(s.start());
}

TEST_CASE("admin_server takes a unix socket or a loopback address and nothing else", "[settings]") {
  Server s("127.0.0.1", 0);
  CHECK_NOTHROW(s.set({{"admin_server", "unix:/run/app/admin.sock"}}));
  CHECK_NOTHROW(s.set({{"admin_server", "unix"}}));  // checked against pid_file at start
  CHECK_NOTHROW(s.set({{"admin_server", "127.0.0.1:9502"}}));
  CHECK_NOTHROW(s.set({{"admin_server", "[::1]:9502"}}));
  CHECK_THROWS_WITH(s.set({{"admin_server", "0.0.0.0:9502"}}),
                    Catch::Contains("'admin_server'") && Catch::Contains("loopback only"));
  CHECK_THROWS_WITH(s.set({{"admin_server", "unix:relative.sock"}}),
                    Catch::Contains("must be absolute"));
  CHECK_THROWS_WITH(s.set({{"admin_server", "127.0.0.1:99999"}}), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(s.set({{"admin_server", 9502LL}}), Catch::Contains("'admin_server' must be"));
  CHECK(swkit::admin_socket_beside("/run/app.pid") == "/run/app.admin.sock");
  CHECK(swkit::admin_socket_beside("/run/v1.2/app") == "/run/v1.2/app.admin.sock");
  const swkit::AdminAddress a = swkit::parse_admin_server("unix", "/run/x.pid");
  CHECK(a.unix_socket);
  CHECK(a.path == "/run/x.admin.sock");
  CHECK_THROWS_WITH(swkit::parse_admin_server("unix", ""), Catch::Contains("needs pid_file"));
}

TEST_CASE("start() refuses an admin endpoint that is not attached or lacks a token on TCP",
          "[settings]") {
  {
    Server s("127.0.0.1", 0);
    s.on("receive", [](Server&, swkit::SessionId, int, std::string_view) {});
    s.set({{"admin_server", "unix:/tmp/swkit-unattached.sock"}});
    CHECK_FALSE(s.start());
    CHECK(s.getLastError() == swkit::kErrInvalidParams);
  }
  {
    Server s("127.0.0.1", 0);
    s.on("receive", [](Server&, swkit::SessionId, int, std::string_view) {});
    s.set({{"admin_server", "127.0.0.1:9502"}});
    CHECK_THROWS_WITH(s.start(), Catch::Contains("'admin_token_file' is required"));
  }
}
