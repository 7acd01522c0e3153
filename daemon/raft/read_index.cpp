// Linearizable reads (read index): the leader notes its commit index, proves
// it still leads with one heartbeat round acknowledged by a majority of
// voters, and the asking member answers once it has applied that index.
#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

// Pending reads use Pending::term as a flag: 1 once the index is confirmed.
void State::read_index(ReadId id, TimePoint now) {
    CC_CHECK(!reads.count(id));
    auto fail = [&](Outcome code, std::string why) {
        ready.read_results.push_back({id, code, 0, std::move(why)});
    };
    if (role == Role::Leader) {
        if (transfer_to) return fail(Outcome::NotLeader, "leadership is moving; retry");
        if (!has_quorum(now)) return fail(Outcome::NoQuorum, "");
        reads[id] = Pending(now + cfg.read_timeout);
        leader_reads.push_back({"", 0, id, 0, 0, now + cfg.read_timeout});
        advance_reads(now);
        return;
    }
    if (!leader_known(now)) return fail(Outcome::NoQuorum, "");
    reads[id] = Pending(now + cfg.read_timeout);
    send(leader, proto::ReadIndexRequest{hs.term, incarnation, id});
}

void State::on_read_request(const std::string& from, const proto::ReadIndexRequest& m,
                            TimePoint now) {
    if (role != Role::Leader || transfer_to || !has_quorum(now)) {
        send(from, proto::ReadIndexReply{hs.term, m.incarnation, m.id, false, 0});
        return;
    }
    leader_reads.push_back({from, m.incarnation, m.id, 0, 0, now + cfg.read_timeout});
    advance_reads(now);
}

void State::advance_reads(TimePoint now) {
    if (role != Role::Leader || leader_reads.empty()) return;
    // Until an entry of this term commits, the leader's commit index may lag
    // writes acknowledged by its predecessor: no read starts its round (but
    // reads still expire, so that no past deadline is left behind).
    const bool current = log.term_at(commit) == hs.term;
    bool round = false;
    for (auto& lr : leader_reads) {
        if (lr.seq != 0 || !current) continue;
        lr.index = commit;
        lr.seq = ++seq;
        round = true;
    }
    if (round)
        for (auto& [name, p] : progress)
            if (p.mode != Progress::Mode::Snapshot) send_append(name, p, now, true);
    while (!leader_reads.empty()) {
        auto& lr = leader_reads.front();
        size_t acks = 0;
        for (const auto& v : voters()) {
            if (v == cfg.self) {
                ++acks;
            } else if (auto it = progress.find(v);
                       it != progress.end() && it->second.acked_seq >= lr.seq) {
                ++acks;
            }
        }
        bool confirmed = lr.seq != 0 && acks >= quorum();
        bool expired = now >= lr.deadline;
        if (!confirmed && !expired) break;  // later reads have later seqs
        if (lr.from.empty()) {
            if (auto it = reads.find(lr.id); it != reads.end() && confirmed) {
                it->second.index = lr.index;
                it->second.term = 1;
            }
        } else {
            send(lr.from,
                 proto::ReadIndexReply{hs.term, lr.incarnation, lr.id, confirmed, lr.index});
            // It answers once it applies lr.index: send what it lacks now.
            if (auto it = progress.find(lr.from); confirmed && it != progress.end()) {
                auto& p = it->second;
                p.awaited_upto = std::max(p.awaited_upto, lr.index);
                if (p.mode == Progress::Mode::Replicate) {
                    replicate(lr.from, now);
                    tell_commit(lr.from, p, now);
                }
            }
        }
        leader_reads.pop_front();
    }
}

void State::fail_leader_reads() {
    for (const auto& lr : leader_reads) {
        if (lr.from.empty()) {
            if (reads.count(lr.id)) {
                ready.read_results.push_back(
                    {lr.id, Outcome::NotLeader, 0, "leadership changed; retry"});
                reads.erase(lr.id);
            }
        } else {
            send(lr.from, proto::ReadIndexReply{hs.term, lr.incarnation, lr.id, false, 0});
        }
    }
    leader_reads.clear();
}

void State::on_read_reply(const std::string&, const proto::ReadIndexReply& m, TimePoint) {
    if (m.incarnation != incarnation) return;
    auto it = reads.find(m.id);
    if (it == reads.end() || it->second.term != 0) return;
    if (!m.ok) {
        ready.read_results.push_back({m.id, Outcome::NotLeader, 0, "leadership changed; retry"});
        reads.erase(it);
        return;
    }
    it->second.index = m.index;
    it->second.term = 1;
}

void State::resolve_reads(TimePoint now) {
    for (auto it = reads.begin(); it != reads.end();) {
        const auto& [id, p] = *it;
        if (p.term == 1 && applied >= p.index) {
            ready.read_results.push_back({id, Outcome::Done, p.index, ""});
        } else if (now >= p.deadline) {
            ready.read_results.push_back({id, Outcome::Unknown, 0,
                                          "no answer from the leader within " +
                                              std::to_string(cfg.read_timeout.count()) +
                                              " ms; retry"});
        } else {
            ++it;
            continue;
        }
        it = reads.erase(it);
    }
}

}  // namespace raft::detail
