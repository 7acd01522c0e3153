// Log replication: appends with the log-matching check, conflict truncation,
// pipelined and batched sends, commit on a majority of durable voter copies,
// durability reports from storage, and handing committed entries out.
#include <algorithm>

#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

void State::append_local(proto::EntryKind kind, std::string data) {
    proto::Entry e{hs.term, log.last_index() + 1, kind, std::move(data)};
    log.append(e);
    ready.entries.push_back(std::move(e));
}

void State::truncate(Index from) {
    CC_CHECK(from > commit && from > applied);
    log.truncate_from(from);
    std::erase_if(ready.entries, [&](const proto::Entry& e) { return e.index >= from; });
    if (from <= handed) {
        ready.truncate_from = std::min(ready.truncate_from.value_or(from), from);
        handed = from - 1;
    }
    persisted = std::min(persisted, from - 1);
    leader_matched = std::min(leader_matched, from - 1);
}

void State::replicate(const std::string& to, TimePoint now) {
    auto& p = progress.at(to);
    if (p.mode == Progress::Mode::Probe) {
        if (p.inflight.empty()) send_append(to, p, now, false);
        return;
    }
    if (p.nonvoter && paced(p, now)) return;
    const size_t limit = p.nonvoter ? cfg.max_inflight_nonvoter : cfg.max_inflight_appends;
    while (p.mode == Progress::Mode::Replicate && p.inflight.size() < limit &&
           p.next <= log.last_index())
        send_append(to, p, now, false);
}

void State::send_append(const std::string& to, Progress& p, TimePoint now, bool heartbeat) {
    Index prev = heartbeat ? p.match : p.next - 1;
    auto prev_term = log.term_at(prev);
    if (!prev_term) return request_snapshot(to, p, now);
    proto::AppendRequest m{hs.term, prev, *prev_term, {}, commit, seq};
    if (!heartbeat) {
        size_t bytes = 0;
        for (Index i = p.next; i <= log.last_index(); ++i) {
            const auto& e = log.at(i);
            if (!m.entries.empty() && bytes + entry_bytes(e) > cfg.max_batch_bytes) break;
            bytes += entry_bytes(e);
            m.entries.push_back(e);
        }
        Index last_sent = prev + m.entries.size();
        if (!m.entries.empty()) {
            // Paced sends come an interval apart or a little more: a run of
            // writes starts after a longer pause.
            p.first_of_run = now >= p.entries_sent + 2 * cfg.nonvoter_append_interval;
            p.entries_sent = now;
            p.sent_all = last_sent == log.last_index();
        }
        if (p.inflight.empty()) p.last_progress = now;
        if (p.mode == Progress::Mode::Replicate) {
            if (m.entries.empty()) return;
            p.next = last_sent + 1;
        }
        p.inflight.push_back(last_sent);
    }
    p.last_send = now;
    p.commit_sent = commit;
    send(to, std::move(m));
}

// A heartbeat that carries the commit index, when nothing else will soon:
// entries not sent yet will carry it (the next broadcast, or the append an
// answer frees room for), and so will the append of entries already sent
// but not committed, whose commit is told in turn. So under load commits
// ride on appends (a notice per commit would double the leader's messages),
// and an idle follower learns of a commit within cfg.commit_notice_delay,
// or sooner with the next write's append. A follower that forwarded a
// committed entry is told at once, also while its next entries wait for its
// answer: it answers its client when it applies it. Reads do not rely on
// these notices (the read index round carries the commit index).
void State::tell_commit(const std::string& to, Progress& p, TimePoint now) {
    if (p.mode != Progress::Mode::Replicate || p.commit_sent >= commit) return;
    const bool owed = p.commit_sent < std::min(commit, p.awaited_upto);
    if (owed) return send_append(to, p, now, true);
    if (p.next <= log.last_index()) return;
    const bool more_to_commit = log.last_index() > commit;
    // From the latest idle commit: a next write's append may carry it first.
    if (!more_to_commit) notice_due = now + cfg.commit_notice_delay;
}

// Followers that an append told meanwhile have commit_sent == commit.
void State::send_due_notices(TimePoint now) {
    if (!notice_due || *notice_due > now) return;
    notice_due.reset();
    for (auto& [name, p] : progress)
        if (p.mode == Progress::Mode::Replicate && p.commit_sent < commit)
            send_append(name, p, now, true);
}

// A non-voter that keeps up gets entries at most every
// cfg.nonvoter_append_interval while writes flow. It does not count towards
// commit, and one batch per interval instead of one per round trip saves it
// and the leader most of their messages, wake-ups and fsyncs: with ten
// non-voters these were most of a collective's CPU under load. Never paced:
// the first entries after a quiet interval, a member catching up (the last
// append could not hold everything), one waiting for an entry to answer its
// client (a write it forwarded, a read it asked for). After the first
// entries of a run of writes, the k-th of n non-voters waits (k+1)/n of the
// interval, then whole intervals: they all got those entries at once, and
// sent together ever after, they would all be busy with their batches at
// the same moment (with ten, that doubled the p99 of the writes meanwhile).
bool State::paced(const Progress& p, TimePoint now) {
    if (cfg.nonvoter_append_interval.count() == 0 || p.mode != Progress::Mode::Replicate ||
        !p.inflight.empty() || p.next > log.last_index() || !p.sent_all || p.awaited_upto >= p.next)
        return false;
    auto wait = cfg.nonvoter_append_interval;
    if (p.first_of_run) {
        CC_CHECK(p.nonvoter && p.nonvoter_rank < nonvoters, "paced() for a voter");
        wait = wait * (p.nonvoter_rank + 1) / nonvoters;
    }
    const TimePoint due = p.entries_sent + wait;
    if (now >= due) return false;
    pace_due = std::min(pace_due.value_or(due), due);
    return true;
}

void State::send_paced(TimePoint now) {
    if (!pace_due || *pace_due > now) return;
    pace_due.reset();
    for (auto& [name, p] : progress)
        if (p.mode == Progress::Mode::Replicate) replicate(name, now);
}

void State::broadcast(TimePoint now) {
    for (auto& [name, p] : progress) replicate(name, now);
}

void State::heartbeat_tick(TimePoint now) {
    if (now < heartbeat_due) return;
    heartbeat_due = now + cfg.heartbeat_interval;
    for (auto& [name, p] : progress) {
        switch (p.mode) {
            case Progress::Mode::Snapshot:
                if (p.snap_data && now - p.last_send >= 2 * cfg.heartbeat_interval)
                    send_chunk(name, p, now);
                else if (!p.snap_data && p.snapshot_requested &&
                         now - *p.snapshot_requested >= cfg.proposal_timeout)
                    request_snapshot(name, p, now);
                break;
            case Progress::Mode::Probe:
                p.inflight.clear();  // the last probe is lost or slow: try again
                send_append(name, p, now, false);
                break;
            case Progress::Mode::Replicate:
                if (!p.inflight.empty() && now - p.last_progress >= 2 * cfg.heartbeat_interval) {
                    // Appends were lost: find the follower's end again.
                    p.mode = Progress::Mode::Probe;
                    p.inflight.clear();
                    p.next = p.match + 1;
                    send_append(name, p, now, false);
                } else {
                    send_append(name, p, now, true);
                    replicate(name, now);
                }
                break;
        }
    }
}

// Entries from a leader must extend prev contiguously, in non-decreasing
// terms no newer than the leader's; anything else is garbage and dropped.
static bool well_formed(const proto::AppendRequest& m) {
    Index i = m.prev_log_index;
    Term t = m.prev_log_term;
    for (const auto& e : m.entries) {
        if (e.index != ++i || e.term < t || e.term > m.term) return false;
        t = e.term;
    }
    return m.prev_log_term <= m.term;
}

void State::on_append(const std::string& from, const proto::AppendRequest& m, TimePoint now) {
    if (m.term < hs.term) {
        send(from, proto::AppendResponse{hs.term, false, 0, 0, m.seq});
        return;
    }
    // A second leader in our term, or entries that are not a log: only a
    // broken or hostile peer sends these. Drop them (the simulator's checker
    // is what proves correct peers never do).
    if (!well_formed(m) || role == Role::Leader) return;
    if (role != Role::Follower || leader != from) become_follower(hs.term, from, now);
    leader_contact = now;
    reset_election_timer(now);
    if (installing) return;  // the leader's snapshot comes first; it retries

    const Index snap = log.snapshot().index;
    Index prev = m.prev_log_index;
    if (prev >= snap && log.term_at(prev) != m.prev_log_term) {
        Index hint = log.last_index() + 1;
        if (prev <= log.last_index()) {
            // Skip back over the whole conflicting term in one round trip.
            Term ct = *log.term_at(prev);
            hint = prev;
            while (hint - 1 > std::max(commit, snap) && log.term_at(hint - 1) == ct) --hint;
        }
        send(from, proto::AppendResponse{hs.term, false, 0, hint, m.seq});
        return;
    }
    bool added = false;
    for (const auto& e : m.entries) {
        if (e.index <= snap) continue;  // committed, already in our snapshot
        if (e.index <= log.last_index()) {
            if (log.term_at(e.index) == e.term) continue;
            if (e.index <= commit) return;  // would rewrite a committed entry
            truncate(e.index);
        }
        log.append(e);
        ready.entries.push_back(e);
        added = true;
    }
    leader_matched = std::max(leader_matched, prev + m.entries.size());
    if (hs.catching_up && leader_matched >= m.leader_commit) {
        // Restored-member rule ends: our log now holds everything the current
        // leader has committed, so our vote can no longer help elect a member
        // that lacks a committed entry. Our vote in this term counts as given
        // to that leader.
        hs.catching_up = false;
        if (hs.voted_for.empty()) hs.voted_for = from;
    }
    Index new_commit = std::min(m.leader_commit, leader_matched);
    if (new_commit > commit) commit = new_commit;
    apply(now);
    leader_seq = std::max(leader_seq, m.seq);
    // New entries are acknowledged once durable (on_persisted), with this
    // seq: an answer now would say nothing new and cost the leader a
    // message. Anything else (a heartbeat, entries we already hold) is
    // answered at once, even while earlier entries are being written: read
    // index rounds wait for it.
    if (!added) ack_leader(now);
}

void State::ack_leader(TimePoint) {
    Index match = std::min(leader_matched, persisted);
    send(leader, proto::AppendResponse{hs.term, true, match, 0, leader_seq});
    acked = std::max(acked, match);
}

void State::on_append_response(const std::string& from, const proto::AppendResponse& m,
                               TimePoint now) {
    if (role != Role::Leader || m.term != hs.term) return;
    auto it = progress.find(from);
    if (it == progress.end()) return;
    auto& p = it->second;
    p.last_contact = now;
    p.acked_seq = std::max(p.acked_seq, m.seq);
    if (m.success) {
        if (m.match_index > log.last_index()) return;  // nonsense
        if (m.match_index > p.match) {
            p.match = m.match_index;
            p.last_progress = now;
        }
        if (p.mode == Progress::Mode::Probe) {
            p.mode = Progress::Mode::Replicate;
            p.inflight.clear();
        }
        if (p.mode == Progress::Mode::Replicate) {
            while (!p.inflight.empty() && p.inflight.front() <= p.match) {
                p.inflight.pop_front();
                p.last_progress = now;
            }
            p.next = std::max(p.next, p.match + 1);
        }
        maybe_commit(now);
        if (role != Role::Leader) return;
        maybe_promote(from, now);
        if (transfer_to == from) transfer_progress(now);
        if (p.mode != Progress::Mode::Snapshot) replicate(from, now);
        tell_commit(from, p, now);
        advance_reads(now);
        return;
    }
    if (p.mode == Progress::Mode::Snapshot) return;
    Index hint = std::max<Index>(m.hint_index, 1);
    // Only a wiped (restored) member forgets what it acknowledged.
    if (hint <= p.match) p.match = hint - 1;
    p.next = std::max(p.match + 1, std::min(hint, p.next));
    p.mode = Progress::Mode::Probe;
    p.inflight.clear();
    send_append(from, p, now, false);
    advance_reads(now);
}

void State::maybe_commit(TimePoint now) {
    if (role != Role::Leader) return;
    std::vector<Index> matches;
    for (const auto& m : log.membership().members) {
        bool counts =
            m.role == proto::Role::Voter || cfg.test_mutation == Mutation::CommitCountsNonVoters;
        if (!counts) continue;
        if (m.name == cfg.self)
            matches.push_back(persisted);
        else if (auto it = progress.find(m.name); it != progress.end())
            matches.push_back(it->second.match);
    }
    size_t q = quorum();
    if (matches.size() < q) return;
    std::sort(matches.rbegin(), matches.rend());
    Index n = matches[q - 1];
    // Only entries of the leader's own term are committed by counting.
    if (n <= commit || log.term_at(n) != hs.term) return;
    commit = n;
    apply(now);
    if (role != Role::Leader) return;
    // Followers learn the new commit index without waiting for a heartbeat
    // (tell_commit: now, or with the entries about to leave).
    for (auto& [name, p] : progress) tell_commit(name, p, now);
}

void State::on_persisted(Index index, Term term, TimePoint now) {
    if (index <= persisted || log.term_at(index) != term) return;  // stale report
    persisted = index;
    if (role == Role::Leader) {
        maybe_commit(now);
    } else if (!leader.empty() && std::min(leader_matched, persisted) > acked) {
        ack_leader(now);
    }
    apply(now);
}

void State::on_append_failed(Index from, TimePoint now) {
    CC_CHECK(from > persisted && from > log.snapshot().index);
    if (from <= log.last_index()) log.truncate_from(from);
    std::erase_if(ready.entries, [&](const proto::Entry& e) { return e.index >= from; });
    handed = std::min(handed, from - 1);
    commit = std::min(commit, from - 1);
    leader_matched = std::min(leader_matched, from - 1);
    std::vector<ProposalId> lost;
    for (const auto& [id, p] : proposals)
        if (p.index >= from && p.term == hs.term) lost.push_back(id);
    if (role == Role::Leader) become_follower(hs.term, "", now);
    for (auto id : lost)
        finish(id, Outcome::Unknown, 0,
               "this member could not write its log (disk full or I/O error); the change may or "
               "may not be applied: free space and check the state");
}

void State::apply(TimePoint now) {
    Index upto = std::min(commit, persisted);
    while (applied < upto) {
        ++applied;
        ready.committed.push_back(log.at(applied));
    }
    after_commit_membership(now);
}

}  // namespace raft::detail
