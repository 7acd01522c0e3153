// Forced recovery (`collective recover`) of a collective that lost its
// majority for good: where it may run, what it keeps and drops, and the new
// term that records the survivors as the whole member list.
#include <set>

#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

namespace {

// A member's word on its log is fresh while it keeps campaigning (a
// survivor without a leader asks for pre-votes every election timeout).
Millis peer_log_window(const Config& cfg) {
    return cfg.election_timeout_max * 3;
}

std::string position(Index index, Term term) {
    return "last entry " + std::to_string(index) + " of term " + std::to_string(term);
}

}  // namespace

bool State::reachable(const std::string& name, TimePoint now) const {
    if (active(name, now)) return true;
    const auto window =
        is_voter(name) ? Millis(cfg.election_timeout_max)
                       : std::max<Millis>(cfg.election_timeout_max, cfg.nonvoter_contact_window);
    auto recent = [&](const std::map<std::string, TimePoint>& m) {
        auto it = m.find(name);
        return it != m.end() && now - it->second < window;
    };
    return recent(heard) || recent(link_heard);
}

bool State::peer_catching_up(const std::string& name, TimePoint now) const {
    auto it = peer_logs.find(name);
    return it != peer_logs.end() && it->second.catching_up &&
           now - it->second.at < peer_log_window(cfg);
}

std::optional<std::string> State::recovery_refusal(TimePoint now) const {
    // The other reachable voter (not catching up) with the longest log, if
    // any: where to run it instead.
    std::string best;
    Index best_index = 0;
    Term best_term = 0;
    for (const auto& [name, p] : peer_logs) {
        if (name == cfg.self || p.catching_up || now - p.at >= peer_log_window(cfg) ||
            !reachable(name, now) || !is_voter(name))
            continue;
        if (best.empty() || p.last_term > best_term ||
            (p.last_term == best_term && p.last_index > best_index)) {
            best = name;
            best_index = p.last_index;
            best_term = p.last_term;
        }
    }
    if (hs.catching_up) {
        return cfg.self +
               " is a restored member still catching up: its log may lack committed entries; "
               "run collective recover on " +
               (best.empty() ? std::string("the surviving member with the longest log") : best) +
               " instead";
    }
    if (!self_voter())
        return cfg.self + " is a non-voting member; run collective recover on " +
               (best.empty() ? std::string("the surviving voting member with the longest log")
                             : best) +
               " instead";
    if (!started || now - *started < cfg.election_timeout_max)
        return "wait one election timeout after start, so that reachable members are known, "
               "then retry";
    if (leader_known(now))
        return "a leader with quorum is reachable (" + leader +
               "); forced recovery is only for a collective that lost its majority for good";
    size_t can_vote = 0;
    for (const auto& v : voters())
        if (reachable(v, now) && !peer_catching_up(v, now)) ++can_vote;
    if (can_vote >= quorum())
        return "a majority of voting members is reachable; let them elect a leader instead";
    for (const auto& v : voters()) {
        if (v == cfg.self || !reachable(v, now) || peer_catching_up(v, now)) continue;
        auto it = peer_logs.find(v);
        if (it == peer_logs.end() || now - it->second.at >= peer_log_window(cfg))
            return "the log of " + v + " (reachable) is not known here yet; retry in a moment";
    }
    bool ahead_of_us =
        !best.empty() && (best_term > log.last_term() ||
                          (best_term == log.last_term() && best_index > log.last_index()));
    if (ahead_of_us) {
        return "the log of " + cfg.self + " (" + position(log.last_index(), log.last_term()) +
               ") is behind the log of " + best + " (" + position(best_index, best_term) +
               "); run collective recover on " + best + " instead";
    }
    return std::nullopt;
}

std::optional<std::string> State::force_recover(proto::Membership survivors, TimePoint now) {
    if (auto why = recovery_refusal(now)) return why;
    const auto& cur = log.membership();
    std::set<std::string> seen;
    bool self_votes = false;
    for (const auto& m : survivors.members) {
        bool known = false;
        for (const auto& c : cur.members) known |= c.name == m.name;
        if (!known) return m.name + " is not a recognized collective member";
        if (!seen.insert(m.name).second) return "member " + m.name + " is listed twice";
        if (m.name == cfg.self) self_votes = m.role == proto::Role::Voter;
    }
    if (!self_votes) return "the surviving list must contain this member as a voting member";
    if (role == Role::Leader) become_follower(hs.term, "", now);
    // The administrator's statement that the others are dead: lead a new
    // term with the survivors as the whole member list. A term above every
    // term heard of, so no reachable member ignores the new leader.
    Term top = hs.term;
    for (const auto& [name, p] : peer_logs) top = std::max(top, p.last_term);
    hs.term = top + 1;
    hs.voted_for = cfg.self;
    votes = {cfg.self};
    become_leader(now);
    append_local(proto::EntryKind::Membership, proto::to_bytes(survivors));
    sync_progress(now);
    broadcast(now);
    return std::nullopt;
}

}  // namespace raft::detail
