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

// Where the admin endpoint listens (the admin_server setting): a unix socket or a loopback TCP
// address, nothing else.
struct AdminAddress {
  bool unix_socket = true;
  std::string path;  // unix socket
  std::string host;  // TCP: 127.0.0.1, ::1 or localhost
  int port = 0;
};
// Parses "unix" (the socket beside pid_file), "unix:/abs/path", "127.0.0.1:PORT",
// "[::1]:PORT" or "localhost:PORT". Throws ConfigError naming the key and the accepted forms.
AdminAddress parse_admin_server(const std::string& value, const std::string& pid_file);
// The admin socket that goes with a pid file: "/run/app.pid" -> "/run/app.admin.sock" (swctl
// --pid-file looks there).
std::string admin_socket_beside(const std::string& pid_file);

}  // namespace swkit
