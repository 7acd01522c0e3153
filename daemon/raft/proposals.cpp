// Proposals on any member: the leader appends them, other members forward
// them to the leader. Every proposal ends with exactly one result: Ok once
// the entry is committed and handed out here (read-your-writes), a definite
// failure, or Timeout (outcome unknown) at its deadline.
//
// Exactly-once proposals (propose_once, EntryKind::SessionCommand) also ride
// through a leader change: held while an election runs, sent again to each
// new leader until a copy commits. The state machine applies only the first
// copy, so a copy too many is harmless; a definite failure is answered only
// while no copy can exist.
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

// The id of a forwarded copy: the proposal id and which send it is, so that a
// leader's answer to an older copy is told apart (and a leader that saw an
// older copy appends this one as new: the state machine drops it if needed).
uint64_t forward_id(ProposalId id, uint32_t sends) {
    return (id << 8) | (sends & 0xff);
}

}  // namespace

void State::propose(ProposalId id, proto::EntryKind kind, std::string data, TimePoint now) {
    CC_CHECK(!proposals.count(id));
    CC_CHECK(id < (uint64_t{1} << 56), "proposal id ", id, " does not fit a forward id");
    Pending p(now + cfg.proposal_timeout);
    if (kind == proto::EntryKind::SessionCommand) {
        if (role != Role::Leader && !leader_known(now) && !majority_heard(now))
            return ready.proposal_results.push_back({id, Outcome::NoQuorum, 0, ""});
        p.resend = true;
        p.kind = kind;
        p.data = std::move(data);
        p.waiting = true;
        auto& held = proposals.emplace(id, std::move(p)).first->second;
        dispatch(id, held, now);
        return;
    }
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
    p.sends = 1;
    proposals.emplace(id, p);
    send(leader,
         proto::ForwardProposal{hs.term, incarnation, forward_id(id, 1), kind, std::move(data)});
}

void State::dispatch(ProposalId id, Pending& p, TimePoint now) {
    if (role == Role::Leader) {
        // Counted as a send only when appended: a refusal appends nothing.
        auto r = leader_accept(p.kind, p.data, now);
        switch (r.status) {
            case proto::ForwardStatus::Appended:
                ++p.sends;
                p.waiting = false;
                p.index = r.index;
                p.term = r.entry_term;
                p.sent_to = cfg.self;
                p.sent_term = hs.term;
                p.sent_at = now;
                return;
            case proto::ForwardStatus::Rejected:
                if (p.sends == 0) return finish(id, Outcome::Refused, 0, r.reason);
                p.refused = r.reason;
                p.waiting = false;
                return;
            case proto::ForwardStatus::NoQuorum:
                // A leader that lost its quorum moments ago holds the write
                // like a follower would (an election may follow at once).
                if (p.sends == 0 && !majority_heard(now))
                    return finish(id, Outcome::NoQuorum, 0, r.reason);
                [[fallthrough]];
            case proto::ForwardStatus::NotLeader:  // moving to another member
                p.retry_at = now + cfg.heartbeat_interval;
                return;
        }
        return;
    }
    if (!leader_known(now)) return;  // held until a leader is known
    ++p.sends;
    p.waiting = false;
    p.index = 0;  // the driver, not the core, recognizes an older copy applied
    p.term = 0;
    p.sent_to = leader;
    p.sent_term = hs.term;
    p.sent_at = now;
    send(leader,
         proto::ForwardProposal{hs.term, incarnation, forward_id(id, p.sends), p.kind, p.data});
}

// A copy sent to a leader that is no longer the one (lost, or it stepped
// down) may never commit: send it again, unless it already committed.
void State::pump_proposals(TimePoint now) {
    const std::string& current = role == Role::Leader ? cfg.self : leader;
    for (auto& [id, p] : proposals) {
        if (!p.resend || !p.refused.empty()) continue;
        const bool moved = p.sent_term != hs.term || p.sent_to != current;
        if (p.waiting) {
            // A new leader gets the write at once; retry_at only paces sends
            // to the same one.
            if (moved && !current.empty()) p.retry_at = now;
            continue;
        }
        bool committed = p.index != 0 && p.index <= commit && log.term_at(p.index) == p.term;
        // No answer from the same leader for an election timeout: the
        // forward (or its answer) was lost; send another copy.
        bool unanswered =
            p.index == 0 && p.sent_to != cfg.self && now - p.sent_at >= cfg.election_timeout_max;
        if (!committed && (moved || unanswered)) {
            p.waiting = true;
            p.retry_at = now;
        }
    }
    // A held write that no leader has seen fails as soon as this member no
    // longer hears from a majority: it definitely was not applied.
    const bool hopeless = role != Role::Leader && !leader_known(now) && !majority_heard(now);
    for (auto it = proposals.begin(); it != proposals.end();) {
        auto id = it->first;
        Pending& p = it++->second;  // dispatch and finish erase this one only
        if (!p.resend || !p.waiting || !p.refused.empty()) continue;
        if (hopeless && p.sends == 0) {
            finish(id, Outcome::NoQuorum, 0, "");
            continue;
        }
        if (now >= p.retry_at) dispatch(id, p, now);
        // Still waiting (no leader known): look again shortly.
        if (proposals.count(id) && p.waiting && p.retry_at <= now)
            p.retry_at = now + cfg.heartbeat_interval;
    }
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
    } else if (kind == proto::EntryKind::Command || kind == proto::EntryKind::SessionCommand) {
        if (cfg.validate_command)
            if (auto why = cfg.validate_command(kind, data, log.membership())) {
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
    if (kind == proto::EntryKind::Membership) {
        sync_progress(now);
        broadcast(now);
    } else if (!broadcast_due) {
        broadcast_due = now;
    }
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
        if (auto it = progress.find(from);
            it != progress.end() && r.status == proto::ForwardStatus::Appended)
            it->second.awaited_upto = r.index;
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

void State::on_forward_reply(const std::string&, const proto::ForwardReply& m, TimePoint now) {
    if (m.incarnation != incarnation) return;
    const ProposalId id = m.id >> 8;
    auto it = proposals.find(id);
    if (it == proposals.end()) return;
    Pending& p = it->second;
    // Only the answer to the latest copy counts.
    if (forward_id(id, p.sends) != m.id || p.index != 0 || p.waiting) return;
    if (m.status == proto::ForwardStatus::Appended) {
        if (m.index == 0) return;  // nonsense
        p.index = m.index;
        p.term = m.entry_term;
        return;
    }
    if (p.resend && p.sends > 1 && m.status == proto::ForwardStatus::Rejected) {
        // Definite only for this copy: an earlier one may still commit.
        p.refused = m.reason.empty() ? "rejected by the leader" : m.reason;
        return;
    }
    if (p.resend && m.status != proto::ForwardStatus::Rejected) {
        // NotLeader: try the next leader. NoQuorum: definite only while this
        // was the only copy and no majority is heard; otherwise hold it.
        if (m.status == proto::ForwardStatus::NotLeader || p.sends > 1 || majority_heard(now)) {
            p.waiting = true;
            p.retry_at = now + cfg.heartbeat_interval;
            return;
        }
    }
    finish(id, code_of(m.status), 0, m.reason.empty() ? "rejected by the leader" : m.reason);
}

void State::finish(ProposalId id, Outcome code, Index index, std::string reason) {
    ready.proposal_results.push_back({id, code, index, std::move(reason)});
    proposals.erase(id);
}

void State::resolve_proposals(TimePoint now) {
    pump_proposals(now);
    for (auto it = proposals.begin(); it != proposals.end();) {
        const ProposalId id = it->first;
        Pending& p = it++->second;  // finish() erases this one only
        if (p.resend && now >= p.deadline) {
            if (p.sends == 0)
                finish(id, Outcome::NoQuorum, 0,
                       "no leader was elected within " +
                           std::to_string(cfg.proposal_timeout.count()) +
                           " ms; nothing was changed");
            else if (!p.refused.empty())
                finish(id, Outcome::Unknown, 0,
                       "the leader refused a copy sent again after a leader change (" + p.refused +
                           "), but the first copy may still be applied: check before retrying");
            else
                finish(id, Outcome::Unknown, 0,
                       "no leader committed the change within " +
                           std::to_string(cfg.proposal_timeout.count()) +
                           " ms; it may or may not be applied, check before retrying");
            continue;
        }
        if (p.index != 0 && applied >= p.index) {
            auto t = log.term_at(p.index);
            if (t == p.term)
                finish(id, Outcome::Done, p.index, "");
            else if (p.resend) {  // this copy was replaced: send another
                p.index = 0;
                p.waiting = true;
                p.retry_at = now;
            } else if (t)
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
