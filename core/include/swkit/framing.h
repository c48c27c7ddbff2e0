// The length field of length-framed packets (open_length_check), shared by the server's stream
// framing and clients that speak the same framing (php-ext's Swoole\Client).
#pragma once

namespace swkit {

// Size in bytes of a package_length_type code (PHP pack() codes c C s S n v l L N V), 0 if the
// code is unknown.
int length_type_size(char type);

// Decodes a length field of that type at p (length_type_size(type) bytes): s/S/l/L in host
// order, n/N big endian, v/V little endian. -1 for an unknown code.
long long decode_length(char type, const unsigned char* p);

}  // namespace swkit
