// Proposals on any member: the leader appends them, other members forward
// them to the leader. Every proposal ends with exactly one result: Ok once
// the entry is committed and handed out here (read-your-writes), a definite
// failure, or Timeout (outcome unknown) at its deadline.
#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

namespace {

Outcome code_of(proto::ForwardStatus s) {
    switch (s) {
        case proto::ForwardStatus::Appended:
            return Outcome::Done;
        case proto::ForwardStatus::NotLeader:
            return Outcome::NotLeader;
        case proto::ForwardStatus::NoQuorum:
            return Outcome::NoQuorum;
        case proto::ForwardStatus::Rejected:
            return Outcome::Refused;
    }
    return Outcome::Refused;
}
}  // namespace

void State::propose(ProposalId id, proto::EntryKind kind, std::string data, TimePoint now) {
    CC_CHECK(!proposals.count(id));
    Pending p{0, 0, now + cfg.proposal_timeout};
    if (role == Role::Leader) {
        auto r = leader_accept(kind, std::move(data), now);
        if (r.status != proto::ForwardStatus::Appended)
            return ready.proposal_results.push_back({id, code_of(r.status), 0, r.reason});
        p.index = r.index;
        p.term = r.entry_term;
        proposals.emplace(id, p);
        return;
    }
    if (!leader_known(now)) return ready.proposal_results.push_back({id, Outcome::NoQuorum, 0, ""});
    proposals.emplace(id, p);
    send(leader, proto::ForwardProposal{hs.term, incarnation, id, kind, std::move(data)});
}

proto::ForwardReply State::leader_accept(proto::EntryKind kind, std::string data, TimePoint now) {
    proto::ForwardReply r;
    r.term = hs.term;
    if (transfer_to) {
        r.status = proto::ForwardStatus::NotLeader;
        r.reason = "leadership is moving to " + *transfer_to + "; retry in a moment";
        return r;
    }
    if (!has_quorum(now)) {
        r.status = proto::ForwardStatus::NoQuorum;
        r.reason = std::string(proto::default_text(Outcome::NoQuorum));
        return r;
    }
    if (kind == proto::EntryKind::Membership) {
        proto::Membership next;
        try {
            next = proto::from_bytes<proto::Membership>(data);
        } catch (const proto::DecodeError& e) {
            r.status = proto::ForwardStatus::Rejected;
            r.reason = std::string("malformed member list: ") + e.what();
            return r;
        }
        if (auto why = validate_change(next)) {
            r.status = proto::ForwardStatus::Rejected;
            r.reason = *why;
            return r;
        }
        data = proto::to_bytes(next);
    } else if (kind == proto::EntryKind::Command) {
        if (cfg.validate_command)
            if (auto why = cfg.validate_command(data, log.membership())) {
                r.status = proto::ForwardStatus::Rejected;
                r.reason = *why;
                return r;
            }
    } else {
        r.status = proto::ForwardStatus::Rejected;
        r.reason = "only commands and member lists can be proposed";
        return r;
    }
    append_local(kind, std::move(data));
    if (kind == proto::EntryKind::Membership) sync_progress(now);
    broadcast(now);
    r.status = proto::ForwardStatus::Appended;
    r.index = log.last_index();
    r.entry_term = hs.term;
    return r;
}

void State::on_forward(const std::string& from, const proto::ForwardProposal& m, TimePoint now) {
    auto key = std::make_tuple(from, m.incarnation, m.id);
    if (auto it = forwarded.find(key); it != forwarded.end()) {
        auto again = it->second.first;  // duplicate: same answer as the first copy
        again.term = hs.term;
        send(from, std::move(again));
        return;
    }
    proto::ForwardReply r;
    // Only a forward made in our own term is appended: a copy delayed from an
    // earlier term (this member may have led then too) must not be appended twice.
    if (role == Role::Leader && m.term == hs.term) {
        r = leader_accept(m.kind, m.data, now);
    } else {
        r.term = hs.term;
        r.status = proto::ForwardStatus::NotLeader;
        r.reason = "leadership changed; retry";
    }
    r.incarnation = m.incarnation;
    r.id = m.id;
    // Remember every answer, not just appends: a duplicate that arrived after
    // quorum came back must not be appended after we said NoQuorum.
    forwarded[key] = {r, now};
    send(from, std::move(r));
}

void State::on_forward_reply(const std::string&, const proto::ForwardReply& m, TimePoint) {
    if (m.incarnation != incarnation) return;
    auto it = proposals.find(m.id);
    if (it == proposals.end() || it->second.index != 0) return;
    if (m.status == proto::ForwardStatus::Appended) {
        if (m.index == 0) return;  // nonsense
        it->second.index = m.index;
        it->second.term = m.entry_term;
        return;
    }
    finish(m.id, code_of(m.status), 0, m.reason.empty() ? "rejected by the leader" : m.reason);
}

void State::finish(ProposalId id, Outcome code, Index index, std::string reason) {
    ready.proposal_results.push_back({id, code, index, std::move(reason)});
    proposals.erase(id);
}

void State::resolve_proposals(TimePoint now) {
    for (auto it = proposals.begin(); it != proposals.end();) {
        auto [id, p] = *it++;
        if (p.index != 0 && applied >= p.index) {
            auto t = log.term_at(p.index);
            if (t == p.term)
                finish(id, Outcome::Done, p.index, "");
            else if (t)
                finish(id, Outcome::NotLeader, 0,
                       "leadership changed before the change committed; it was not applied, "
                       "retry");
            else
                finish(id, Outcome::Unknown, 0,
                       "this member caught up from a snapshot; the change may or may not be "
                       "applied, check before retrying");
        } else if (now >= p.deadline) {
            finish(id, Outcome::Unknown, 0,
                   "no answer from the leader within " +
                       std::to_string(cfg.proposal_timeout.count()) +
                       " ms; the change may or may not be applied, check before retrying");
        }
    }
}

}  // namespace raft::detail
