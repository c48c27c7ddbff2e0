#include "views.h"

#include <unistd.h>

#include <variant>

namespace swkit::admin {

json stats_json(const ServerStats& st) {
  return {{"start_time", st.start_time},
          {"connection_num", st.connection_num},
          {"abort_count", st.abort_count},
          {"accept_count", st.accept_count},
          {"close_count", st.close_count},
          {"worker_num", st.worker_num},
          {"task_worker_num", st.task_worker_num},
          {"user_worker_num", st.user_worker_num},
          {"idle_worker_num", st.idle_worker_num},
          {"dispatch_count", st.dispatch_count},
          {"request_count", st.request_count},
          {"response_count", st.response_count},
          {"total_recv_bytes", st.total_recv_bytes},
          {"total_send_bytes", st.total_send_bytes},
          {"pipe_packet_msg_id", st.pipe_packet_msg_id},
          {"concurrency", st.concurrency},
          {"session_round", st.session_round},
          {"min_fd", st.min_fd},
          {"max_fd", st.max_fd},
          {"worker_request_count", st.worker_request_count},
          {"worker_response_count", st.worker_response_count},
          {"worker_dispatch_count", st.worker_dispatch_count},
          {"worker_concurrency", st.worker_concurrency},
          {"task_idle_worker_num", st.task_idle_worker_num},
          {"tasking_num", st.tasking_num},
          {"task_queue_num", st.task_queue_num},
          {"task_queue_bytes", st.task_queue_bytes},
          {"task_count", st.task_count},
          {"coroutine_num", st.coroutine_num},
          {"coroutine_peek_num", st.coroutine_peek_num}};
}

json settings_json(const Server& server) {
  json out = json::object();
  for (const auto& [key, value] : server.setting()) {
    std::visit([&](const auto& v) { out[key] = v; }, value);
  }
  out["mode"] = server.mode() == Mode::Process ? "PROCESS" : "BASE";
  out["host"] = server.host();
  out["port"] = server.port();
  out["master_pid"] = server.getMasterPid();
  out["manager_pid"] = server.getManagerPid();
  return out;
}

json reload_json(const ReloadInfo& r) {
  json workers = json::array();
  for (const auto& w : r.workers) {
    workers.push_back({{"id", w.id},
                       {"old_pid", w.old_pid},
                       {"new_pid", w.new_pid},
                       {"drain_ms", w.drain_ms},
                       {"forced", w.forced},
                       {"cpu_us", w.cpu_us}});
  }
  return {{"id", r.id},
          {"trigger", r.trigger},
          {"strategy", r.strategy},
          {"task_only", r.task_only},
          {"done", r.done},
          {"clean", r.done && r.forced == 0},
          {"forced", r.forced},
          {"refused", r.refused},
          {"paced_ms", r.paced_ms},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"workers", workers}};
}

json client_json(SessionId sid, const ClientInfo& c) {
  return {{"session_id", sid},
          {"remote_ip", c.remote_ip},
          {"remote_port", c.remote_port},
          {"server_port", c.server_port},
          {"server_fd", c.server_fd},
          {"socket_fd", c.socket_fd},
          {"socket_type", c.socket_type},
          {"reactor_id", c.reactor_id},
          {"worker_id", c.worker_id},
          {"connect_time", c.connect_time},
          {"last_time", c.last_time},
          {"last_recv_time", c.last_recv_time},
          {"last_send_time", c.last_send_time},
          {"last_dispatch_time", c.last_dispatch_time},
          {"close_errno", c.close_errno},
          {"recv_queued_bytes", c.recv_queued_bytes},
          {"send_queued_bytes", c.send_queued_bytes}};
}

namespace {

json process_row(std::string name, int id, const char* kind, pid_t pid, std::string state,
                 std::string status, CpuTracker& cpu) {
  const ProcSample p = read_proc(pid);
  if (pid > 0 && (!p.ok || p.state == 'Z')) state = "STOPPED";
  return {{"name", std::move(name)},
          {"id", id},
          {"kind", kind},
          {"pid", pid},
          {"state", std::move(state)},
          {"status", std::move(status)},
          {"generation", 0},
          {"requests", 0},
          {"uptime", p.ok ? p.uptime : 0.0},
          {"respawns", 0},
          {"rss_bytes", p.rss_bytes},
          {"cpu_seconds", p.cpu_seconds},
          {"cpu_percent", cpu.percent(pid, p)},
          {"last_exit_status", 0}};
}

}  // namespace

json process_list(const Server& server, CpuTracker& cpu) {
  json out = json::array();
  out.push_back(process_row("master", -1, "master", server.getMasterPid(), "RUNNING", "", cpu));
  const pid_t manager = server.getManagerPid();
  out.push_back(
      process_row("manager", -1, "manager", manager, manager > 0 ? "RUNNING" : "STOPPED", "", cpu));
  const ServerStats st = server.stats();
  const int total = static_cast<int>(st.worker_num + st.task_worker_num + st.user_worker_num);
  for (int id = 0; id < total; id++) {
    const auto info = server.getWorkerInfo(id);
    if (!info) continue;
    const char* kind = info->kind == ProcessKind::Event  ? "event"
                       : info->kind == ProcessKind::Task ? "task"
                                                         : "user";
    const int index = info->kind == ProcessKind::Event ? id
                      : info->kind == ProcessKind::Task
                          ? id - static_cast<int>(st.worker_num)
                          : id - static_cast<int>(st.worker_num + st.task_worker_num);
    const int type = info->kind == ProcessKind::Event  ? kCommandEventWorker
                     : info->kind == ProcessKind::Task ? kCommandTaskWorker
                                                       : kCommandUserProcess;
    const char* status = info->status == kWorkerBusy   ? "BUSY"
                         : info->status == kWorkerIdle ? "IDLE"
                         : info->status == kWorkerExit ? "EXIT"
                                                       : "";
    json row = process_row(Server::processName(type, index), id, kind, info->pid, info->state,
                           status, cpu);
    row["generation"] = info->generation;
    row["requests"] = info->requests;
    row["respawns"] = info->respawns;
    row["last_exit_status"] = info->last_exit_status;
    out.push_back(std::move(row));
  }
  return out;
}

json status_json(const Server& server) {
  const ServerStats st = server.stats();
  const std::string reason = server.notReadyReason();
  uint32_t running = 0;
  for (const auto& r : server.getReloads()) {
    if (!r.done) running = r.id;
  }
  const ProcSample master = read_proc(server.getMasterPid());
  return {{"master_pid", server.getMasterPid()},
          {"manager_pid", server.getManagerPid()},
          {"mode", server.mode() == Mode::Process ? "PROCESS" : "BASE"},
          {"host", server.host()},
          {"port", server.port()},
          {"version", SWKIT_VERSION},
          {"start_time", st.start_time},
          {"uptime", master.uptime},
          {"worker_num", st.worker_num},
          {"task_worker_num", st.task_worker_num},
          {"user_process_num", st.user_worker_num},
          {"ready", reason.empty()},
          {"reason", reason},
          {"reload_running", running}};
}

}  // namespace swkit::admin
