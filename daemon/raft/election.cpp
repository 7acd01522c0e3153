// Elections: randomized timeouts, pre-vote, votes with the log comparison,
// roles, check-quorum and leadership transfer.
#include <algorithm>

#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

void State::reset_election_timer(TimePoint now) {
    auto span =
        static_cast<uint64_t>((cfg.election_timeout_max - cfg.election_timeout_min).count());
    election_deadline = now + cfg.election_timeout_min + Millis(random() % span);
}

bool State::may_campaign() const {
    if (hs.catching_up) return false;
    // A voter of the committed list or of any later one in our log, not only
    // of the latest: a member whose removal or demotion is not committed may
    // hold the longest log, and then nobody else can win. Campaigning is
    // always safe: votes are counted by the candidate's latest list.
    return log.voter_since(commit, cfg.self);
}

size_t State::granted_votes() const {
    size_t n = 0;
    for (const auto& v : voters())
        if (votes.count(v)) ++n;
    return n;
}

bool State::log_up_to_date(Index last_index, Term last_term) const {
    return last_term > log.last_term() ||
           (last_term == log.last_term() && last_index >= log.last_index());
}

void State::election_tick(TimePoint now) {
    if (now < election_deadline) return;
    reset_election_timer(now);
    leader.clear();  // nothing heard for a whole election timeout
    // Non-voters never lead; a restored member waits for a leader's entries.
    if (!may_campaign()) return;
    campaign(now, /*pre_vote=*/true, /*transfer=*/false);
}

void State::on_lost_link(const std::string& from, TimePoint now) {
    // Not heard from any more: a write waiting for a majority that is gone
    // fails at once rather than after the contact window.
    heard.erase(from);
    link_heard.erase(from);
    if (role != Role::Follower || from.empty() || from != leader) return;
    // No lease for a leader whose links all closed, and no forwarding to it:
    // writes wait for its successor. The delay is drawn so that the
    // followers, told at the same moment, rarely split the vote.
    leader.clear();
    leader_contact.reset();
    auto soon = now + Millis(1 + random() % static_cast<uint64_t>(cfg.heartbeat_interval.count()));
    election_deadline = std::min(election_deadline, soon);
}

void State::campaign(TimePoint now, bool pre_vote, bool transfer) {
    votes = {cfg.self};
    leader.clear();
    Term t;
    if (pre_vote) {
        role = Role::PreCandidate;
        t = hs.term + 1;
    } else {
        role = Role::Candidate;
        hs.term += 1;
        hs.voted_for = cfg.self;
        t = hs.term;
    }
    reset_election_timer(now);
    if (granted_votes() >= quorum()) {
        if (pre_vote) return campaign(now, false, transfer);
        return become_leader(now);
    }
    for (const auto& v : voters()) {
        if (v == cfg.self) continue;
        send(v, proto::VoteRequest{t, log.last_index(), log.last_term(), pre_vote, transfer});
    }
}

void State::become_follower(Term term, const std::string& leader_name, TimePoint now) {
    CC_CHECK(term >= hs.term);
    if (term > hs.term) {
        hs.term = term;
        hs.voted_for.clear();
        // seq restarts with each term of a leader, even one re-elected: an
        // answer must never carry a seq of an earlier term, which would
        // confirm a read index round it never saw.
        leader_seq = 0;
    }
    if (role == Role::Leader) {
        fail_leader_reads();
        progress.clear();
        transfer_to.reset();
    }
    if (leader != leader_name) {
        leader_matched = 0;
        acked = 0;
        leader_seq = 0;
    }
    role = Role::Follower;
    leader = leader_name;
    votes.clear();
    if (!leader_name.empty()) leader_contact = now;
    reset_election_timer(now);
}

void State::become_leader(TimePoint now) {
    CC_CHECK(role != Role::Leader);
    role = Role::Leader;
    leader = cfg.self;
    progress.clear();
    seq = 0;
    transfer_to.reset();
    heartbeat_due = now;
    notice_due.reset();
    pace_due.reset();
    check_quorum_due = now + cfg.election_timeout_max;
    sync_progress(now);
    for (auto& [name, p] : progress)
        if (votes.count(name)) p.last_contact = now;
    // A no-op of the new term: committing it commits everything before it.
    append_local(proto::EntryKind::Noop, {});
    broadcast(now);
}

// Voters ignore would-be leaders while they still hear from the current one,
// unless that leader asked for the election (transfer).
static bool in_lease(const State& s, TimePoint now, bool transfer) {
    if (transfer) return false;
    if (s.role == Role::Leader) return true;
    return !s.leader.empty() && s.leader_contact &&
           now - *s.leader_contact < s.cfg.election_timeout_min;
}

bool State::observe_term(const std::string& from, const proto::RaftMessage& m, TimePoint now) {
    Term t = proto::term_of(m);
    if (auto* v = std::get_if<proto::VoteRequest>(&m)) {
        if (v->pre_vote) return true;
        if (t > hs.term && in_lease(*this, now, v->transfer)) return false;
    }
    if (auto* r = std::get_if<proto::VoteResponse>(&m); r && r->pre_vote && r->granted) return true;
    if (t > hs.term) {
        bool from_leader = std::holds_alternative<proto::AppendRequest>(m) ||
                           std::holds_alternative<proto::SnapshotChunk>(m) ||
                           std::holds_alternative<proto::TimeoutNow>(m);
        become_follower(t, from_leader ? from : std::string(), now);
    }
    return true;
}

void State::on_vote_request(const std::string& from, const proto::VoteRequest& m, TimePoint now) {
    // Any member may grant a vote whatever its own role: the candidate counts
    // only the voters of its own latest list, and this member may not have
    // seen its own promotion (or a removal) yet. A restored member that has
    // not caught up must not vote at all.
    peer_logs[from] = {m.last_log_index, m.last_log_term, false, now};
    bool eligible = !hs.catching_up;
    bool log_ok = cfg.test_mutation == Mutation::VoteWithoutLogCheck ||
                  log_up_to_date(m.last_log_index, m.last_log_term);
    if (m.pre_vote) {
        bool grant = m.term > hs.term && eligible && log_ok && !in_lease(*this, now, m.transfer);
        send(from, proto::VoteResponse{grant ? m.term : hs.term, grant, true, hs.catching_up,
                                       log.last_index(), log.last_term()});
        return;
    }
    bool grant =
        m.term == hs.term && eligible && log_ok && (hs.voted_for.empty() || hs.voted_for == from);
    if (grant) {
        hs.voted_for = from;
        reset_election_timer(now);
    }
    send(from, proto::VoteResponse{hs.term, grant, false, hs.catching_up, log.last_index(),
                                   log.last_term()});
}

void State::on_vote_response(const std::string& from, const proto::VoteResponse& m, TimePoint now) {
    // An older member (below v6) sends no position: nothing learnt.
    if (m.catching_up || m.last_log_term != 0 || m.last_log_index != 0)
        peer_logs[from] = {m.last_log_index, m.last_log_term, m.catching_up, now};
    if (!m.granted) return;
    bool counts = m.pre_vote ? role == Role::PreCandidate && m.term == hs.term + 1
                             : role == Role::Candidate && m.term == hs.term;
    if (!counts) return;
    votes.insert(from);
    if (granted_votes() < quorum()) return;
    if (m.pre_vote)
        campaign(now, false, false);
    else
        become_leader(now);
}

void State::on_timeout_now(const std::string& from, const proto::TimeoutNow& m, TimePoint now) {
    if (m.term != hs.term || from != leader || role != Role::Follower) return;
    if (!may_campaign()) return;
    campaign(now, /*pre_vote=*/false, /*transfer=*/true);
}

void State::check_quorum(TimePoint now) {
    if (now < check_quorum_due) return;
    check_quorum_due = now + cfg.election_timeout_max;
    if (!has_quorum(now)) become_follower(hs.term, "", now);
}

void State::transfer_progress(TimePoint now) {
    if (!transfer_to || role != Role::Leader) return;
    auto it = progress.find(*transfer_to);
    if (now >= transfer_deadline || it == progress.end()) {
        transfer_to.reset();
        return;
    }
    if (it->second.match == log.last_index())
        send(*transfer_to, proto::TimeoutNow{hs.term});
    else
        replicate(*transfer_to, now);
}

}  // namespace raft::detail
