// Cross-member safety invariants, checked by the simulator after every step:
//   - at most one leader per term;
//   - log matching: an (index, term) pair always names the same entry with
//     the same predecessor term, so equal pairs imply equal prefixes;
//   - leader completeness: a leader of term T holds every entry committed
//     (as observed by any member) while members were in terms below T;
//   - committed entries never change; state machine safety: no two members
//     apply different entries at one index;
//   - every acknowledged write is the applied entry at its index;
//   - a member's term never decreases (except when its state is wiped, and
//     after a crash, back to its durable term), and its durable term never
//     decreases (checked by the simulator's hard-state port);
//   - durability (checked by the simulator on every message sent): nothing
//     is sent in a term that is not durable, no vote that is not durable, no
//     acknowledgement of log entries or a snapshot that are not durable;
//   - exactly once (Sim::put_once): every member applies a write (session,
//     seq) at one and the same index, the first copy in the log, and drops
//     every other copy; a write answered Done was applied, one answered with
//     a definite failure (NoQuorum, NotLeader, Refused) never is.
// The first violation is kept as a one-line description; later ones are
// ignored (the run stops).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "daemon/raft/core.hpp"

namespace sim {

class Checker {
  public:
    bool failed() const { return failure_.has_value(); }
    const std::string& failure() const { return *failure_; }
    void fail(const std::string& what);

    // New entries appended by `name` (after the Ready that carried them).
    void entries_appended(const std::string& name, const raft::Core& core,
                          const std::vector<proto::Entry>& entries);
    // Entry applied by `name`.
    void entry_applied(const std::string& name, const proto::Entry& e);
    // A proposal acknowledged Ok at `index` with this command.
    void write_acknowledged(const std::string& name, raft::Index index, const std::string& command);
    // After every event on `name`: leaders, terms, commits.
    void after_step(const std::string& name, const raft::Core& core, raft::Index& seen_commit);
    // The member's state was wiped (restored member): its term may restart.
    void wiped(const std::string& name) { max_term_.erase(name); }
    // The member crashed: a term it never made durable is forgotten (nothing
    // was sent in it), so its term restarts from the durable one.
    void crashed(const std::string& name, raft::Term durable_term) {
        max_term_[name] = durable_term;
    }

    // Exactly-once writes, by once_key(): `name` applied the write's first
    // copy that it met at `index`, or dropped a copy there.
    void once_applied(const std::string& name, const std::string& key, raft::Index index);
    void once_dropped(const std::string& name, const std::string& key, raft::Index index);
    // The proposer answered a put_once.
    void once_answered(const std::string& name, const std::string& key, raft::Outcome code);
    // Index of the entry that applied the write (0: none yet).
    raft::Index once_index(const std::string& key) const {
        auto it = once_first_.find(key);
        return it == once_first_.end() ? 0 : it->second;
    }
    // Copies met and dropped (all members together).
    uint64_t once_copies_dropped() const { return once_dropped_; }

    // Highest-index committed member list, if any was applied.
    std::optional<proto::Membership> latest_membership() const;
    raft::Index max_committed() const {
        return committed_.empty() ? 0 : committed_.rbegin()->first;
    }

  private:
    struct Seen {
        raft::Term term = 0;
        proto::EntryKind kind{};
        std::string data;
        raft::Term prev_term = 0;
    };
    struct Committed {
        raft::Term term = 0;
        std::optional<std::string> data;
        raft::Term learned_in = 0;  // lowest member term in which it was seen committed
    };
    std::optional<std::string> failure_;
    std::map<raft::Term, std::string> leaders_;
    std::set<std::pair<std::string, raft::Term>> leader_checked_;
    std::map<std::pair<raft::Index, raft::Term>, Seen> entries_;
    std::map<raft::Index, Committed> committed_;
    std::map<raft::Index, std::pair<raft::Term, std::string>> applied_;
    std::map<raft::Index, proto::Membership> memberships_;
    std::map<std::string, raft::Term> max_term_;
    std::map<std::string, raft::Index> once_first_;   // write -> index of its first copy
    std::map<std::string, std::string> once_failed_;  // write -> who answered it failed, how
    uint64_t once_dropped_ = 0;
};

}  // namespace sim
