// PHP values through core's byte-string tasks and messages. Swoole passes a string as is and
// serializes anything else with PHP's serialize(); a tag byte in front says which it was:
//   'S' + bytes          a PHP string
//   'P' + serialize()    any other PHP value
// Bytes without a known tag (sent by C++ code through core) arrive as a PHP string.
#pragma once

#include <string>
#include <string_view>

#include "php_swkit.h"

namespace swkit::php {

// False when the value cannot be serialized (a Closure...): the exception PHP threw is left
// pending for the caller's PHP code.
bool encode_value(zval* value, std::string& out);
// Fills *out (always set: false when the payload cannot be unserialized, with a warning).
void decode_value(std::string_view payload, zval* out);

}  // namespace swkit::php
