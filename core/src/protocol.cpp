#include "protocol.h"

#include <cstdint>
#include <cstring>

#include "swkit/errors.h"
#include "swkit/framing.h"

namespace swkit {

int length_type_size(char type) {
  switch (type) {
    case 'c':
    case 'C':
      return 1;
    case 's':
    case 'S':
    case 'n':
    case 'v':
      return 2;
    case 'l':
    case 'L':
    case 'N':
    case 'V':
      return 4;
    default:
      return 0;
  }
}

long long decode_length(char type, const unsigned char* p) {
  switch (type) {
    case 'c':
      return static_cast<int8_t>(p[0]);
    case 'C':
      return p[0];
    case 's': {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 'S': {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 'n':
      return (p[0] << 8) | p[1];
    case 'v':
      return p[0] | (p[1] << 8);
    case 'l': {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case 'L': {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case 'N':
      return (static_cast<long long>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    case 'V':
      return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<long long>(p[3]) << 24);
    default:
      return -1;
  }
}

namespace detail {

FrameResult next_frame(const Config& cfg, std::string_view buf) {
  FrameResult r;
  switch (cfg.framing()) {
    case Framing::None:
      r.length = buf.size();
      return r;
    case Framing::Length: {
      const size_t size = length_type_size(cfg.package_length_type);
      const size_t need = cfg.package_length_offset + size;
      if (buf.size() < need) {
        // The header is not complete, but the buffer must not grow without bound either.
        if (buf.size() > static_cast<size_t>(cfg.package_max_length)) {
          r.error = kErrPackageLengthTooLarge;
        }
        return r;
      }
      const long long body = decode_length(
          cfg.package_length_type,
          reinterpret_cast<const unsigned char*>(buf.data()) + cfg.package_length_offset);
      if (body < 0) {
        r.error = kErrPackageLengthTooLarge;
        return r;
      }
      const long long total = cfg.package_body_offset + body;
      if (total > cfg.package_max_length || total <= 0) {
        r.error = kErrPackageLengthTooLarge;
        return r;
      }
      if (buf.size() >= static_cast<size_t>(total)) r.length = static_cast<size_t>(total);
      return r;
    }
    case Framing::Eof: {
      const size_t pos = buf.find(cfg.package_eof);
      if (pos != std::string_view::npos) {
        r.length = pos + cfg.package_eof.size();
        if (r.length > static_cast<size_t>(cfg.package_max_length)) {
          r.length = 0;
          r.error = kErrPackageLengthTooLarge;
        }
      } else if (buf.size() > static_cast<size_t>(cfg.package_max_length)) {
        r.error = kErrPackageLengthTooLarge;
      }
      return r;
    }
  }
  return r;
}

}  // namespace detail
}  // namespace swkit
