// The core's in-memory view of the replicated log: the snapshot it starts
// from, the entries after it, and the member lists those entries define.
// Mirrors what the driver's storage holds (plus entries not yet synced).
// Threading: owned by one Core; same rule as the Core.
#pragma once

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "daemon/raft/core.hpp"

namespace raft::detail {

class RaftLog {
  public:
    RaftLog(SnapshotMeta snapshot, std::vector<proto::Entry> entries,
            proto::Membership initial_membership);

    Index first_index() const { return snapshot_.index + 1; }
    Index last_index() const { return snapshot_.index + entries_.size(); }
    Term last_term() const { return term_at(last_index()).value(); }
    // Term of the entry at `index`; the snapshot's own index counts; nothing
    // for compacted or future indexes.
    std::optional<Term> term_at(Index index) const;
    const proto::Entry& at(Index index) const;
    const SnapshotMeta& snapshot() const { return snapshot_; }

    // Appends one entry at last_index() + 1.
    void append(proto::Entry entry);
    // Drops entries >= from (from > snapshot index).
    void truncate_from(Index from);
    // Drops entries <= index (first_index() - 1 <= index <= last_index()).
    void compact_to(Index index);
    // Replaces everything with a snapshot; keeps the entries after it when
    // the log holds the snapshot's last entry with the same term.
    // Returns true when that suffix was kept.
    bool install(SnapshotMeta snapshot);

    // Latest member list in the log (possibly uncommitted) and its index
    // (the snapshot index when it comes from the snapshot).
    const proto::Membership& membership() const;
    Index membership_index() const;
    // Member list in force at `index` (>= snapshot index), and the index of
    // the entry that set it (the snapshot's membership_index when it is older).
    const proto::Membership& membership_at(Index index) const;
    Index membership_entry_at(Index index) const;
    // The snapshot's view of `index`: its term and the member list in force.
    SnapshotMeta meta_at(Index index) const;
    // Whether `name` is a voter in the list in force at `index` or in any
    // list the log defines after it.
    bool voter_since(Index index, const std::string& name) const;

  private:
    void track_membership(const proto::Entry& e);

    SnapshotMeta snapshot_;
    std::deque<proto::Entry> entries_;
    // Member lists defined by entries after the snapshot, in index order.
    std::vector<std::pair<Index, proto::Membership>> configs_;
};

// Bytes of an entry that count towards the batch limit.
inline size_t entry_bytes(const proto::Entry& e) {
    return e.data.size() + 16;
}

}  // namespace raft::detail
