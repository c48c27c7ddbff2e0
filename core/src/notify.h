// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to the unix
// socket named by $NOTIFY_SOCKET ("@name" = abstract namespace). A no-op when it is unset.
#pragma once

#include <string_view>

namespace swkit::detail {

// Sends "KEY=VALUE\n..." lines; false when NOTIFY_SOCKET is unset or the send failed.
bool sd_notify_send(std::string_view message);
// "RELOADING=1\nMONOTONIC_USEC=<now>" (systemd >= 253 wants the timestamp with RELOADING).
bool sd_notify_reloading(std::string_view status);

}  // namespace swkit::detail
