// raft::Core's public methods: each runs one event on the State, then the
// cheap self-checks. Also the helpers every concern shares, Ready assembly
// and status.
#include "daemon/raft/core.hpp"

#include <algorithm>

#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft {
namespace detail {

State::State(Config c, BootState boot, uint64_t seed)
    : cfg(std::move(c)),
      log(std::move(boot.snapshot), std::move(boot.log), std::move(boot.initial_membership)),
      rng(seed) {
    CC_CHECK(cfg.election_timeout_min > Millis(0));
    CC_CHECK(cfg.election_timeout_max > cfg.election_timeout_min);
    CC_CHECK(cfg.max_inflight_appends >= 1 && cfg.max_inflight_nonvoter >= 1 &&
             cfg.snapshot_chunk_bytes >= 1);
    incarnation = random();
    if (boot.hard_state) {
        hs = *boot.hard_state;
        hs_emitted = hs;
    } else {
        hs.catching_up = true;  // restored member: emitted with the first Ready
    }
    CC_CHECK(boot.applied >= log.snapshot().index && boot.applied <= log.last_index());
    commit = applied = boot.applied;
    persisted = handed = log.last_index();
}

// splitmix64: tiny, fully specified, so a seed replays identically everywhere.
uint64_t State::random() {
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void State::send(const std::string& to, proto::RaftMessage m) {
    CC_CHECK(to != cfg.self);
    ready.messages.push_back({to, std::move(m)});
}

bool State::is_voter(const std::string& name) const {
    for (const auto& m : log.membership().members)
        if (m.name == name) return m.role == proto::Role::Voter;
    return false;
}

std::vector<std::string> State::voters() const {
    std::vector<std::string> v;
    for (const auto& m : log.membership().members)
        if (m.role == proto::Role::Voter) v.push_back(m.name);
    return v;
}

bool State::active(const std::string& name, TimePoint now) const {
    if (name == cfg.self) return true;
    if (role == Role::Leader) {
        auto it = progress.find(name);
        return it != progress.end() && it->second.last_contact &&
               now - *it->second.last_contact < cfg.election_timeout_max;
    }
    auto it = heard.find(name);
    return it != heard.end() && now - it->second < cfg.election_timeout_max;
}

void State::note_run(TimePoint now) {
    if (last_run && now - *last_run > cfg.contact_window) woke = now;
    if (!last_run || now > *last_run) last_run = now;
}

bool State::majority_heard(TimePoint now) const {
    if (woke && now - *woke < cfg.contact_window) return true;
    auto recent = [&](const std::map<std::string, TimePoint>& m, const std::string& name) {
        auto it = m.find(name);
        return it != m.end() && now - it->second < cfg.contact_window;
    };
    size_t n = 0;
    for (const auto& v : voters())
        if (v == cfg.self || recent(heard, v) || recent(link_heard, v)) ++n;
    return n >= quorum();
}

bool State::has_quorum(TimePoint now) const {
    size_t n = 0;
    for (const auto& v : voters())
        if (active(v, now)) ++n;
    return n >= quorum();
}

bool State::leader_known(TimePoint now) const {
    if (role == Role::Leader) return has_quorum(now);
    return !leader.empty() && leader_contact && now - *leader_contact < cfg.election_timeout_max;
}

}  // namespace detail

namespace {

// Entries after the snapshot whose term is below the snapshot's are a stale
// suffix that a crash kept from before a snapshot install (which empties the
// log only asynchronously): an entry after a committed one of term T always
// has a term >= T. They are dropped, here and (Ready::truncate_from = 0) in
// the log store.
bool drop_stale_suffix(BootState& boot) {
    if (boot.log.empty() || boot.log.front().term >= boot.snapshot.term) return false;
    boot.log.clear();
    boot.applied = boot.snapshot.index;
    return true;
}

}  // namespace

Core::Core(Config config, BootState boot, uint64_t rng_seed) {
    bool stale = drop_stale_suffix(boot);
    s_ = std::make_unique<detail::State>(std::move(config), std::move(boot), rng_seed);
    if (stale) s_->ready.truncate_from = 0;
}

Core::~Core() = default;

void Core::tick(TimePoint now) {
    auto& s = *s_;
    s.note_run(now);
    if (!s.started) {
        s.started = now;
        s.reset_election_timer(now);
        // A collective of one need not wait for anybody: lead at once.
        auto v = s.voters();
        if (v.size() == 1 && v[0] == s.cfg.self && !s.hs.catching_up) s.election_deadline = now;
    }
    if (s.role == Role::Leader) {
        s.heartbeat_tick(now);  // a heartbeat carries the commit: no notice besides
        s.send_due_notices(now);
        s.send_paced(now);
        s.check_quorum(now);
        s.transfer_progress(now);
    } else {
        s.election_tick(now);
    }
    s.resolve_proposals(now);
    s.advance_reads(now);
    s.resolve_reads(now);
    for (auto it = s.forwarded.begin(); it != s.forwarded.end();)
        it = now - it->second.second > 2 * s.cfg.proposal_timeout ? s.forwarded.erase(it)
                                                                  : std::next(it);
    s.check_invariants();
}

void Core::receive(const std::string& from, proto::RaftMessage message, TimePoint now) {
    auto& s = *s_;
    s.note_run(now);
    if (from == s.cfg.self) return;
    s.heard[from] = now;
    if (!s.observe_term(from, message, now)) return;
    std::visit(
        [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, proto::VoteRequest>) s.on_vote_request(from, m, now);
            if constexpr (std::is_same_v<T, proto::VoteResponse>) s.on_vote_response(from, m, now);
            if constexpr (std::is_same_v<T, proto::AppendRequest>) s.on_append(from, m, now);
            if constexpr (std::is_same_v<T, proto::AppendResponse>)
                s.on_append_response(from, m, now);
            if constexpr (std::is_same_v<T, proto::SnapshotChunk>) s.on_chunk(from, m, now);
            if constexpr (std::is_same_v<T, proto::SnapshotAck>) s.on_snapshot_ack(from, m, now);
            if constexpr (std::is_same_v<T, proto::TimeoutNow>) s.on_timeout_now(from, m, now);
            if constexpr (std::is_same_v<T, proto::ForwardProposal>) s.on_forward(from, m, now);
            if constexpr (std::is_same_v<T, proto::ForwardReply>) s.on_forward_reply(from, m, now);
            if constexpr (std::is_same_v<T, proto::ReadIndexRequest>)
                s.on_read_request(from, m, now);
            if constexpr (std::is_same_v<T, proto::ReadIndexReply>) s.on_read_reply(from, m, now);
        },
        message);
    s.resolve_proposals(now);
    s.resolve_reads(now);
    s.check_invariants();
}

void Core::propose(ProposalId id, std::string command, TimePoint now) {
    s_->note_run(now);
    s_->propose(id, proto::EntryKind::Command, std::move(command), now);
    s_->check_invariants();
}

void Core::propose_once(ProposalId id, std::string session_command, TimePoint now) {
    s_->note_run(now);
    s_->propose(id, proto::EntryKind::SessionCommand, std::move(session_command), now);
    s_->check_invariants();
}

void Core::forget_proposal(ProposalId id) {
    s_->proposals.erase(id);
}

void Core::heard_from(const std::string& from, TimePoint now) {
    s_->note_run(now);
    if (from != s_->cfg.self) s_->link_heard[from] = now;
}

void Core::lost_link(const std::string& from, TimePoint now) {
    s_->note_run(now);
    s_->on_lost_link(from, now);
    s_->check_invariants();
}

void Core::propose_membership(ProposalId id, proto::Membership members, TimePoint now) {
    s_->note_run(now);
    s_->propose(id, proto::EntryKind::Membership, proto::to_bytes(members), now);
    s_->check_invariants();
}

void Core::read_index(ReadId id, TimePoint now) {
    s_->note_run(now);
    s_->read_index(id, now);
    s_->resolve_reads(now);
    s_->check_invariants();
}

bool Core::snapshot_installed(bool durable, TimePoint now) {
    bool kept = s_->snapshot_installed(durable, now);
    s_->resolve_proposals(now);
    s_->resolve_reads(now);
    s_->check_invariants();
    return kept;
}

void Core::persisted(Index index, Term term, TimePoint now) {
    s_->on_persisted(index, term, now);
    s_->resolve_proposals(now);
    s_->resolve_reads(now);
    s_->check_invariants();
}

void Core::append_failed(Index from, TimePoint now) {
    s_->on_append_failed(from, now);
    s_->check_invariants();
}

void Core::snapshot_taken(Index index, TimePoint) {
    s_->snapshot_taken(index);
    s_->check_invariants();
}

void Core::send_snapshot(const std::string& to, Index index, std::string data, TimePoint now) {
    s_->send_snapshot(to, index, std::move(data), now);
    s_->check_invariants();
}

std::optional<std::string> Core::transfer_leadership(const std::string& to, TimePoint now) {
    auto& s = *s_;
    if (s.role != Role::Leader) return "this member is not the leader; run it on the leader";
    if (to == s.cfg.self) return to + " is already the leader";
    if (!s.progress.count(to)) return to + " is not a member of the collective";
    if (!s.is_voter(to)) return to + " is a non-voting member and cannot lead";
    s.transfer_to = to;
    s.transfer_deadline = now + s.cfg.election_timeout_max;
    s.transfer_progress(now);
    s.check_invariants();
    return std::nullopt;
}

std::optional<std::string> Core::force_recover(proto::Membership survivors, TimePoint now) {
    auto r = s_->force_recover(std::move(survivors), now);
    s_->check_invariants();
    return r;
}

std::variant<RecoveryPlan, std::string> Core::plan_recovery(TimePoint now) const {
    const auto& s = *s_;
    if (auto why = s.recovery_refusal(now)) return *why;
    RecoveryPlan plan;
    for (const auto& m : s.log.membership().members) {
        if (s.reachable(m.name, now))
            plan.survivors.members.push_back(m);
        else
            plan.dropped.push_back(m.name);
    }
    plan.last_index = s.log.last_index();
    plan.last_term = s.log.last_term();
    return plan;
}

Ready Core::take_ready() {
    auto& s = *s_;
    if (s.broadcast_due) {
        if (s.role == Role::Leader) s.broadcast(*s.broadcast_due);
        s.broadcast_due.reset();
    }
    Ready r = std::move(s.ready);
    s.ready = Ready{};
    if (!s.hs_emitted || !(*s.hs_emitted == s.hs)) {
        r.hard_state = s.hs;
        s.hs_emitted = s.hs;
    }
    if (!r.entries.empty()) s.handed = r.entries.back().index;
    // Next moment something is due; events may come earlier.
    TimePoint base = s.started.value_or(TimePoint{});
    TimePoint next = TimePoint::max();
    auto consider = [&](TimePoint t) { next = std::min(next, t); };
    if (s.role == Role::Leader) {
        consider(s.heartbeat_due);
        consider(s.check_quorum_due);
        if (s.notice_due) consider(*s.notice_due);
        if (s.pace_due) consider(*s.pace_due);
        if (s.transfer_to) consider(s.transfer_deadline);
    } else {
        consider(s.election_deadline);
    }
    for (const auto& [id, p] : s.proposals) {
        consider(p.deadline);
        if (p.resend && p.waiting && p.refused.empty()) consider(p.retry_at);
        if (p.resend && !p.waiting && p.index == 0 && p.refused.empty())
            consider(p.sent_at + s.cfg.election_timeout_max);
    }
    for (const auto& [id, p] : s.reads) consider(p.deadline);
    for (const auto& lr : s.leader_reads) consider(lr.deadline);
    r.next_wakeup = next == TimePoint::max() ? base + s.cfg.election_timeout_max : next;
    return r;
}

Status Core::status(TimePoint now) const {
    const auto& s = *s_;
    Status st;
    st.self = s.cfg.self;
    st.role = s.role;
    st.term = s.hs.term;
    st.leader = s.leader;
    st.quorum = s.leader_known(now);
    st.catching_up = s.hs.catching_up;
    st.commit_index = s.commit;
    st.applied_index = s.applied;
    st.last_index = s.log.last_index();
    st.snapshot_index = s.log.snapshot().index;
    st.membership = s.log.membership();
    for (const auto& m : st.membership.members) {
        MemberStatus ms;
        ms.info = m;
        ms.voter = m.role == proto::Role::Voter;
        if (s.role == Role::Leader) {
            auto it = s.progress.find(m.name);
            if (it != s.progress.end()) {
                ms.match_index = it->second.match;
                ms.last_contact = it->second.last_contact;
            } else if (m.name == s.cfg.self) {
                ms.match_index = s.persisted;
                ms.last_contact = now;
            }
            ms.active = s.active(m.name, now);
        } else {
            auto it = s.heard.find(m.name);
            if (it != s.heard.end()) ms.last_contact = it->second;
            ms.active = m.name == s.cfg.self || (m.name == s.leader && st.quorum);
        }
        st.members.push_back(std::move(ms));
    }
    return st;
}

const HardState& Core::hard_state() const {
    return s_->hs;
}
Role Core::role() const {
    return s_->role;
}
bool Core::self_voter() const {
    return s_->self_voter();
}
Index Core::commit_index() const {
    return s_->commit;
}
Index Core::last_index() const {
    return s_->log.last_index();
}
Index Core::first_index() const {
    return s_->log.first_index();
}
const proto::Entry& Core::entry(Index index) const {
    return s_->log.at(index);
}
const SnapshotMeta& Core::snapshot() const {
    return s_->log.snapshot();
}
SnapshotMeta Core::snapshot_meta_at(Index index) const {
    CC_CHECK(index >= s_->log.snapshot().index && index <= s_->log.last_index());
    return s_->log.meta_at(index);
}
const std::string& Core::leader() const {
    return s_->role == Role::Leader ? s_->cfg.self : s_->leader;
}

const proto::Membership& Core::membership() const {
    return s_->log.membership();
}

}  // namespace raft
