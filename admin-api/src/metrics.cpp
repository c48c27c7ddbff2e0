// /metrics: the server's counters and each process's supervisor view in Prometheus text format.
#include <cstdio>
#include <sstream>

#include "views.h"

namespace swkit::admin {

namespace {

class Writer {
 public:
  // One family: HELP and TYPE once, then its samples.
  Writer& family(const char* name, const char* type, const char* help) {
    out_ << "# HELP swkit_" << name << ' ' << help << "\n# TYPE swkit_" << name << ' ' << type
         << '\n';
    name_ = name;
    return *this;
  }
  Writer& sample(double value, const std::string& labels = "") {
    out_ << "swkit_" << name_;
    if (!labels.empty()) out_ << '{' << labels << '}';
    // Integral values in full (a Unix time must not become 1.79e+09), others with 17 digits.
    char buf[64];
    if (value == static_cast<double>(static_cast<long long>(value))) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
    } else {
      std::snprintf(buf, sizeof buf, "%.17g", value);
    }
    out_ << ' ' << buf << '\n';
    return *this;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::string name_;
};

std::string label_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_metrics(const Server& server, CpuTracker& cpu) {
  const ServerStats st = server.stats();
  const json procs = process_list(server, cpu);
  const auto reloads = server.getReloads();
  Writer w;
  w.family("up", "gauge", "1 while the master answers.").sample(1);
  w.family("ready", "gauge", "1 when every event worker runs and no reload or shutdown is on.")
      .sample(server.notReadyReason().empty() ? 1 : 0);
  w.family("start_time_seconds", "gauge", "When the server started (Unix time).")
      .sample(static_cast<double>(st.start_time));
  w.family("connections", "gauge", "Connections open now.")
      .sample(static_cast<double>(st.connection_num));
  w.family("accepted_connections_total", "counter", "Connections accepted.")
      .sample(static_cast<double>(st.accept_count));
  w.family("closed_connections_total", "counter", "Connections closed.")
      .sample(static_cast<double>(st.close_count));
  w.family("aborted_connections_total", "counter", "Connections aborted.")
      .sample(static_cast<double>(st.abort_count));
  w.family("requests_total", "counter", "Receive callbacks that returned.")
      .sample(static_cast<double>(st.request_count));
  w.family("responses_total", "counter", "Responses sent.")
      .sample(static_cast<double>(st.response_count));
  w.family("dispatched_total", "counter", "Packets dispatched to workers.")
      .sample(static_cast<double>(st.dispatch_count));
  w.family("received_bytes_total", "counter", "Bytes received from clients.")
      .sample(static_cast<double>(st.total_recv_bytes));
  w.family("sent_bytes_total", "counter", "Bytes sent to clients.")
      .sample(static_cast<double>(st.total_send_bytes));
  w.family("workers", "gauge", "Configured processes by kind.")
      .sample(static_cast<double>(st.worker_num), "kind=\"event\"")
      .sample(static_cast<double>(st.task_worker_num), "kind=\"task\"")
      .sample(static_cast<double>(st.user_worker_num), "kind=\"user\"");
  w.family("idle_workers", "gauge", "Idle processes by kind.")
      .sample(static_cast<double>(st.idle_worker_num), "kind=\"event\"")
      .sample(static_cast<double>(st.task_idle_worker_num), "kind=\"task\"");
  w.family("tasks_total", "counter", "Tasks started by task workers.")
      .sample(static_cast<double>(st.task_count));
  w.family("tasks_in_flight", "gauge", "Tasks sent and not started yet.")
      .sample(static_cast<double>(st.tasking_num));
  w.family("task_queue_bytes", "gauge", "Bytes of tasks sent and not started yet.")
      .sample(static_cast<double>(st.task_queue_bytes));
  w.family("reloads_total", "counter", "Reload transactions started.")
      .sample(reloads.empty() ? 0 : static_cast<double>(reloads.back().id));
  uint32_t running = 0;
  for (const auto& r : reloads) {
    if (!r.done) running = r.id;
  }
  w.family("reload_running", "gauge", "Id of the reload in progress, 0 when none.")
      .sample(static_cast<double>(running));

  struct PerProcess {
    const char* name;
    const char* type;
    const char* help;
    const char* field;
    double scale;
  };
  const PerProcess per[] = {
      {"process_up", "gauge", "1 when the process is RUNNING.", nullptr, 1},
      {"process_requests_total", "counter", "Requests handled by the current process.", "requests",
       1},
      {"process_respawns_total", "counter", "Times the slot's process was started again.",
       "respawns", 1},
      {"process_resident_memory_bytes", "gauge", "Resident memory.", "rss_bytes", 1},
      {"process_cpu_seconds_total", "counter", "User and system CPU time.", "cpu_seconds", 1},
  };
  for (const auto& m : per) {
    w.family(m.name, m.type, m.help);
    for (const auto& p : procs) {
      const std::string labels = "name=\"" + label_escape(p["name"].get<std::string>()) +
                                 "\",kind=\"" + label_escape(p["kind"].get<std::string>()) + "\"";
      const double v = m.field ? p[m.field].get<double>()
                               : (p["state"].get<std::string>() == "RUNNING" ? 1.0 : 0.0);
      w.sample(v * m.scale, labels);
    }
  }
  return w.str();
}

}  // namespace swkit::admin
