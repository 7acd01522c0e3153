// Snapshots: compaction after the driver saved its state, chunked transfer
// to members that are behind the leader's log, and installation on them.
#include <algorithm>

#include "daemon/raft/check.hpp"
#include "daemon/raft/state.hpp"

namespace raft::detail {

void State::snapshot_taken(Index index) {
    RAFT_CHECK(index <= applied && index >= log.snapshot().index);
    log.compact_to(index);
}

void State::request_snapshot(const std::string& to, Progress& p, TimePoint now) {
    if (p.mode == Progress::Mode::Snapshot &&
        (p.snap_data ||
         (p.snapshot_requested && now - *p.snapshot_requested < cfg.proposal_timeout)))
        return;
    p.mode = Progress::Mode::Snapshot;
    p.inflight.clear();
    p.snap_data.reset();
    p.snapshot_requested = now;
    ready.snapshot_requests.push_back(to);
}

void State::send_snapshot(const std::string& to, Index index, std::string data, TimePoint now) {
    if (role != Role::Leader) return;  // leadership moved on since the request
    auto it = progress.find(to);
    if (it == progress.end() || it->second.mode != Progress::Mode::Snapshot) return;
    RAFT_CHECK(index <= applied && index >= log.snapshot().index);
    auto& p = it->second;
    p.snap_meta = log.meta_at(index);
    p.snap_data = std::make_shared<const std::string>(std::move(data));
    p.snap_offset = 0;
    p.last_progress = now;
    send_chunk(to, p, now);
}

void State::send_chunk(const std::string& to, Progress& p, TimePoint now) {
    const std::string& data = *p.snap_data;
    size_t len = std::min<size_t>(cfg.snapshot_chunk_bytes, data.size() - p.snap_offset);
    bool done = p.snap_offset + len == data.size();
    send(to,
         proto::SnapshotChunk{hs.term, p.snap_meta.index, p.snap_meta.term, p.snap_meta.membership,
                              p.snap_offset, data.substr(p.snap_offset, len), done,
                              p.snap_meta.membership_index});
    p.last_send = now;
}

void State::on_snapshot_ack(const std::string& from, const proto::SnapshotAck& m, TimePoint now) {
    if (role != Role::Leader || m.term != hs.term) return;
    auto it = progress.find(from);
    if (it == progress.end()) return;
    auto& p = it->second;
    p.last_contact = now;
    if (m.done) {
        if (m.index > log.last_index()) return;  // nonsense
        p.match = std::max(p.match, m.index);
        p.next = p.match + 1;
        p.mode = Progress::Mode::Probe;
        p.inflight.clear();
        p.snap_data.reset();
        p.snapshot_requested.reset();
        maybe_commit(now);
        if (role == Role::Leader && progress.count(from)) replicate(from, now);
        return;
    }
    if (p.mode != Progress::Mode::Snapshot || !p.snap_data || m.index != p.snap_meta.index) return;
    if (m.next_offset > p.snap_data->size()) return;
    if (m.next_offset != p.snap_offset) {
        p.snap_offset = m.next_offset;
        p.last_progress = now;
        send_chunk(from, p, now);
    }
}

void State::on_chunk(const std::string& from, const proto::SnapshotChunk& m, TimePoint now) {
    if (m.term < hs.term) {
        send(from, proto::SnapshotAck{hs.term, m.index, 0, false});
        return;
    }
    if (role == Role::Leader || m.index_term > m.term) return;  // broken or hostile peer
    if (role != Role::Follower || leader != from) become_follower(hs.term, from, now);
    leader_contact = now;
    reset_election_timer(now);
    if (m.index <= commit) {
        // We hold it already; say so once it is durable here.
        if (m.index <= persisted) send(from, proto::SnapshotAck{hs.term, m.index, 0, true});
        return;
    }
    if (m.offset == 0) {
        incoming = m;
    } else if (incoming && incoming->index == m.index && incoming->index_term == m.index_term &&
               m.offset == incoming->data.size()) {
        incoming->data += m.data;
    } else {
        uint64_t have = incoming && incoming->index == m.index ? incoming->data.size() : 0;
        send(from, proto::SnapshotAck{hs.term, m.index, have, false});
        return;
    }
    if (!m.done) {
        send(from, proto::SnapshotAck{hs.term, m.index, incoming->data.size(), false});
        return;
    }
    SnapshotMeta meta{m.index, m.index_term, incoming->membership, incoming->membership_index};
    bool kept = log.install(meta);
    std::erase_if(ready.entries,
                  [&](const proto::Entry& e) { return !kept || e.index <= m.index; });
    if (!kept) {
        ready.truncate_from = m.index + 1;
        handed = m.index;
        persisted = m.index;
    } else {
        handed = std::max(handed, m.index);
        persisted = std::max(persisted, m.index);
    }
    ready.snapshot = SnapshotInstall{meta, std::move(incoming->data)};
    incoming.reset();
    commit = std::max(commit, m.index);
    applied = m.index;
    leader_matched = std::max(leader_matched, m.index);
    send(from, proto::SnapshotAck{hs.term, m.index, ready.snapshot->data.size(), true});
}

}  // namespace raft::detail
