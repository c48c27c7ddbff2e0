// Test helpers for the admin endpoint: a server with the endpoint attached, and an HTTP client
// over its unix socket (or loopback TCP) that parses the {"code","data"} envelope.
#pragma once

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "swkit/admin.h"
#include "test_support.h"

namespace swkit::test {

using nlohmann::json;

struct Reply {
  int status = 0;  // 0: no answer
  json body;
  std::string text;
};

class AdminClient {
 public:
  // A unix socket path, or "127.0.0.1:PORT".
  explicit AdminClient(std::string where, std::string token = "")
      : where_(std::move(where)), token_(std::move(token)) {}

  Reply get(const std::string& path) { return call("GET", path, ""); }
  Reply post(const std::string& path, const std::string& body = "{}") {
    return call("POST", path, body);
  }
  Reply call(const std::string& method, const std::string& path, const std::string& body) {
    std::unique_ptr<httplib::Client> cli;
    if (!where_.empty() && where_[0] == '/') {
      cli = std::make_unique<httplib::Client>(where_);
      cli->set_address_family(AF_UNIX);
    } else {
      cli = std::make_unique<httplib::Client>("http://" + where_);
    }
    cli->set_connection_timeout(5, 0);
    cli->set_read_timeout(30, 0);
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    httplib::Result r = method == "GET" ? cli->Get(path, headers)
                                        : cli->Post(path, headers, body, "application/json");
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    headers_ = r->headers;
    return out;
  }
  std::string last_header(const std::string& key) const {
    auto it = headers_.find(key);
    return it == headers_.end() ? "" : it->second;
  }

 private:
  std::string where_;
  std::string token_;
  httplib::Headers headers_;
};

// A temp path unique to this test process.
inline std::string temp_path(const std::string& name) {
  return "/tmp/swkit-test-" + std::to_string(getpid()) + "-" + name;
}

// Options for a server with the admin endpoint on a unix socket; extra customization after.
inline ServerOptions admin_options(const std::string& socket, Settings extra = {},
                                   std::function<void(Server&, const EventChannel&)> more = {}) {
  ServerOptions o;
  o.settings = {{"worker_num", 2LL}, {"admin_server", "unix:" + socket}};
  for (auto& [k, v] : extra) o.settings[k] = v;
  o.customize = [more](Server& s, const EventChannel& ev) {
    if (more) more(s, ev);
    admin::attach(s);
  };
  return o;
}

}  // namespace swkit::test
