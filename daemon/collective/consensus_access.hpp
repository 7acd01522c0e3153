// What the collective logic needs from the daemon's consensus driver: its
// status, member list changes through the log, and delivery of peer
// messages. The app's RaftDriver implements it.
//
// Threading: every call on the daemon thread; `done` is called there too,
// exactly once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/raft/core.hpp"
#include "proto/outcome.hpp"
#include "proto/raft.hpp"
#include "proto/raft_types.hpp"

namespace cc::collective {

// How a member list change ended (proto/outcome.hpp: the one outcome type).
// Refused: not acceptable now, most often another member list change is
// still in flight.
struct ChangeOutcome {
    proto::Outcome outcome = proto::Outcome::Done;
    uint64_t index = 0;  // Done: the entry's log index (applied on this member)
    std::string reason;  // otherwise: one line for the user; empty: the default text
    bool done() const { return outcome == proto::Outcome::Done; }
    std::string text() const { return proto::text_or_default(outcome, reason); }
};

class ConsensusAccess {
  public:
    virtual ~ConsensusAccess() = default;
    virtual raft::Status consensus_status() const = 0;
    // The latest (possibly uncommitted) member list: consensus_status().membership
    // without building the whole status.
    virtual const proto::Membership& latest_membership() const = 0;
    // A member list differing from the latest in exactly one member.
    virtual void change_members(proto::Membership members,
                                std::function<void(ChangeOutcome)> done) = 0;
    // The nodes whose manager (collective.manager, own or inherited) is
    // `member`: a member that still manages nodes is not deleted.
    virtual std::vector<std::string> nodes_managed_by(const std::string& member) const = 0;
    virtual void deliver(const std::string& from, proto::RaftMessage message) = 0;
    // collective recover (raft::Core::plan_recovery / force_recover): the
    // plan or why not here; carrying it out returns the refusal, if any.
    virtual std::variant<raft::RecoveryPlan, std::string> recovery_plan() const = 0;
    virtual std::optional<std::string> force_recover(proto::Membership survivors) = 0;
};

}  // namespace cc::collective
