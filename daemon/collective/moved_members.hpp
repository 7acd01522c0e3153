// MovedMembers: members are known by name and key, not by address. When a
// member's connection to the leader shows it is now reached somewhere else
// than its entry in cfg/collective says (a reinstalled server with a new IP,
// a changed --advertise), the leader records the new address through the log
// so that every member connects there.
//
// Pure bookkeeping, no I/O: the member service feeds it what its inbound
// links say and proposes the change it returns. One change at a time; after
// a failed one, the next waits kRetryAfter so a collective without quorum is
// not flooded with proposals.
//
// Threading: daemon thread only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "daemon/raft/core.hpp"
#include "proto/raft_types.hpp"

namespace cc::collective {

class MovedMembers {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kRetryAfter = std::chrono::seconds(1);

    // `member`'s latest inbound link says it is reached at `address`.
    void seen(const std::string& member, const std::string& address);
    // Nothing seen that could still differ from the member list (cheap).
    bool idle() const { return seen_.empty() || in_flight_; }

    struct Change {
        std::string member;
        std::string from, to;
        proto::Membership list;  // the member list with the new address
    };
    // The change to propose now, if this member leads and one is due.
    std::optional<Change> next(const raft::Status& status, Clock::time_point now);
    // The proposal returned by next() ended.
    void finished(bool committed, Clock::time_point now);

  private:
    std::map<std::string, std::string> seen_;
    bool in_flight_ = false;
    Clock::time_point not_before_{};
};

}  // namespace cc::collective
