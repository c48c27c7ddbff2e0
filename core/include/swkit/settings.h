// Server settings: the keys of Swoole's Server::set() that swkit implements.
#pragma once

#include <map>
#include <string>
#include <variant>

namespace swkit {

using SettingValue = std::variant<bool, long long, double, std::string>;
// Keys in the order given; a later set() call merges into the earlier ones, as in Swoole.
using Settings = std::map<std::string, SettingValue>;

// Readable form of a value, for messages and the admin endpoint.
std::string to_string(const SettingValue& v);

}  // namespace swkit
