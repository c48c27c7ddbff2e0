#include "control.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>

#include "event_loop.h"
#include "log.h"
#include "message_bus.h"
#include "server_impl.h"

namespace swkit::detail {

namespace {

constexpr int kControlBufferBytes = 4 << 20;  // room for a few replies of kControlMaxBytes

std::atomic<uint64_t> g_next_request{1};

bool send_control(int fd, const ControlHeader& head, std::string_view name, std::string_view data) {
  iovec iov[3] = {{const_cast<ControlHeader*>(&head), sizeof head},
                  {const_cast<char*>(name.data()), name.size()},
                  {const_cast<char*>(data.data()), data.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 3;
  // The buffers hold several maximum-size messages; a full one means the peer is not reading.
  for (;;) {
    if (::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

// Reads one datagram; false when there is none (or it is malformed).
bool recv_control(int fd, std::string& buf, ControlHeader& head, std::string_view& name,
                  std::string_view& data) {
  buf.resize(sizeof(ControlHeader) + kControlMaxBytes);
  ssize_t n;
  do {
    n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < static_cast<ssize_t>(sizeof head)) return false;
  std::memcpy(&head, buf.data(), sizeof head);
  const size_t body = static_cast<size_t>(n) - sizeof head;
  if (head.name_len > body) return false;
  name = std::string_view(buf.data() + sizeof head, head.name_len);
  data = std::string_view(buf.data() + sizeof head + head.name_len, body - head.name_len);
  return true;
}

Server::CommandResult error_result(int code, std::string message) {
  return {code, std::move(message)};
}

}  // namespace

bool ControlChannels::create(int processes) {
  pairs_.assign(static_cast<size_t>(processes) + 1, {-1, -1});
  for (auto& p : pairs_) {
    if (!make_ipc_pair(p.data(), kControlBufferBytes)) return false;
  }
  locks_ = std::make_unique<std::mutex[]>(pairs_.size());
  return true;
}

void ControlChannels::close_all() {
  for (auto& p : pairs_) {
    for (int& fd : p) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  pairs_.clear();
  locks_.reset();
}

std::vector<Server::CommandResult> ControlChannels::call(const std::vector<int>& indexes,
                                                         std::string_view name,
                                                         std::string_view data, double timeout,
                                                         const std::function<void(int)>& flag) {
  std::vector<Server::CommandResult> results(indexes.size());
  if (name.size() + data.size() > kControlMaxBytes) {
    for (auto& r : results) r = error_result(kErrDataLengthTooLarge, "command data too large");
    return results;
  }
  const int64_t deadline = monotonic_us() + static_cast<int64_t>(timeout * 1e6);
  // Locks in ascending order, so that two fan-outs never wait for each other in a circle; the
  // wait for a target busy with another caller counts against this call's deadline.
  std::vector<int> order(indexes);
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  // Polls try_lock rather than timed_mutex::try_lock_until, which TSan cannot follow.
  std::vector<std::unique_lock<std::mutex>> held;
  for (int i : order) {
    std::unique_lock<std::mutex> lock(locks_[i], std::try_to_lock);
    while (!lock.owns_lock() && monotonic_us() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      lock.try_lock();
    }
    if (!lock.owns_lock()) {
      for (auto& r : results) {
        r = error_result(kErrServerSendToWorkerTimeout,
                         "another command to the process is running");
      }
      return results;
    }
    held.push_back(std::move(lock));
  }

  std::vector<uint64_t> ids(indexes.size());
  std::vector<bool> pending(indexes.size(), false);
  size_t waiting = 0;
  for (size_t k = 0; k < indexes.size(); k++) {
    const int fd = pairs_[indexes[k]][0];
    // A late reply to an earlier call that timed out may still sit here: drop it.
    std::string buf;
    ControlHeader h{};
    std::string_view n, d;
    while (recv_control(fd, buf, h, n, d)) {
    }
    ids[k] = g_next_request.fetch_add(1);
    if (!send_control(fd, ControlHeader{ids[k], 0, static_cast<uint32_t>(name.size())}, name,
                      data)) {
      results[k] = error_result(kErrServerSendToWorkerTimeout,
                                std::string("cannot reach the process: ") + std::strerror(errno));
      continue;
    }
    if (flag) flag(indexes[k]);  // after the send: the process finds the request when it looks
    pending[k] = true;
    waiting++;
  }

  std::string buf;
  while (waiting > 0) {
    const int64_t left_us = deadline - monotonic_us();
    if (left_us <= 0) break;
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t k = 0; k < indexes.size(); k++) {
      if (!pending[k]) continue;
      fds.push_back({pairs_[indexes[k]][0], POLLIN, 0});
      which.push_back(k);
    }
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>((left_us + 999) / 1000));
    if (n < 0 && errno != EINTR) break;
    for (size_t j = 0; j < fds.size(); j++) {
      if (!(fds[j].revents & POLLIN)) continue;
      const size_t k = which[j];
      ControlHeader h{};
      std::string_view rname, rdata;
      while (pending[k] && recv_control(fds[j].fd, buf, h, rname, rdata)) {
        if (h.request_id != ids[k]) continue;  // a late reply to an earlier call
        results[k] = {h.code, std::string(rdata)};
        pending[k] = false;
        waiting--;
      }
    }
  }
  for (size_t k = 0; k < indexes.size(); k++) {
    if (pending[k]) {
      results[k] = error_result(kErrServerSendToWorkerTimeout,
                                "no answer within " + std::to_string(timeout) + " s");
    }
  }
  return results;
}

Server::CommandResult run_command(ServerImpl& s, std::string_view name, std::string_view data,
                                  int type_bit) {
  auto it = std::find_if(s.commands.begin(), s.commands.end(),
                         [&](const RegisteredCommand& c) { return c.name == name; });
  if (it == s.commands.end()) {
    return error_result(kErrServerInvalidCommand,
                        "command '" + std::string(name) + "' is not registered");
  }
  if (!(it->accepted_types & type_bit)) {
    return error_result(kErrServerInvalidCommand,
                        "command '" + std::string(name) + "' is not accepted by this process type");
  }
  try {
    return {0, it->fn(s.api, data)};
  } catch (const std::exception& e) {
    log_error("command '{}' threw: {}", name, e.what());
    return error_result(kErrCommandHandlerFailed, e.what());
  } catch (...) {
    log_error("command '{}' threw", name);
    return error_result(kErrCommandHandlerFailed, "unknown exception");
  }
}

void answer_commands(ServerImpl& s, int fd, int type_bit) {
  std::string buf;
  ControlHeader head{};
  std::string_view name, data;
  while (recv_control(fd, buf, head, name, data)) {
    Server::CommandResult r = run_command(s, name, data, type_bit);
    if (r.data.size() > kControlMaxBytes) {
      r = error_result(kErrDataLengthTooLarge, "command reply larger than 1 MiB");
    }
    if (!send_control(fd, ControlHeader{head.request_id, r.code, 0}, {}, r.data)) {
      log_warn("command '{}': reply not sent: {}", name, std::strerror(errno));
    }
  }
}

void serve_commands(ServerImpl& s, EventLoop& loop, int fd, int type_bit) {
  if (fd < 0) return;
  loop.add(fd, EPOLLIN, [&s, fd, type_bit](uint32_t) { answer_commands(s, fd, type_bit); });
}

}  // namespace swkit::detail

// ---- the public API ----

namespace swkit {

using detail::ServerImpl;

namespace {

bool single_type(int t) {
  return t == kCommandMaster || t == kCommandManager || t == kCommandEventWorker ||
         t == kCommandTaskWorker || t == kCommandUserProcess;
}

// The control channel index of (type, id), or -1 when there is no such process; -2 = master.
int channel_of(const ServerImpl& s, int type, int id) {
  switch (type) {
    case kCommandMaster:
      return id == 0 ? -2 : -1;
    case kCommandManager:
      return id == 0 ? s.control.manager_index() : -1;
    case kCommandEventWorker:
      return id >= 0 && id < s.event_workers() ? id : -1;
    case kCommandTaskWorker:
      return id >= 0 && id < s.task_workers() ? s.event_workers() + id : -1;
    case kCommandUserProcess:
      return id >= 0 && id < s.user_processes() ? s.event_workers() + s.task_workers() + id : -1;
    default:
      return -1;
  }
}

// Raises command_pending on a worker slot (the manager's channel has no slot).
std::function<void(int)> pending_flag(ServerImpl& s) {
  return [&s](int index) {
    if (index < s.total_processes()) s.arena->worker(index).command_pending.store(1);
  };
}

bool in_master(const ServerImpl& s) {
  if (s.role == detail::Role::Master && s.control.size() > 0) return true;
  set_last_error(kErrWrongOperation);
  return false;
}

}  // namespace

bool Server::addCommand(std::string_view name, int accepted_process_types, CommandHandler fn) {
  constexpr int kAll = kCommandMaster | kCommandEventWorker | kCommandTaskWorker | kCommandManager |
                       kCommandUserProcess;
  auto& list = impl_->commands;
  const bool duplicate =
      std::any_of(list.begin(), list.end(), [&](const auto& c) { return c.name == name; });
  if (impl_->started || name.empty() || name.size() > 256 || duplicate || !fn ||
      (accepted_process_types & kAll) == 0 || (accepted_process_types & ~kAll) != 0) {
    set_last_error(impl_->started ? kErrWrongOperation : kErrInvalidParams);
    return false;
  }
  list.push_back({static_cast<int>(list.size()) + 1, std::string(name), accepted_process_types,
                  std::move(fn)});
  return true;
}

std::vector<Server::CommandInfo> Server::getCommands() const {
  std::vector<CommandInfo> out;
  for (const auto& c : impl_->commands) out.push_back({c.id, c.name, c.accepted_types});
  return out;
}

std::string Server::processName(int process_type, int process_id) {
  switch (process_type) {
    case kCommandMaster:
      return "master";
    case kCommandManager:
      return "manager";
    case kCommandEventWorker:
      return "worker-" + std::to_string(process_id);
    case kCommandTaskWorker:
      return "task_worker-" + std::to_string(process_id);
    case kCommandUserProcess:
      return "user_process-" + std::to_string(process_id);
    default:
      return "unknown-" + std::to_string(process_id);
  }
}

Server::CommandResult Server::commandResult(std::string_view name, int process_id, int process_type,
                                            std::string_view data, double timeout) {
  ServerImpl& s = *impl_;
  if (!in_master(s)) return {kErrWrongOperation, "command() runs in the master only"};
  const int channel = single_type(process_type) ? channel_of(s, process_type, process_id) : -1;
  if (channel == -1) {
    return {kErrInvalidParams, processName(process_type, process_id) + " does not exist"};
  }
  if (!(timeout > 0)) return {kErrInvalidParams, "the timeout must be positive"};
  return channel == -2 ? detail::run_command(s, name, data, kCommandMaster)
                       : s.control.call({channel}, name, data, timeout, pending_flag(s))[0];
}

std::optional<std::string> Server::command(std::string_view name, int process_id, int process_type,
                                           std::string_view data, double timeout) {
  CommandResult r = commandResult(name, process_id, process_type, data, timeout);
  if (r.code != 0) {
    set_last_error(r.code);
    return std::nullopt;
  }
  return std::move(r.data);
}

std::map<std::string, Server::CommandResult> Server::commandAll(std::string_view name,
                                                                int process_types,
                                                                std::string_view data,
                                                                double timeout) {
  ServerImpl& s = *impl_;
  std::map<std::string, CommandResult> out;
  if (!in_master(s)) return out;
  std::vector<int> channels;
  std::vector<std::string> names;
  auto add_kind = [&](int type, int count) {
    if (!(process_types & type)) return;
    for (int i = 0; i < count; i++) {
      channels.push_back(channel_of(s, type, i));
      names.push_back(processName(type, i));
    }
  };
  add_kind(kCommandManager, 1);
  add_kind(kCommandEventWorker, s.event_workers());
  add_kind(kCommandTaskWorker, s.task_workers());
  add_kind(kCommandUserProcess, s.user_processes());
  const auto results = s.control.call(channels, name, data, timeout, pending_flag(s));
  for (size_t i = 0; i < results.size(); i++) out[names[i]] = results[i];
  if (process_types & kCommandMaster) {
    out["master"] = detail::run_command(s, name, data, kCommandMaster);
  }
  return out;
}

void Server::addMasterService(MasterService service) {
  if (impl_->started) throw ConfigError("addMasterService(): must be called before start()");
  impl_->services.push_back(std::move(service));
}

std::string Server::notReadyReason() const {
  const ServerImpl& s = *impl_;
  if (!s.arena) return "not started";
  detail::StatsBlock& st = s.arena->stats();
  if (st.shutting_down.load()) return "shutting down";
  if (const uint32_t r = st.reload_running.load()) return "reloading: reload #" + std::to_string(r);
  for (int i = 0; i < s.event_workers(); i++) {
    const detail::WorkerSlot& w = s.arena->worker(i);
    const auto state = static_cast<detail::SlotState>(w.state.load());
    if (w.pid.load() <= 0 || state != detail::SlotState::Running) {
      return "starting: worker " + std::to_string(i) + " is " + detail::slot_state_name(state);
    }
  }
  return {};
}

}  // namespace swkit
