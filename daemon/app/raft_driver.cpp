#include "daemon/app/raft_driver.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>

#include "daemon/app/exit_status.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"
#include "proto/names.hpp"

namespace cc::app {

namespace {

// How long an applied result waits for its proposal result before it is
// dropped (the core answers every proposal within its proposal timeout).
constexpr auto kResultKeep = std::chrono::seconds(30);

// Runs a durable write for the executor, turning our error types into its
// two failure kinds. A failed fsync never gets here in confluentd (the sync
// failure handler ends the process first); it does in unit tests.
template <class F>
void durable(F&& f) {
    try {
        f();
    } catch (const cc::fs::SyncError& e) {
        throw raft::SyncFailed(e.what());
    } catch (const proto::DecodeError& e) {
        throw raft::CannotApply(e.what());
    } catch (const raft::CannotApply&) {
        throw;
    } catch (const std::exception& e) {
        throw raft::WriteFailed(e.what());
    }
}

// A committed member list with a name cfg/collective could not be loaded with
// (a leader older than the name rule) is not written: that would stop this
// member at its next start.
void check_member_names(const proto::Membership& members, uint64_t index) {
    for (const auto& m : members.members)
        if (auto why = proto::check_name(proto::NameKind::Member, m.name))
            throw raft::CannotApply("the member list at index " + std::to_string(index) +
                                    " is invalid: " + *why);
}

std::string new_session_name(const std::string& self, uint64_t random) {
    static const char* hex = "0123456789abcdef";
    std::string out = self + "/";
    for (int shift = 60; shift >= 0; shift -= 4) out += hex[(random >> shift) & 0xf];
    return out;
}

std::string millis_text(raft::Clock::duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

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
    std::random_device rd;
    uint64_t seed = (uint64_t(rd()) << 32) ^ rd();
    self_ = config.self;
    session_ = new_session_name(config.self, (uint64_t(rd()) << 32) ^ rd());
    leader_lost_at_ = raft::Clock::now();
    std::optional<raft::HardState> durable_hs = boot.hard_state;
    raft::Index applied = boot.applied;
    core_ = std::make_unique<raft::Core>(std::move(config), std::move(boot), seed);
    executor_ = std::make_unique<raft::Executor>(*core_, static_cast<raft::Ports&>(*this),
                                                 durable_hs, applied);
}

RaftDriver::~RaftDriver() {
    stop();
}

void RaftDriver::start() {
    executor_->tick();
}

void RaftDriver::stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, done] : pending) {
        WriteOutcome o;
        o.outcome = proto::Outcome::Unknown;
        o.reason =
            "confluentd stopped before the change completed; it may or may not have been applied";
        done(std::move(o));
    }
    auto reads = std::move(reads_);
    reads_.clear();
    for (auto& [id, then] : reads) then();
}

void RaftDriver::read_barrier(std::function<void()> then) {
    if (stopped_) return then();
    raft::ReadId id = next_read_++;
    reads_.emplace(id, std::move(then));
    executor_->read_index(id);
}

std::optional<raft::ProposalId> RaftDriver::register_proposal(
    std::function<void(WriteOutcome)>& done) {
    if (stopped_) {
        WriteOutcome o;
        o.outcome = proto::Outcome::NotLeader;
        o.reason = "confluentd is shutting down; nothing was changed, retry once it is back";
        done(std::move(o));
        return std::nullopt;
    }
    raft::ProposalId id = next_id_++;
    pending_.emplace(id, std::move(done));
    return id;
}

void RaftDriver::after_event(uint64_t applied_before) {
    observe_leadership();
    if (executor_->applied() == applied_before) return;
    prune_results();
    if (on_applied_) on_applied_(executor_->applied());
}

void RaftDriver::propose(const proto::Command& command, std::function<void(WriteOutcome)> done) {
    auto id = register_proposal(done);
    if (!id) return;
    auto before = executor_->applied();
    if (use_sessions_ && use_sessions_()) {
        const uint64_t seq = next_seq_++;
        proto::SessionCommand sc{session_, seq, 0, command};
        sc.acked_below = open_seqs_.empty() ? seq : open_seqs_.begin()->first;
        open_seqs_.emplace(seq, OpenSeq{*id, proto::domain_of(command)});
        executor_->propose_once(*id, proto::to_bytes(sc));
    } else {
        executor_->propose(*id, proto::to_bytes(command));
    }
    after_event(before);
}

void RaftDriver::propose_membership(proto::Membership members,
                                    std::function<void(WriteOutcome)> done) {
    auto id = register_proposal(done);
    if (!id) return;
    auto before = executor_->applied();
    executor_->propose_membership(*id, std::move(members));
    after_event(before);
}

void RaftDriver::on_synced(storage::LogPosition last) {
    if (stopped_) return;
    auto before = executor_->applied();
    executor_->synced(last.index, last.term);
    after_event(before);
}

void RaftDriver::on_storage_error(const std::string& message, uint64_t next_index) {
    cc::log::error("log write failed: ", message,
                   "; writes fail until it is fixed, reads are still served");
    if (stopped_) return;
    storage_failure_ = message;
    executor_->log_failed(next_index);
    storage_failure_.reset();
}

void RaftDriver::receive(const std::string& from, proto::RaftMessage message) {
    if (stopped_) return;
    auto before = executor_->applied();
    executor_->receive(from, std::move(message));
    after_event(before);
}

std::variant<raft::RecoveryPlan, std::string> RaftDriver::recovery_plan() const {
    return core_->plan_recovery(raft::Clock::now());
}

std::optional<std::string> RaftDriver::force_recover(proto::Membership survivors) {
    if (stopped_) return "confluentd is stopping";
    auto before = executor_->applied();
    auto why = core_->force_recover(std::move(survivors), raft::Clock::now());
    if (!why) executor_->run();
    after_event(before);
    return why;
}

raft::Status RaftDriver::status() const {
    auto s = core_->status(raft::Clock::now());
    s.applied_index = executor_->applied();
    return s;
}

void RaftDriver::files_saved(uint64_t index) {
    if (stopped_) return;
    // A leader keeps the entries its live followers still need, so that a
    // follower a little behind gets entries rather than a whole snapshot;
    // one far behind gets the snapshot, which is faster.
    auto st = core_->status(now());
    if (st.role == raft::Role::Leader)
        for (const auto& m : st.members)
            if (m.info.name != st.self && m.active && m.match_index + kSnapshotLag >= index)
                index = std::min(index, m.match_index);
    uint64_t snap = core_->snapshot().index;
    if (index < snap + kCompactEvery || index > executor_->applied()) return;
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
    executor_->run();
}

void RaftDriver::save_snapshot_meta(const raft::SnapshotMeta& meta) {
    snapshot_meta_.save({meta.index, meta.term, meta.membership, meta.membership_index});
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

// ---- raft::Ports ----

raft::TimePoint RaftDriver::now() {
    return raft::Clock::now();
}

void RaftDriver::wake_at(raft::TimePoint at) {
    if (stopped_) return;
    // A pending wait that fires no later serves: the tick it brings asks for
    // the later moment again (re-arming costs a timerfd_settime and a
    // cancelled handler, and the moment moves with almost every write). Only
    // a pending wait makes this safe: a moment already past that is asked
    // for again must fire again.
    if (timer_pending_ && timer_.expiry() <= at) return;
    timer_.expires_at(at);
    timer_pending_ = true;
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec == boost::asio::error::operation_aborted) return;  // re-armed, or stopped
        timer_pending_ = false;
        if (ec || stopped_) return;
        auto before = executor_->applied();
        executor_->tick();
        after_event(before);
    });
}

void RaftDriver::save_hard_state(const raft::HardState& hs) {
    durable([&] { hard_state_.save({hs.term, hs.voted_for, hs.catching_up}); });
}

void RaftDriver::log_append(std::vector<proto::Entry> entries) {
    // Only on a voting follower. The leader's sync runs beside the round
    // trip to the followers, and its thread has their answers to take
    // meanwhile. A non-voter's are paced batches nobody waits for (with 5
    // voters and 10 non-voters on one 2-CPU machine, syncing those on its
    // daemon thread cost the voters 6-13% of their writes/s).
    if (idle_ && core_->role() != raft::Role::Leader && core_->self_voter() && idle_() &&
        log_.append_now(entries))
        return;
    log_.append(std::move(entries));
}

void RaftDriver::log_truncate(raft::Index from) {
    log_.truncate_suffix(from);
}

void RaftDriver::log_compact(raft::Index up_to) {
    log_.compact_prefix(up_to);
}

void RaftDriver::send(raft::Outbound m) {
    if (send_) send_(m.to, std::move(m.message));
}

void RaftDriver::apply(const proto::Entry& e) {
    switch (e.kind) {
        case proto::EntryKind::Noop:
            db_.note_index(e.index);
            break;
        case proto::EntryKind::Command: {
            proto::SessionCommand sc;  // without a session: applied as it comes
            durable([&] { sc.command = proto::from_bytes<proto::Command>(e.data); });
            auto applied = db_.apply(sc, e.index);
            // Kept for the proposal result that follows; replayed entries have no caller.
            if (!pending_.empty()) results_[e.index] = {std::move(applied.result), now()};
            break;
        }
        case proto::EntryKind::SessionCommand: {
            proto::SessionCommand sc;
            durable([&] { sc = proto::from_bytes<proto::SessionCommand>(e.data); });
            auto applied = db_.apply(sc, e.index);
            if (sc.session == session_) answer_own_write(sc.seq, e.index, std::move(applied));
            break;
        }
        case proto::EntryKind::Membership: {
            durable([&] {
                const auto m = proto::from_bytes<proto::Membership>(e.data);
                check_member_names(m, e.index);
                state::save_collective(files_.cfg_dir / "collective", {e.index, m});
            });
            db_.note_index(e.index);
            cc::log::info("member list changed at index ", e.index);
            break;
        }
        default:
            throw raft::CannotApply("unknown entry kind " + std::to_string(int(e.kind)));
    }
}

// Durable in this order: the node files (from a fresh database, so that a
// failure leaves the one in use untouched), cfg/collective, snapshot-meta.
// cfg/collective names the index of the entry its list came from (which the
// snapshot carries), so that it is byte-identical on every member however it
// caught up; only an initial list comes from no entry and is recorded at the
// snapshot's index.
void RaftDriver::install_snapshot(const raft::SnapshotInstall& s) {
    durable([&] {
        state::Database fresh;
        fresh.install_snapshot(s.data, s.meta.index);
        if (listener_)
            listener_->install_snapshot(fresh, s.data, s.meta.index);
        else
            fresh.save(files_.cfg_dir, true);
        check_member_names(s.meta.membership, s.meta.index);
        if (!s.meta.membership.members.empty())
            state::save_collective(
                files_.cfg_dir / "collective",
                {s.meta.membership_index != 0 ? s.meta.membership_index : s.meta.index,
                 s.meta.membership});
        save_snapshot_meta(s.meta);
        db_ = std::move(fresh);
    });
    cc::log::info("installed a snapshot of the collective's state at index ", s.meta.index);
}

std::string RaftDriver::snapshot_bytes() {
    return db_.snapshot_bytes();
}

// Our own exactly-once write was applied (its first copy, or a later copy
// when the first came in a snapshot): answered now, whichever copy the core
// was tracking, and the core stops sending it.
void RaftDriver::answer_own_write(uint64_t seq, uint64_t index,
                                  state::Database::SessionApplied applied) {
    auto open = open_seqs_.find(seq);
    if (open == open_seqs_.end()) return;
    const raft::ProposalId id = open->second.id;
    open_seqs_.erase(open);
    executor_->forget_proposal(id);
    auto done = take_pending(id);
    if (!done) return;
    WriteOutcome o;
    o.index = index;
    o.result = std::move(applied.result);
    (*done)(std::move(o));
}

std::optional<std::function<void(WriteOutcome)>> RaftDriver::take_pending(raft::ProposalId id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    auto done = std::move(it->second);
    pending_.erase(it);
    return done;
}

void RaftDriver::proposal_done(const raft::ProposalResult& r) {
    raft::ProposalResult late = r;
    // An exactly-once write the core answered itself (few are open at once).
    auto open = std::find_if(open_seqs_.begin(), open_seqs_.end(),
                             [&](const auto& o) { return o.second.id == r.id; });
    if (open != open_seqs_.end()) {
        // Not answered from the applied entry: this member may have caught
        // up from a snapshot that holds it.
        if (r.code == proto::Outcome::Unknown &&
            db_.session_applied(open->second.domain, session_, open->first)) {
            late.code = proto::Outcome::Done;
            late.reason.clear();
        }
        open_seqs_.erase(open);
    }
    auto done = take_pending(r.id);
    if (!done) return;
    WriteOutcome o;
    o.outcome = late.code;
    o.index = late.index;
    o.reason = late.reason;
    if (r.code == proto::Outcome::Done) {
        auto res = results_.find(r.index);
        if (res != results_.end()) {
            o.result = std::move(res->second.result);
            results_.erase(res);
        }
    } else if (storage_failure_) {
        o.outcome = proto::Outcome::StorageFailed;
        o.reason = *storage_failure_;
    }
    (*done)(std::move(o));
}

// Logs each leader change as this member sees it, with the term and how long
// the collective went without a leader.
void RaftDriver::observe_leadership() {
    const std::string& leader = core_->leader();
    const raft::Term term = core_->hard_state().term;
    if (leader == seen_leader_ && term == seen_term_) return;
    const auto t = now();
    const std::string& self = self_;
    if (!seen_leader_.empty() && (leader != seen_leader_ || term != seen_term_)) {
        if (seen_leader_ == self)
            cc::log::info(self, " stepped down as the leader of term ", seen_term_);
        else if (leader.empty())
            cc::log::info(self, " lost contact with ", seen_leader_, ", the leader of term ",
                          seen_term_);
        leader_lost_at_ = t;
    }
    if (!leader.empty())
        cc::log::info(leader, " is the leader of term ", term, ", elected in ",
                      millis_text(t - leader_lost_at_), " (as seen by ", self, ")");
    else if (term != seen_term_)
        cc::log::info("term ", term, " started on ", self, "; no leader yet");
    leader_since_ = leader.empty() ? std::nullopt : std::optional<raft::TimePoint>(t);
    seen_leader_ = leader;
    seen_term_ = term;
}

void RaftDriver::heard_from(const std::string& member) {
    if (!stopped_) executor_->heard_from(member);
}

void RaftDriver::lost_link(const std::string& member) {
    if (stopped_) return;
    uint64_t applied = executor_->applied();
    executor_->lost_link(member);
    after_event(applied);
}

void RaftDriver::read_done(const raft::ReadResult& result) {
    // Whatever the outcome, the read goes ahead: from a state that is
    // current (Done), or from local state as without quorum. A member that
    // cannot apply refuses the read itself (Daemon::stale_reads).
    auto it = reads_.find(result.id);
    if (it == reads_.end()) return;
    // Posted: `then` may propose, and ports must not call back into the
    // executor.
    boost::asio::post(io_, std::move(it->second));
    reads_.erase(it);
}

void RaftDriver::warn(const std::string& line) {
    cc::log::warn(line);
}

void RaftDriver::fatal(const std::string& why) {
    exit_on_lost_durability(why);
}

}  // namespace cc::app
