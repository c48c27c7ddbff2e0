// Stream framing for TCP connections: none (each read is one message), length-prefixed
// (open_length_check) or delimiter-terminated (open_eof_check), with Swoole's semantics.
#pragma once

#include <string_view>

#include "config.h"

namespace swkit::detail {

struct FrameResult {
  size_t length = 0;  // bytes of the first complete packet; 0 = need more data
  int error = 0;      // kErrPackageLengthTooLarge: refuse the connection
};

// Looks at the start of buf (bytes received and not yet dispatched).
FrameResult next_frame(const Config& cfg, std::string_view buf);

}  // namespace swkit::detail
