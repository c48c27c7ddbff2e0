// The admin endpoint (admin-api/README.md): attach() before start() and the master serves it
// on the address of the admin_server setting.
#pragma once

#include "swkit/server.h"

namespace swkit::admin {

// Before start. Registers the built-in commands (server_stats, server_setting, server_reload,
// server_shutdown, get_client_info, close_session, get_manager_info, get_all_commands,
// get_worker_info; a user command of the same name wins) and the endpoint as a master service.
// The endpoint listens only when admin_server is set.
void attach(Server& server);

}  // namespace swkit::admin
