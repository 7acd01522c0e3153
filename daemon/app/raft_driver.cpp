#include "daemon/app/raft_driver.hpp"

#include <cstdlib>
#include <random>

#include "daemon/state/member_files.hpp"
#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {

raft::TimePoint now() {
    return raft::Clock::now();
}

bool nothing_to_do(const raft::Ready& r) {
    return !r.hard_state && !r.snapshot && !r.truncate_from && r.entries.empty() &&
           r.messages.empty() && r.committed.empty() && r.snapshot_requests.empty() &&
           r.proposal_results.empty() && r.read_results.empty();
}

// How long an applied result waits for its proposal result before it is
// dropped (the core answers every proposal within its proposal timeout).
constexpr auto kResultKeep = std::chrono::seconds(30);

}  // namespace

RaftDriver::RaftDriver(boost::asio::io_context& io, raft::Config config, raft::BootState boot,
                       state::Database& db, storage::LogStore& log,
                       storage::HardStateFile& hard_state, storage::SnapshotMetaFile& snapshot_meta,
                       Files files, SendFn send, ApplyListener* listener)
    : io_(io),
      db_(db),
      log_(log),
      hard_state_(hard_state),
      snapshot_meta_(snapshot_meta),
      files_(std::move(files)),
      send_(std::move(send)),
      listener_(listener),
      timer_(io) {
    applied_index_ = boot.applied;
    log_last_index_ = boot.log.empty() ? boot.snapshot.index : boot.log.back().index;
    std::random_device rd;
    uint64_t seed = (uint64_t(rd()) << 32) ^ rd();
    core_ = std::make_unique<raft::Core>(std::move(config), std::move(boot), seed);
}

RaftDriver::~RaftDriver() {
    stop();
}

void RaftDriver::start() {
    core_->tick(now());
    process();
}

void RaftDriver::stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, done] : pending) {
        WriteOutcome o;
        o.kind = WriteOutcome::Kind::Timeout;
        o.reason =
            "confluentd stopped before the change completed; it may or may not have been applied";
        done(std::move(o));
    }
}

std::optional<raft::ProposalId> RaftDriver::register_proposal(
    std::function<void(WriteOutcome)>& done) {
    if (stopped_) {
        WriteOutcome o;
        o.kind = WriteOutcome::Kind::NotLeader;
        o.reason = "confluentd is shutting down; retry once it is back";
        done(std::move(o));
        return std::nullopt;
    }
    raft::ProposalId id = next_id_++;
    pending_.emplace(id, std::move(done));
    return id;
}

void RaftDriver::propose(const proto::Command& command, std::function<void(WriteOutcome)> done) {
    auto id = register_proposal(done);
    if (!id) return;
    core_->propose(*id, proto::to_bytes(command), now());
    process();
}

void RaftDriver::propose_membership(proto::Membership members,
                                    std::function<void(WriteOutcome)> done) {
    auto id = register_proposal(done);
    if (!id) return;
    core_->propose_membership(*id, std::move(members), now());
    process();
}

void RaftDriver::on_synced(storage::LogPosition last) {
    if (stopped_) return;
    core_->persisted(last.index, last.term, now());
    process();
}

void RaftDriver::on_storage_error(const std::string& message, uint64_t next_index) {
    cc::log::error("log write failed: ", message,
                   "; writes fail until it is fixed, reads are still served");
    if (stopped_) return;
    uint64_t from = next_index ? next_index : core_->snapshot().index + 1;
    if (from > core_->last_index()) return;  // nothing of ours was lost
    log_last_index_ = from - 1;
    storage_failure_ = message;
    core_->append_failed(from, now());
    process();
    storage_failure_.reset();
}

void RaftDriver::receive(const std::string& from, proto::RaftMessage message) {
    if (stopped_) return;
    core_->receive(from, std::move(message), now());
    process();
}

raft::Status RaftDriver::status() const {
    return core_->status(now());
}

void RaftDriver::files_saved(uint64_t index) {
    if (stopped_) return;
    // A leader keeps the entries its live followers still need, so that a
    // follower a little behind gets entries rather than a whole snapshot.
    auto st = core_->status(now());
    if (st.role == raft::Role::Leader)
        for (const auto& m : st.members)
            if (m.info.name != st.self && m.active) index = std::min(index, m.match_index);
    uint64_t snap = core_->snapshot().index;
    if (index < snap + kCompactEvery || index > applied_index_) return;
    if (index < core_->first_index() || index > core_->last_index()) return;
    try {
        save_snapshot_meta(core_->snapshot_meta_at(index));
    } catch (const std::exception& e) {
        cc::log::error("cannot record the compaction point: ", e.what(),
                       "; the log is kept whole until it can be written");
        return;
    }
    core_->snapshot_taken(index, now());
    log_.compact_prefix(index);
    cc::log::debug("log compacted up to index ", index);
    process();
}

void RaftDriver::write_hard_state(const raft::HardState& hs) {
    hard_state_.save({hs.term, hs.voted_for});
    std::error_code ec;
    if (hs.catching_up) {
        cc::fs::write_atomic(files_.catching_up_flag, "restored member: no vote until caught up\n");
    } else if (std::filesystem::exists(files_.catching_up_flag, ec)) {
        std::filesystem::remove(files_.catching_up_flag, ec);
        cc::fs::sync_dir(files_.catching_up_flag.parent_path());
    }
}

// cfg/collective names the index of the entry its list came from (which the
// snapshot carries), so that it is byte-identical on every member however it
// caught up. Only an initial list comes from no entry: it is recorded at the
// snapshot's index.
void RaftDriver::save_member_list_from_snapshot(const raft::SnapshotMeta& meta) {
    state::save_collective(
        files_.cfg_dir / "collective",
        {meta.membership_index != 0 ? meta.membership_index : meta.index, meta.membership});
}

void RaftDriver::save_snapshot_meta(const raft::SnapshotMeta& meta) {
    snapshot_meta_.save({meta.index, meta.term, meta.membership, meta.membership_index});
}

void RaftDriver::install_snapshot(const raft::SnapshotInstall& s) {
    db_.install_snapshot(s.data, s.meta.index);
    // Durable before the log is cut; the writer's replica follows.
    db_.save(files_.cfg_dir, true);
    if (listener_) listener_->snapshot_installed(s.data, s.meta.index);
    if (!s.meta.membership.members.empty()) save_member_list_from_snapshot(s.meta);
    save_snapshot_meta(s.meta);
    if (log_last_index_ <= s.meta.index) {
        log_.truncate_suffix(0);
        log_last_index_ = s.meta.index;
    } else {
        log_.compact_prefix(s.meta.index);
    }
    applied_index_ = s.meta.index;
    cc::log::info("installed a snapshot of the collective's state at index ", s.meta.index);
}

void RaftDriver::apply(const proto::Entry& e) {
    switch (e.kind) {
        case proto::EntryKind::Noop:
            db_.note_index(e.index);
            if (listener_) listener_->index_noted(e.index);
            break;
        case proto::EntryKind::Command: {
            proto::Command c;
            try {
                c = proto::from_bytes<proto::Command>(e.data);
            } catch (const proto::DecodeError& err) {
                // Only validated commands enter the log; a bad one is a bug.
                cc::log::error("committed entry ", e.index, " does not decode: ", err.what());
                std::abort();
            }
            auto result = db_.apply(c, e.index);
            if (listener_) listener_->command_applied(c, e.index);
            // Kept for the proposal result that follows; replayed entries have no caller.
            if (!pending_.empty()) results_[e.index] = {std::move(result), now()};
            break;
        }
        case proto::EntryKind::Membership: {
            const auto m = proto::from_bytes<proto::Membership>(e.data);
            try {
                state::save_collective(files_.cfg_dir / "collective", {e.index, m});
            } catch (const std::exception& err) {
                cc::log::error("cannot write the member list: ", err.what());
            }
            db_.note_index(e.index);
            if (listener_) listener_->index_noted(e.index);
            cc::log::info("member list changed at index ", e.index);
            break;
        }
    }
    applied_index_ = e.index;
}

void RaftDriver::answer(const raft::ProposalResult& r) {
    auto it = pending_.find(r.id);
    if (it == pending_.end()) return;
    auto done = std::move(it->second);
    pending_.erase(it);
    WriteOutcome o;
    o.index = r.index;
    o.reason = r.reason;
    using K = WriteOutcome::Kind;
    switch (r.code) {
        case raft::ResultCode::Ok: {
            o.kind = K::Applied;
            auto res = results_.find(r.index);
            if (res != results_.end()) {
                o.result = std::move(res->second.result);
                results_.erase(res);
            }
            break;
        }
        case raft::ResultCode::NotLeader:
            o.kind = K::NotLeader;
            if (o.reason.empty()) o.reason = "the collective's leader is changing; retry";
            break;
        case raft::ResultCode::NoQuorum:
            o.kind = K::NoQuorum;
            o.reason = "Collective does not have quorum";
            break;
        case raft::ResultCode::Timeout:
            o.kind = K::Timeout;
            if (o.reason.empty())
                o.reason =
                    "timed out waiting for the collective; the change may or may not "
                    "have been applied";
            break;
        case raft::ResultCode::Rejected:
            o.kind = K::Rejected;
            break;
    }
    if (r.code != raft::ResultCode::Ok && storage_failure_) {
        o.kind = K::StorageFailed;
        o.reason = *storage_failure_;
    }
    done(std::move(o));
}

void RaftDriver::prune_results() {
    auto cutoff = now() - kResultKeep;
    for (auto it = results_.begin(); it != results_.end();) {
        if (it->second.at < cutoff)
            it = results_.erase(it);
        else
            ++it;
    }
}

void RaftDriver::arm_timer(raft::TimePoint at) {
    if (stopped_) return;
    if (at == raft::TimePoint{}) at = now() + std::chrono::milliseconds(100);
    if (timer_.expiry() == at) return;
    timer_.expires_at(at);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        core_->tick(now());
        process();
    });
}

void RaftDriver::process() {
    if (in_process_ || stopped_) return;
    in_process_ = true;
    bool applied_any = false;
    for (;;) {
        raft::Ready r = core_->take_ready();
        arm_timer(r.next_wakeup);
        if (nothing_to_do(r)) break;
        // 1. Term and vote are durable before any message that depends on them.
        bool hard_state_ok = true;
        if (r.hard_state) {
            try {
                write_hard_state(*r.hard_state);
            } catch (const std::exception& e) {
                hard_state_ok = false;
                cc::log::error("cannot save term and vote: ", e.what(),
                               "; messages of this round are not sent");
            }
        }
        // 2. A snapshot from the leader replaces the state.
        if (r.snapshot) {
            try {
                install_snapshot(*r.snapshot);
                applied_any = true;
            } catch (const std::exception& e) {
                cc::log::error("cannot install the leader's snapshot: ", e.what());
            }
        }
        // 3. The log: truncate a conflicting suffix, queue the new entries.
        if (r.truncate_from) {
            log_.truncate_suffix(*r.truncate_from);
            log_last_index_ = *r.truncate_from - 1;
        }
        if (!r.entries.empty()) {
            log_last_index_ = r.entries.back().index;
            log_.append(std::move(r.entries));
        }
        // 4. Messages.
        if (hard_state_ok && send_)
            for (auto& m : r.messages) send_(m.to, std::move(m.message));
        // 5. Committed entries, in order.
        for (const auto& e : r.committed) apply(e);
        if (!r.committed.empty()) applied_any = true;
        // 6. Snapshots for members that are far behind.
        for (const auto& to : r.snapshot_requests)
            core_->send_snapshot(to, applied_index_, db_.snapshot_bytes(), now());
        // 7. Answers, after the entries they depend on were applied.
        for (const auto& pr : r.proposal_results) answer(pr);
    }
    in_process_ = false;
    if (applied_any) {
        prune_results();
        if (on_applied_) on_applied_(applied_index_);
    }
}

}  // namespace cc::app
