// Snapshots: compaction after the driver saved its state, chunked transfer
// to members that are behind the leader's log, and installation on them.
#include <algorithm>

#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

void State::snapshot_taken(Index index) {
    CC_CHECK(index <= applied && index >= log.snapshot().index);
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
    CC_CHECK(index <= applied && index >= log.snapshot().index);
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
    if (m.offset > cfg.max_snapshot_bytes || m.data.size() > cfg.max_snapshot_bytes - m.offset) {
        incoming.reset();  // past the bound: nothing of it is kept
        send(from, proto::SnapshotAck{hs.term, m.index, 0, false});
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
    // The driver installs the snapshot durably first; the state changes and
    // the final ack follow its snapshot_installed(), never before. A Ready
    // that already carries log work (or another install) is not the place for
    // it: the leader is asked to send the last chunk again.
    if (installing || !ready.entries.empty() || ready.truncate_from) {
        uint64_t have = incoming->data.size() - m.data.size();
        incoming->data.resize(have);
        send(from, proto::SnapshotAck{hs.term, m.index, have, false});
        return;
    }
    SnapshotMeta meta{m.index, m.index_term, incoming->membership, incoming->membership_index};
    installing = Installing{meta, from, incoming->data.size()};
    ready.snapshot = SnapshotInstall{meta, std::move(incoming->data)};
    incoming.reset();
}

bool State::snapshot_installed(bool durable, TimePoint) {
    CC_CHECK(installing.has_value());
    Installing in = std::move(*installing);
    installing.reset();
    if (!durable) return false;  // the leader sends it again after its timeout
    const SnapshotMeta& meta = in.meta;
    bool kept = log.install(meta);
    if (!kept) {
        handed = meta.index;
        persisted = meta.index;
    } else {
        handed = std::max(handed, meta.index);
        persisted = std::max(persisted, meta.index);
    }
    commit = std::max(commit, meta.index);
    applied = meta.index;
    leader_matched = std::max(leader_matched, meta.index);
    send(in.from, proto::SnapshotAck{hs.term, meta.index, in.bytes, true});
    return kept;
}

}  // namespace raft::detail
