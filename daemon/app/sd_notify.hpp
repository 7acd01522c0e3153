// The service manager's readiness protocol (sd_notify(3)) without libsystemd:
// one datagram of "KEY=value" lines to the unix socket named by NOTIFY_SOCKET
// (a path, or "@name" for the abstract namespace). The systemd unit
// (etc/confluentd.service, Type=notify) waits for READY=1 before it counts
// confluentd as started, so `systemctl start` returns once the API answers.
//
// Without NOTIFY_SOCKET (started by hand, by the tests) nothing is sent.
// Threading: any thread; no shared state.
#pragma once

#include <string_view>

namespace cc::app {

// Sends `state` (e.g. "READY=1") to NOTIFY_SOCKET when it is set. Returns
// false (and logs one warning) when the socket is set but the send failed:
// the daemon keeps running, systemd then reports the start as timed out.
bool notify_service_manager(std::string_view state);

}  // namespace cc::app
