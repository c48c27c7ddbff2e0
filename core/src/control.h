// The control path (DESIGN §6): addCommand/command. One datagram socketpair per process id
// (event workers, task workers, user processes) and one for the manager, created before any
// fork and separate from the data IPC, so that a command never waits behind queued tasks or
// receive data. The master writes requests to end [0] and reads the replies there; the process
// reads requests on end [1] from its event loop, runs the handler and answers on [1].
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "swkit/server.h"

namespace swkit::detail {

class ServerImpl;
class EventLoop;

// Requests and replies up to this size (name + data); larger ones fail with 1202.
constexpr size_t kControlMaxBytes = 1 << 20;

struct ControlHeader {
  uint64_t request_id;
  int32_t code;  // replies: 0 or an error code; requests: the sender's process type bit
  uint32_t name_len;
};

struct RegisteredCommand {
  int id;
  std::string name;
  int accepted_types;
  Server::CommandHandler fn;
};

// The master's side: the pairs and one lock per target, so that concurrent callers (the admin
// endpoint's threads, the master's own code) never read each other's replies.
class ControlChannels {
 public:
  // Before any fork: one pair per process id plus one for the manager (the last).
  bool create(int processes);
  void close_all();
  int manager_index() const { return static_cast<int>(pairs_.size()) - 1; }
  int size() const { return static_cast<int>(pairs_.size()); }
  // The process's end, for its event loop.
  int child_end(int index) const { return pairs_[index][1]; }

  // Master: sends one request to each index and collects the replies until the deadline.
  // results[i] answers indexes[i]; a target that did not answer gets kErrCommandTimeout.
  // `flag(index)`, when given, is raised once each request is sent (WorkerSlot's
  // command_pending).
  std::vector<Server::CommandResult> call(const std::vector<int>& indexes, std::string_view name,
                                          std::string_view data, double timeout,
                                          const std::function<void(int)>& flag = {});

 private:
  std::vector<std::array<int, 2>> pairs_;
  std::unique_ptr<std::mutex[]> locks_;
};

// A process's side: registers end `fd` on loop; each request runs the named handler (when the
// process's type `type_bit` is accepted) and is answered on the same socket.
void serve_commands(ServerImpl& s, EventLoop& loop, int fd, int type_bit);
// Answers every request waiting on `fd` now (between two tasks of a batch).
void answer_commands(ServerImpl& s, int fd, int type_bit);

// Runs one registered command in this process (the master's own target, and the child side).
Server::CommandResult run_command(ServerImpl& s, std::string_view name, std::string_view data,
                                  int type_bit);

}  // namespace swkit::detail
