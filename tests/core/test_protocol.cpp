// Stream framing: length-prefixed and delimiter-terminated packets, and the package_max_length
// refusal.
#include <catch2/catch.hpp>

#include "protocol.h"
#include "swkit/errors.h"

using namespace swkit::detail;

TEST_CASE("no framing: every read is one message", "[protocol]") {
  Config cfg;
  CHECK(next_frame(cfg, "abc").length == 3);
}

TEST_CASE("length framing with a big-endian 32-bit header", "[protocol]") {
  Config cfg;
  cfg.open_length_check = true;
  cfg.package_length_type = 'N';
  cfg.package_length_offset = 0;
  cfg.package_body_offset = 4;
  const std::string pkt = std::string("\0\0\0\5", 4) + "hello" + "trailing";
  CHECK(next_frame(cfg, std::string_view(pkt).substr(0, 3)).length == 0);  // header incomplete
  CHECK(next_frame(cfg, std::string_view(pkt).substr(0, 8)).length == 0);  // body incomplete
  CHECK(next_frame(cfg, pkt).length == 9);
}

TEST_CASE("length framing: other codes and an offset header", "[protocol]") {
  Config cfg;
  cfg.open_length_check = true;
  cfg.package_length_type = 'v';  // little-endian 16-bit
  cfg.package_length_offset = 2;
  cfg.package_body_offset = 4;
  const std::string pkt = std::string("AB\x03\x00", 4) + "xyz";
  CHECK(next_frame(cfg, pkt).length == 7);
  cfg.package_length_type = 'C';
  cfg.package_length_offset = 0;
  cfg.package_body_offset = 1;
  CHECK(next_frame(cfg, std::string("\x02hi", 3)).length == 3);
}

TEST_CASE("length framing refuses a package over package_max_length", "[protocol]") {
  Config cfg;
  cfg.open_length_check = true;
  cfg.package_length_type = 'N';
  cfg.package_body_offset = 4;
  cfg.package_max_length = 1024;
  const auto r = next_frame(cfg, std::string("\0\0\x10\0", 4));  // 4096-byte body
  CHECK(r.length == 0);
  CHECK(r.error == swkit::kErrPackageLengthTooLarge);
}

TEST_CASE("eof framing splits on the delimiter and bounds the buffer", "[protocol]") {
  Config cfg;
  cfg.open_eof_check = true;
  cfg.package_eof = "\r\n";
  CHECK(next_frame(cfg, "GET\r\nrest").length == 5);
  CHECK(next_frame(cfg, "partial").length == 0);
  cfg.package_max_length = 8;
  CHECK(next_frame(cfg, "0123456789").error == swkit::kErrPackageLengthTooLarge);
}
