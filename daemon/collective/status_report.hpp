// The daemon's answer to a status query (collective show), built from the
// consensus core's status and the transport's view of the links.
//
// Who is active: on the leader, the core knows (answered within an election
// timeout); elsewhere the core only hears from the leader, so a member also
// counts as active while our SSH link to it is up (keepalives declare a
// silent link dead after a few seconds). Lag and last contact come from the
// core on the leader; elsewhere from the leader's latest LeaderView when it
// is fresh (-1 otherwise).
//
// Pure function; thread-safe.
#pragma once

#include <functional>
#include <string>

#include "daemon/raft/core.hpp"
#include "proto/api.hpp"
#include "proto/peer_message.hpp"

namespace cc::collective {

struct ReportContext {
    bool in_collective = false;
    std::string my_name;
    std::string fingerprint;  // this member's key, empty without one
    std::function<bool(const std::string& member)> link_up = [](const std::string&) {
        return false;
    };
    // Peer protocol version of this member's link to `member`, 0 while down;
    // and the highest this member offers (shown for itself).
    std::function<uint32_t(const std::string& member)> link_version = [](const std::string&) {
        return 0u;
    };
    uint32_t own_protocol = 0;
    // On a follower: the current leader's latest view and how old it is.
    const proto::LeaderView* leader_view = nullptr;
    int64_t leader_view_age_ms = 0;
};

proto::ApiStatus status_report(const raft::Status& s, raft::TimePoint now,
                               const ReportContext& context);

}  // namespace cc::collective
