#include "daemon/raft/executor.hpp"

#include <algorithm>

namespace raft {

namespace {

bool nothing_to_do(const Ready& r) {
    return !r.hard_state && !r.snapshot && !r.truncate_from && r.entries.empty() &&
           r.messages.empty() && r.committed.empty() && r.snapshot_requests.empty() &&
           r.proposal_results.empty() && r.read_results.empty();
}

}  // namespace

Executor::Executor(Core& core, Ports& ports, std::optional<HardState> durable, Index applied,
                   Mutation mutation)
    : core_(core),
      ports_(ports),
      mutation_(mutation),
      saved_(std::move(durable)),
      applied_(applied) {}

void Executor::tick() {
    if (dead_) return;
    TimePoint now = ports_.now();
    if (retry_at_ && now >= *retry_at_) {
        retry_at_.reset();
        apply_committed();
        release_answers();
    }
    core_.tick(now);
    run();
}

void Executor::receive(const std::string& from, proto::RaftMessage message) {
    if (dead_) return;
    core_.receive(from, std::move(message), ports_.now());
    run();
}

void Executor::propose(ProposalId id, std::string command) {
    if (dead_) return;
    if (cannot_apply_) {
        ports_.proposal_done({id, Outcome::NeedsNewerBuild, 0, *cannot_apply_});
        return;
    }
    core_.propose(id, std::move(command), ports_.now());
    run();
}

void Executor::propose_once(ProposalId id, std::string session_command) {
    if (dead_) return;
    if (cannot_apply_) {
        ports_.proposal_done({id, Outcome::NeedsNewerBuild, 0, *cannot_apply_});
        return;
    }
    core_.propose_once(id, std::move(session_command), ports_.now());
    run();
}

void Executor::heard_from(const std::string& from) {
    if (!dead_) core_.heard_from(from, ports_.now());
}

void Executor::lost_link(const std::string& from) {
    if (dead_) return;
    core_.lost_link(from, ports_.now());
    run();
}

void Executor::propose_membership(ProposalId id, proto::Membership members) {
    if (dead_) return;
    if (cannot_apply_) {
        ports_.proposal_done({id, Outcome::NeedsNewerBuild, 0, *cannot_apply_});
        return;
    }
    core_.propose_membership(id, std::move(members), ports_.now());
    run();
}

void Executor::read_index(ReadId id) {
    if (dead_) return;
    if (cannot_apply_) {
        ports_.read_done({id, Outcome::NeedsNewerBuild, 0, *cannot_apply_});
        return;
    }
    core_.read_index(id, ports_.now());
    run();
}

void Executor::synced(Index index, Term term) {
    if (dead_) return;
    core_.persisted(index, term, ports_.now());
    run();
}

void Executor::log_failed(Index from) {
    if (dead_) return;
    if (from == 0) from = core_.first_index();
    if (from > core_.last_index()) return;  // nothing the core holds was lost
    core_.append_failed(from, ports_.now());
    run();
}

void Executor::sync_failed(Index index, Term term, const std::string& why) {
    if (dead_) return;
    if (mutation_ == Mutation::AckAfterFailedSync) return synced(index, term);
    die(why);
}

void Executor::die(const std::string& why) {
    dead_ = true;
    ports_.fatal(why);
}

bool Executor::save_hard_state() {
    const HardState& hs = core_.hard_state();
    if (saved_ && *saved_ == hs) return hard_state_ok_ = true;
    try {
        ports_.save_hard_state(hs);
    } catch (const WriteFailed& e) {
        if (hard_state_ok_)
            ports_.warn(std::string("cannot save term and vote: ") + e.what() +
                        "; no message is sent (no vote, no acknowledgement) until it can be");
        return hard_state_ok_ = false;
    } catch (const SyncFailed& e) {
        die(e.what());
        return false;
    }
    saved_ = hs;
    return hard_state_ok_ = true;
}

void Executor::install(const SnapshotInstall& s) {
    try {
        ports_.install_snapshot(s);
    } catch (const SyncFailed& e) {
        return die(e.what());
    } catch (const std::exception& e) {  // WriteFailed, CannotApply
        ports_.warn(std::string("cannot install the leader's snapshot at index ") +
                    std::to_string(s.meta.index) + ": " + e.what() +
                    "; it is not acknowledged, and the leader sends it again");
        core_.snapshot_installed(false, ports_.now());
        return;
    }
    bool kept = core_.snapshot_installed(true, ports_.now());
    if (kept)
        ports_.log_compact(s.meta.index);
    else
        ports_.log_truncate(0);
    std::erase_if(to_apply_, [&](const proto::Entry& e) { return e.index <= s.meta.index; });
    // The snapshot holds the state past the entry this build could not apply.
    if (cannot_apply_ && cannot_apply_index_ <= s.meta.index) cannot_apply_.reset();
    applied_ = std::max(applied_, s.meta.index);
    retry_at_.reset();
}

void Executor::stop_applying(Index at, const std::string& why) {
    cannot_apply_ = why;
    cannot_apply_index_ = at;
    to_apply_.clear();
    retry_at_.reset();
    ports_.warn(why);
    // What waited for entries this member will not apply: the collective
    // committed them, but nothing here can show it.
    for (auto& [held_at, r] : held_proposals_) {
        r.code = Outcome::Unknown;
        r.reason = "committed by the collective at index " + std::to_string(held_at) +
                   ", but this member cannot apply it: " + why;
        ports_.proposal_done(r);
    }
    held_proposals_.clear();
    for (auto& [held_at, r] : held_reads_) {
        r.code = Outcome::NeedsNewerBuild;
        r.reason = why;
        ports_.read_done(r);
    }
    held_reads_.clear();
}

void Executor::apply_committed() {
    while (!to_apply_.empty() && !cannot_apply_ && !retry_at_ && !dead_) {
        const proto::Entry& e = to_apply_.front();
        try {
            ports_.apply(e);
        } catch (const WriteFailed& x) {
            ports_.warn("cannot apply committed entry " + std::to_string(e.index) + ": " +
                        x.what() + "; retrying, reads wait until it is applied");
            retry_at_ = ports_.now() + kApplyRetry;
            return;
        } catch (const CannotApply& x) {
            return stop_applying(e.index,
                                 "committed entry " + std::to_string(e.index) +
                                     " cannot be applied by this build (" + x.what() +
                                     "): it needs a newer build of confluentd; this member keeps "
                                     "storing and voting but serves no reads until upgraded");
        } catch (const SyncFailed& x) {
            return die(x.what());
        }
        applied_ = e.index;
        to_apply_.pop_front();
    }
}

void Executor::answer_proposal(ProposalResult r) {
    if (r.code == Outcome::Done && r.index > applied_) {
        if (cannot_apply_) {
            r.code = Outcome::Unknown;
            r.reason = "committed by the collective at index " + std::to_string(r.index) +
                       ", but this member cannot apply it: " + *cannot_apply_;
        } else {
            held_proposals_.emplace(r.index, std::move(r));
            return;
        }
    }
    ports_.proposal_done(r);
}

void Executor::answer_read(ReadResult r) {
    if (r.code == Outcome::Done && cannot_apply_) {
        r.code = Outcome::NeedsNewerBuild;
        r.reason = *cannot_apply_;
    } else if (r.code == Outcome::Done && r.index > applied_) {
        held_reads_.emplace(r.index, std::move(r));
        return;
    }
    ports_.read_done(r);
}

void Executor::release_answers() {
    while (!held_proposals_.empty() && held_proposals_.begin()->first <= applied_) {
        auto r = std::move(held_proposals_.begin()->second);
        held_proposals_.erase(held_proposals_.begin());
        ports_.proposal_done(r);
    }
    while (!held_reads_.empty() && held_reads_.begin()->first <= applied_) {
        auto r = std::move(held_reads_.begin()->second);
        held_reads_.erase(held_reads_.begin());
        ports_.read_done(r);
    }
}

// `next` comes from the core's Ready and may be any past moment (something
// is due now): it is never read as "unset". Treating the clock's epoch so
// once turned a held write's "retry now" into "in 100 ms", and writes held
// every 50 ms then kept pushing the election out for as long as they came.
void Executor::arm(TimePoint next) {
    if (retry_at_ && *retry_at_ < next) next = *retry_at_;
    ports_.wake_at(next);
}

void Executor::run() {
    if (in_run_ || dead_) return;
    in_run_ = true;
    for (;;) {
        Ready r = core_.take_ready();
        core_wakeup_ = r.next_wakeup;
        const bool idle = nothing_to_do(r);
        if (idle && hard_state_ok_) break;
        // 1. Term, vote and the catching-up flag, before any message.
        bool may_send = save_hard_state() || mutation_ == Mutation::SendWithUnsavedHardState;
        if (dead_) break;
        // 2. A snapshot from the leader replaces the state (acknowledged by
        //    the core only once installed).
        if (r.snapshot) install(*r.snapshot);
        if (dead_) break;
        // 3. The log: a conflicting suffix goes, new entries are queued.
        if (r.truncate_from) ports_.log_truncate(*r.truncate_from);
        if (!r.entries.empty()) ports_.log_append(std::move(r.entries));
        // 4. Messages.
        if (may_send)
            for (auto& m : r.messages) ports_.send(std::move(m));
        // 5. Committed entries, in order.
        if (!cannot_apply_)
            for (auto& e : r.committed) to_apply_.push_back(std::move(e));
        apply_committed();
        if (dead_) break;
        // 6. Snapshots for members that are far behind, at what was applied.
        for (const auto& to : r.snapshot_requests)
            core_.send_snapshot(to, applied_, ports_.snapshot_bytes(), ports_.now());
        // 7. Answers, once what they depend on was applied here.
        for (auto& pr : r.proposal_results) answer_proposal(std::move(pr));
        for (auto& rr : r.read_results) answer_read(std::move(rr));
        release_answers();
        if (idle) break;  // only a hard state to retry, which failed again
    }
    in_run_ = false;
    if (!dead_) arm(core_wakeup_);
}

}  // namespace raft
