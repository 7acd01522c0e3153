// Member list changes through the log, one member at a time; automatic
// promotion of caught-up non-voters; step-down of a removed leader (forced
// recovery: recovery.cpp).
#include <set>

#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"
#include "proto/names.hpp"

namespace raft::detail {

// Called whenever the leader's latest member list changes (the only way it
// changes on a leader is by its own append), so that what replication asks
// of every member on every write is at hand in its Progress.
void State::sync_progress(TimePoint now) {
    if (role != Role::Leader) return;
    std::set<std::string> names;
    nonvoters = 0;
    for (const auto& m : log.membership().members) {
        const bool nonvoter = m.role == proto::Role::NonVoter && !m.promote;
        if (m.name == cfg.self) {
            nonvoters += nonvoter;
            continue;
        }
        names.insert(m.name);
        auto [it, added] = progress.try_emplace(m.name);
        if (added) {
            it->second.next = log.last_index() + 1;
            it->second.last_progress = now;
        }
        it->second.nonvoter = nonvoter;
        it->second.nonvoter_rank = nonvoters;
        nonvoters += nonvoter;
    }
    std::erase_if(progress, [&](const auto& kv) { return !names.count(kv.first); });
}

static const proto::MemberInfo* find(const proto::Membership& ms, const std::string& name) {
    for (const auto& m : ms.members)
        if (m.name == name) return &m;
    return nullptr;
}

std::optional<std::string> State::validate_change(proto::Membership& next) const {
    if (log.membership_index() > commit)
        return "another member list change is still in progress; retry when it has committed";
    if (log.term_at(commit) != hs.term) return "the leader was elected just now; retry in a moment";
    const auto& cur = log.membership();
    std::set<std::string> seen;
    for (const auto& m : next.members) {
        if (auto why = proto::check_name(proto::NameKind::Member, m.name)) return why;
        if (!seen.insert(m.name).second) return "member " + m.name + " is listed twice";
    }
    int differences = 0;
    for (auto& m : next.members) {
        const auto* old = find(cur, m.name);
        bool wants_vote =
            m.role == proto::Role::Voter && (!old || old->role == proto::Role::NonVoter);
        if (wants_vote) {
            // New voters join as non-voters and are promoted once caught up.
            m.role = proto::Role::NonVoter;
            m.promote = true;
        }
        if (!old || !(*old == m)) ++differences;
    }
    for (const auto& m : cur.members)
        if (!seen.count(m.name)) ++differences;
    if (differences == 0) return "the member list is unchanged";
    if (differences > 1)
        return "change one member at a time (" + std::to_string(differences) +
               " members differ from the current list)";
    bool any_voter = false;
    for (const auto& m : next.members) any_voter |= m.role == proto::Role::Voter;
    if (!any_voter) return "the collective must keep at least one voting member";
    return std::nullopt;
}

void State::maybe_promote(const std::string& name, TimePoint now) {
    if (role != Role::Leader || transfer_to) return;
    const auto* m = find(log.membership(), name);
    if (!m || m->role != proto::Role::NonVoter || !m->promote) return;
    const auto& p = progress.at(name);
    if (p.match + cfg.promote_max_lag < log.last_index() || !active(name, now)) return;
    if (log.membership_index() > commit || log.term_at(commit) != hs.term) return;
    proto::Membership next = log.membership();
    for (auto& x : next.members)
        if (x.name == name) {
            x.role = proto::Role::Voter;
            x.promote = false;
        }
    append_local(proto::EntryKind::Membership, proto::to_bytes(next));
    sync_progress(now);
    broadcast(now);
}

void State::after_commit_membership(TimePoint now) {
    if (role != Role::Leader || log.membership_index() > commit || self_voter()) return;
    // Our removal (or demotion) is committed: hand over to an up-to-date voter
    // so the collective need not wait for an election timeout.
    for (const auto& [name, p] : progress) {
        if (is_voter(name) && p.match == log.last_index()) {
            send(name, proto::TimeoutNow{hs.term});
            break;
        }
    }
    become_follower(hs.term, "", now);
}

}  // namespace raft::detail
