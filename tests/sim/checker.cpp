#include "tests/sim/checker.hpp"

namespace sim {

void Checker::fail(const std::string& what) {
    if (!failure_) failure_ = what;
}

void Checker::entries_appended(const std::string& name, const raft::Core& core,
                               const std::vector<proto::Entry>& entries) {
    for (const auto& e : entries) {
        raft::Index p = e.index - 1;
        raft::Term prev_term =
            p == core.snapshot().index ? core.snapshot().term : core.entry(p).term;
        Seen s{e.term, e.kind, e.data, prev_term};
        auto [it, fresh] = entries_.emplace(std::make_pair(e.index, e.term), s);
        if (!fresh && (it->second.kind != s.kind || it->second.data != s.data ||
                       it->second.prev_term != s.prev_term))
            fail("log matching: " + name + " holds a different entry at index " +
                 std::to_string(e.index) + " term " + std::to_string(e.term));
    }
}

void Checker::entry_applied(const std::string& name, const proto::Entry& e) {
    auto [it, fresh] = applied_.emplace(e.index, std::make_pair(e.term, e.data));
    if (!fresh && (it->second.first != e.term || it->second.second != e.data))
        fail("state machine safety: " + name + " applied a different entry at index " +
             std::to_string(e.index));
    if (e.kind == proto::EntryKind::Membership)
        memberships_[e.index] = proto::from_bytes<proto::Membership>(e.data);
}

void Checker::write_acknowledged(const std::string& name, raft::Index index,
                                 const std::string& command) {
    auto it = applied_.find(index);
    if (it == applied_.end() || it->second.second != command)
        fail("acknowledged write lost: " + name + " acknowledged '" + command + "' at index " +
             std::to_string(index) + " but that index holds something else");
}

void Checker::after_step(const std::string& name, const raft::Core& core,
                         raft::Index& seen_commit) {
    const raft::Term term = core.hard_state().term;
    auto& max = max_term_[name];
    if (term < max) fail("term went backwards on " + name);
    max = std::max(max, term);

    // Committed entries never change.
    raft::Index c = core.commit_index();
    for (raft::Index i = seen_commit + 1; i <= c; ++i) {
        Committed now{0, std::nullopt, term};
        if (i >= core.first_index()) {
            now.term = core.entry(i).term;
            now.data = core.entry(i).data;
        } else if (i == core.snapshot().index) {
            now.term = core.snapshot().term;
        } else {
            continue;  // inside an installed snapshot: already committed before
        }
        auto [it, fresh] = committed_.emplace(i, now);
        if (fresh) continue;
        auto& old = it->second;
        if (old.term != now.term || (old.data && now.data && *old.data != *now.data))
            fail("committed entry changed: " + name + " has index " + std::to_string(i) + " term " +
                 std::to_string(now.term) + ", committed before with term " +
                 std::to_string(old.term));
        if (!old.data) old.data = now.data;
        old.learned_in = std::min(old.learned_in, now.learned_in);
    }
    seen_commit = std::max(seen_commit, c);

    if (core.role() != raft::Role::Leader) return;
    auto [lit, fresh] = leaders_.emplace(term, name);
    if (!fresh && lit->second != name)
        fail("two leaders in term " + std::to_string(term) + ": " + lit->second + " and " + name);
    if (!leader_checked_.insert({name, term}).second) return;
    // Leader completeness, checked once when a member starts leading a term.
    for (const auto& [i, e] : committed_) {
        if (e.learned_in >= term) continue;
        if (i < core.snapshot().index) continue;
        auto have = i == core.snapshot().index ? std::optional(core.snapshot().term)
                    : i <= core.last_index()   ? std::optional(core.entry(i).term)
                                               : std::nullopt;
        if (have != e.term)
            fail("leader completeness: " + name + " leads term " + std::to_string(term) +
                 " without committed entry " + std::to_string(i));
    }
}

void Checker::once_applied(const std::string& name, const std::string& key, raft::Index index) {
    auto [it, fresh] = once_first_.emplace(key, index);
    if (!fresh && it->second != index)
        fail("exactly once: " + name + " applied write " + key + " at index " +
             std::to_string(index) + ", first applied at index " + std::to_string(it->second));
    if (auto f = once_failed_.find(key); f != once_failed_.end())
        fail("exactly once: " + name + " applied write " + key + " at index " +
             std::to_string(index) + " after " + f->second + " (definitely not applied)");
}

void Checker::once_dropped(const std::string& name, const std::string& key, raft::Index index) {
    ++once_dropped_;
    auto it = once_first_.find(key);
    if (it != once_first_.end() && it->second == index)
        fail("exactly once: " + name + " dropped write " + key + " at index " +
             std::to_string(index) + ", where other members applied it");
}

void Checker::once_answered(const std::string& name, const std::string& key, raft::Outcome code) {
    auto it = once_first_.find(key);
    if (code == raft::Outcome::Done) {
        if (it == once_first_.end())
            fail("exactly once: " + name + " acknowledged write " + key +
                 " that was never applied");
        return;
    }
    if (code != raft::Outcome::NoQuorum && code != raft::Outcome::NotLeader &&
        code != raft::Outcome::Refused)
        return;  // Unknown: either way is right
    std::string how = name + " answered " +
                      (code == raft::Outcome::NoQuorum    ? "NoQuorum"
                       : code == raft::Outcome::NotLeader ? "NotLeader"
                                                          : "Refused");
    if (it != once_first_.end())
        fail("exactly once: " + how + " to write " + key + ", applied at index " +
             std::to_string(it->second));
    once_failed_.emplace(key, how);
}

std::optional<proto::Membership> Checker::latest_membership() const {
    if (memberships_.empty()) return std::nullopt;
    return memberships_.rbegin()->second;
}

}  // namespace sim
