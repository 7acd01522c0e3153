// confluentd's exit statuses, for systemd (Restart=on-failure) and scripts:
//   0   stopped on SIGTERM/SIGINT
//   1   could not start (bad configuration, corrupt file, ...): the log says why
//   2   bad command line
//   74  durability lost: an fsync/fdatasync failed. What reached the disk is
//       unknown and a retried fsync could succeed wrongly, so the member stops
//       at once, before anything else is sent; at the next start the log is
//       verified record by record and the files are consistent.
#pragma once

#include <string>

namespace cc::app {

inline constexpr int kExitDurabilityLost = 74;  // EX_IOERR

// Logs one line (what failed: the file and errno) and ends the process with
// kExitDurabilityLost at once: no destructor, no flush, no message.
[[noreturn]] void exit_on_lost_durability(const std::string& why);

// Installs exit_on_lost_durability as cc::fs's sync failure handler, so a
// failed fsync anywhere in the process (log store, hard state, cfg/ files)
// ends it.
void install_sync_failure_handler();

}  // namespace cc::app
