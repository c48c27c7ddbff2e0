// The JSON views of the server that several routes (and /metrics) share; the schemas are in
// admin-api/README.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "proc_stat.h"
#include "swkit/server.h"

namespace swkit::admin {

using nlohmann::json;

json stats_json(const ServerStats& st);
json settings_json(const Server& server);
json reload_json(const ReloadInfo& r);
json client_json(SessionId sid, const ClientInfo& info);
// The master, the manager, then every event worker, task worker and user process (Process).
json process_list(const Server& server, CpuTracker& cpu);
json status_json(const Server& server);

// Prometheus text format 0.0.4.
std::string render_metrics(const Server& server, CpuTracker& cpu);

}  // namespace swkit::admin
