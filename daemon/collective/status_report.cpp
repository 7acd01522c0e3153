#include "daemon/collective/status_report.hpp"

#include <algorithm>

#include "daemon/state/database.hpp"

namespace cc::collective {

namespace {

const char* role_name(raft::Role r) {
    switch (r) {
        case raft::Role::Leader:
            return "leader";
        case raft::Role::Candidate:
            return "candidate";
        case raft::Role::PreCandidate:
            return "pre-candidate";
        case raft::Role::Follower:
            return "follower";
    }
    return "follower";
}

}  // namespace

proto::ApiStatus status_report(const raft::Status& s, raft::TimePoint now,
                               const ReportContext& context) {
    proto::ApiStatus out;
    out.in_collective = context.in_collective;
    out.quorum = s.quorum;
    out.leader = s.leader;
    out.my_name = context.my_name;
    out.fingerprint = context.fingerprint;
    out.term = s.term;
    out.commit_index = s.commit_index;
    out.applied_index = s.applied_index;
    out.role = role_name(s.role);
    const bool leading = s.role == raft::Role::Leader;
    size_t voters = 0, active_voters = 0;
    for (const auto& m : s.members) {
        const std::string& name = m.info.name;
        bool active = m.active || name == s.self || (!leading && context.link_up(name));
        if (!m.voter) out.nonvoting.push_back(name);
        if (m.voter) {
            ++voters;
            if (active) ++active_voters;
        }
        proto::ApiMemberStatus ms;
        ms.name = name;
        ms.address = m.info.address;
        ms.fingerprint = m.info.fingerprint;
        ms.voter = m.voter;
        ms.active = active;
        ms.protocol = name == s.self ? context.own_protocol : context.link_version(name);
        if (!leading && context.leader_view) {
            for (const auto& v : context.leader_view->members) {
                if (v.name != name) continue;
                ms.lag = v.lag;
                if (v.last_contact_ms >= 0)
                    ms.last_contact_ms = v.last_contact_ms + context.leader_view_age_ms;
            }
        }
        if (leading) {
            ms.lag =
                name == s.self
                    ? 0
                    : static_cast<int64_t>(s.last_index - std::min(s.last_index, m.match_index));
            if (name == s.self)
                ms.last_contact_ms = 0;
            else if (m.last_contact)
                ms.last_contact_ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - *m.last_contact)
                        .count();
        }
        out.members.push_back(ms);
        if (name == s.leader) continue;
        (active ? out.active : out.offline).push_back(name);
    }
    size_t majority = voters / 2 + 1;
    out.failures_tolerated =
        s.quorum && active_voters >= majority ? static_cast<uint32_t>(active_voters - majority) : 0;
    auto natural = [](const std::string& a, const std::string& b) {
        return state::natural_less(a, b);
    };
    std::sort(out.active.begin(), out.active.end(), natural);
    std::sort(out.offline.begin(), out.offline.end(), natural);
    std::sort(out.nonvoting.begin(), out.nonvoting.end(), natural);
    std::sort(out.members.begin(), out.members.end(),
              [&](const auto& a, const auto& b) { return natural(a.name, b.name); });
    return out;
}

}  // namespace cc::collective
