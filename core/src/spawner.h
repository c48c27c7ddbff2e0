// The spawner: a single-threaded helper the master forks before it starts any thread. It forks
// the manager, and a new one whenever the master asks: once the master has threads it must not
// fork itself (DESIGN §1), yet Swoole-beyond behaviour wants a dead manager replaced without
// dropping the connections the master holds.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "server_impl.h"

namespace swkit::detail {

// One message each way on the control socket (SOCK_SEQPACKET).
struct SpawnerMessage {
  char type;  // master -> spawner: 'S' start a manager; spawner -> master: 'P' started, 'X' exited
  int32_t pid;
  int32_t status;  // 'X': as waitpid() reported it
};

struct Spawner {
  pid_t pid = -1;
  int control_fd = -1;  // the master's end
};

// In the master, before any thread: forks the spawner. Returns pid -1 on failure.
Spawner start_spawner(ServerImpl& s);

}  // namespace swkit::detail
