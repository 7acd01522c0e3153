#include "daemon/raft/log.hpp"

#include "daemon/util/check.hpp"

namespace raft::detail {

RaftLog::RaftLog(SnapshotMeta snapshot, std::vector<proto::Entry> entries,
                 proto::Membership initial_membership)
    : snapshot_(std::move(snapshot)) {
    if (snapshot_.index == 0 && snapshot_.membership.members.empty())
        snapshot_.membership = std::move(initial_membership);
    for (auto& e : entries) append(std::move(e));
}

std::optional<Term> RaftLog::term_at(Index index) const {
    if (index == snapshot_.index) return snapshot_.term;
    if (index < snapshot_.index || index > last_index()) return std::nullopt;
    return entries_[index - first_index()].term;
}

const proto::Entry& RaftLog::at(Index index) const {
    CC_CHECK(index >= first_index() && index <= last_index());
    return entries_[index - first_index()];
}

void RaftLog::append(proto::Entry entry) {
    CC_CHECK(entry.index == last_index() + 1);
    CC_CHECK(entry.term >= last_term());
    track_membership(entry);
    entries_.push_back(std::move(entry));
}

void RaftLog::truncate_from(Index from) {
    CC_CHECK(from > snapshot_.index);
    while (last_index() >= from) entries_.pop_back();
    while (!configs_.empty() && configs_.back().first >= from) configs_.pop_back();
}

void RaftLog::compact_to(Index index) {
    CC_CHECK(index + 1 >= first_index() && index <= last_index());
    if (index == snapshot_.index) return;
    SnapshotMeta meta = meta_at(index);
    entries_.erase(entries_.begin(), entries_.begin() + long(index - snapshot_.index));
    while (!configs_.empty() && configs_.front().first <= index) configs_.erase(configs_.begin());
    snapshot_ = std::move(meta);
}

bool RaftLog::install(SnapshotMeta snapshot) {
    bool keep = snapshot.index >= snapshot_.index && term_at(snapshot.index) == snapshot.term;
    if (keep) {
        compact_to(snapshot.index);
        snapshot_.membership = std::move(snapshot.membership);
        if (snapshot.membership_index != 0) snapshot_.membership_index = snapshot.membership_index;
        return true;
    }
    entries_.clear();
    configs_.clear();
    snapshot_ = std::move(snapshot);
    return false;
}

const proto::Membership& RaftLog::membership() const {
    return configs_.empty() ? snapshot_.membership : configs_.back().second;
}

Index RaftLog::membership_index() const {
    return configs_.empty() ? snapshot_.index : configs_.back().first;
}

const proto::Membership& RaftLog::membership_at(Index index) const {
    const proto::Membership* m = &snapshot_.membership;
    for (const auto& [i, c] : configs_) {
        if (i > index) break;
        m = &c;
    }
    return *m;
}

Index RaftLog::membership_entry_at(Index index) const {
    Index at = snapshot_.membership_index;
    for (const auto& [i, c] : configs_) {
        if (i > index) break;
        at = i;
    }
    return at;
}

SnapshotMeta RaftLog::meta_at(Index index) const {
    return SnapshotMeta{index, *term_at(index), membership_at(index), membership_entry_at(index)};
}

bool RaftLog::voter_since(Index index, const std::string& name) const {
    auto votes_in = [&](const proto::Membership& ms) {
        for (const auto& m : ms.members)
            if (m.name == name) return m.role == proto::Role::Voter;
        return false;
    };
    if (votes_in(membership_at(index))) return true;
    for (const auto& [i, c] : configs_)
        if (i > index && votes_in(c)) return true;
    return false;
}

void RaftLog::track_membership(const proto::Entry& e) {
    if (e.kind != proto::EntryKind::Membership) return;
    // Entries come from our own leader or were validated when proposed; a
    // garbled one would be our bug, but decode errors must not abort a member
    // that merely stores it: keep the previous list then.
    try {
        configs_.emplace_back(e.index, proto::from_bytes<proto::Membership>(e.data));
    } catch (const proto::DecodeError&) {
    }
}

}  // namespace raft::detail
