// Echo through real processes and sockets, in PROCESS and BASE modes: small and large payloads
// byte-exact, and many connections at once.
#include <catch2/catch.hpp>

#include <random>

#include "test_support.h"

using namespace swkit;
using namespace swkit::test;

namespace {

void raw_echo(Server& s, const EventChannel&) {
  s.on("receive",
       [](Server& srv, SessionId fd, int, std::string_view data) { srv.send(fd, data); });
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

std::string join_ints(const std::vector<int>& v) {
  std::string out;
  for (int i : v) out += std::to_string(i) + " ";
  return out;
}

std::string length_prefixed(const std::string& body) {
  const uint32_t n = static_cast<uint32_t>(body.size());
  std::string out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  return out + body;
}

}  // namespace

TEST_CASE("echo without framing", "[echo]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", 2LL}, {"open_eof_check", false}},
                        .customize = raw_echo});
  Client c(server.port());
  REQUIRE(c.send_all("hello"));
  CHECK(c.recv_exact(5) == "hello");
  REQUIRE(c.send_all("x"));
  CHECK(c.recv_exact(1) == "x");
}

TEST_CASE("payloads of 1 B, 64 KiB, 4 MiB and 16 MiB echo byte-exact", "[echo][large]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  const Settings settings = {{"worker_num", 2LL},
                             {"open_eof_check", false},
                             {"open_length_check", true},
                             {"package_length_type", "N"},
                             {"package_length_offset", 0LL},
                             {"package_body_offset", 4LL},
                             {"package_max_length", 32LL << 20},
                             {"buffer_output_size", 32LL << 20},
                             {"socket_buffer_size", 64LL << 20}};
  ServerProcess server({.mode = mode, .settings = settings, .customize = raw_echo});
  Client c(server.port());
  uint32_t seed = 1;
  for (size_t size : {size_t{1}, size_t{64} << 10, size_t{4} << 20, size_t{16} << 20}) {
    INFO("payload " << size);
    const std::string packet = length_prefixed(random_bytes(size, seed++));
    REQUIRE(c.send_all(packet));
    const std::string back = c.recv_exact(packet.size(), 30s);
    REQUIRE(back.size() == packet.size());
    CHECK(back == packet);
  }
}

TEST_CASE("500 concurrent connections are all served", "[echo][concurrency]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode, .settings = {{"worker_num", 2LL}}});
  std::vector<Client> clients;
  clients.reserve(500);
  for (int i = 0; i < 500; i++) clients.emplace_back(server.port());
  for (int i = 0; i < 500; i++) REQUIRE(clients[i].send_all("echo n" + std::to_string(i) + "\n"));
  int ok = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::vector<int> missing;
  for (int i = 0; i < 500; i++) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto line = clients[i].recv_line(std::max(left, 1ms));
    if (line && line->size() > 3 && line->substr(3) == "n" + std::to_string(i)) {
      ok++;
    } else if (missing.size() < 10) {
      missing.push_back(i);
    }
  }
  INFO("first unanswered connections: " << join_ints(missing));
  CHECK(ok == 500);
  // All 500 are connected at once, as the shared stats say.
  Client probe(server.port());
  CHECK(field(probe.call("stats"), "connection_num") == "501");
}

TEST_CASE("a TCP6 server on ::1 echoes and reports the IPv6 peer", "[echo]") {
  const Mode mode = GENERATE(Mode::Process, Mode::Base);
  INFO(mode_name(mode));
  ServerProcess server({.mode = mode,
                        .settings = {{"worker_num", 1LL}},
                        .customize = [](Server&, const EventChannel&) {},
                        .host = "::1",
                        .sock_type = kSockTcp6});
  Client c(server.port(), "::1");
  CHECK(c.call("echo six").substr(3) == "six");
  const std::string info = c.call("info");
  CHECK(field(info, "remote_ip") == "::1");
  CHECK(field(info, "socket_type") == "3");
}
