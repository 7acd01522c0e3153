// The joiner's local reset once the inviter has accepted it: its old
// configuration is kept aside, its consensus state is cleared, and it is set
// up as a new member of the collective it joined.
//
//   ETC/cfg              -> ETC/cfg.backup-YYYYmmddTHHMMSS  (UTC; "-2", "-3"...
//                           appended when that name is taken)
//   STATE/collective/    emptied (log, snapshot-meta, catching-up flag), then
//                        hardstate = term 0, no vote: a new member (it joins
//                        as a non-voter and is promoted once caught up).
//                        A joiner that takes over a voter's entry (a
//                        re-invited member) gets no hardstate instead: the
//                        restored-member rule keeps it from voting until it
//                        has caught up, so a vote its previous incarnation
//                        cast in the current term can never be cast twice.
//   ETC/cfg/myname       the name from the token
//   ETC/cfg/collective   the member list from JoinAccept, applied_index 0
//
// Errors: cc::fs::FsError / std::filesystem::filesystem_error naming the path.
// Threading: call with the daemon's consensus and cfg writer stopped.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "proto/raft_types.hpp"

namespace cc::collective {

// "cfg.backup-20261125T183605" for that UTC time.
std::string backup_name(std::chrono::system_clock::time_point when);

// Performs the reset; returns the backup directory (empty when there was no cfg/).
// Whether the joiner starts fresh or restored follows from its entry in `members`.
std::filesystem::path reset_for_join(const std::filesystem::path& etc_dir,
                                     const std::filesystem::path& state_dir,
                                     const std::string& name, const proto::Membership& members,
                                     std::chrono::system_clock::time_point now);

}  // namespace cc::collective
