#include "tests/sim/sim.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace sim {
namespace {

void drop_through(std::vector<proto::Entry>& log, raft::Index index) {
    std::erase_if(log, [&](const proto::Entry& e) { return e.index <= index; });
}

void drop_from(std::vector<proto::Entry>& log, raft::Index from) {
    std::erase_if(log, [&](const proto::Entry& e) { return e.index >= from; });
}

}  // namespace

Sim::Sim(uint64_t seed, raft::Config base, raft::Executor::Mutation mutation)
    : base_(std::move(base)),
      mutation_(mutation),
      rng_(seed),
      trace_(std::getenv("SIM_TRACE") != nullptr) {}

bool Sim::storage_fails() {
    if (!rng_.chance(faults_.write_fail)) return false;
    ++failed_writes_;
    return true;
}

void Sim::at(TimePoint t, std::function<void()> f) {
    queue_.emplace(std::make_pair(t, seq_++), std::move(f));
}

void Sim::run_until(TimePoint t) {
    while (!queue_.empty() && !checker_.failed()) {
        auto it = queue_.begin();
        if (it->first.first > t) break;
        now_ = it->first.first;
        auto f = std::move(it->second);
        queue_.erase(it);
        ++events_;
        f();
    }
    if (!checker_.failed()) now_ = std::max(now_, t);
}

void Sim::add_node(const std::string& name, const proto::Membership& collective) {
    Node& n = nodes_[name];
    n.name = name;
    n.collective = collective;
    n.hard = raft::HardState{};
    restart(name, false);
}

void Sim::kill(const std::string& name) {
    crash(name);
    for (auto& [other, n] : nodes_) {
        if (other == name || !n.core || faults_.blocked.count({name, other})) continue;
        n.exec->lost_link(name);
        after(n);
    }
}

void Sim::crash(const std::string& name) {
    Node& n = nodes_.at(name);
    if (!n.core) return;
    for (auto& [id, idx] : n.writes) history_[idx].required = false;  // outcome unknown
    for (auto& [id, idx] : n.reads) dropped_.insert(idx);
    n.writes.clear();
    n.reads.clear();
    n.open_seqs.clear();
    n.once_seqs.clear();
    n.exec.reset();
    n.ports.reset();
    n.core.reset();
    checker_.crashed(name, n.hard ? n.hard->term : 0);
    ++n.gen;
    n.sync_pending = false;
    n.wake = {};
    // The unsynced tail may be lost, wholly or in part.
    size_t common = 0;
    while (common < n.durable.size() && common < n.written.size() &&
           n.durable[common] == n.written[common])
        ++common;
    if (rng_.chance(0.5)) {
        n.written = n.durable;
    } else {
        n.written.resize(rng_.between(common, n.written.size()));
        n.durable = n.written;
    }
}

void Sim::restart(const std::string& name, bool wipe) {
    Node& n = nodes_.at(name);
    if (n.core) return;
    if (wipe) {
        n.hard.reset();
        n.snap = {};
        n.snap_kv.clear();
        n.snap_sessions = {};
        n.durable.clear();
        n.wiped = true;
        checker_.wiped(name);
    }
    drop_through(n.durable, n.snap.index);
    n.written = n.durable;
    raft::BootState boot{.hard_state = n.hard,
                         .snapshot = n.snap,
                         .log = n.durable,
                         .applied = n.snap.index,
                         .initial_membership = n.collective};
    raft::Config c = base_;
    c.self = name;
    n.core = std::make_unique<raft::Core>(c, std::move(boot), rng_.next());
    n.ports = std::make_unique<NodePorts>(*this, name);
    n.exec = std::make_unique<raft::Executor>(*n.core, *n.ports, n.hard, n.snap.index, mutation_);
    n.kv = n.snap_kv;
    n.sessions = n.snap_sessions;
    // A new session at each start, as confluentd opens one (gen is bumped at
    // each crash, so it names the incarnation).
    n.session = name + "/" + std::to_string(n.gen);
    n.next_seq = 1;
    n.applied = n.snap.index;
    n.seen_commit = n.snap.index;
    n.exec->tick();
    after(n);
}

void Sim::heal() {
    faults_ = Faults{};
}

void Sim::after(Node& n) {
    if (!n.core) return;
    checker_.after_step(n.name, *n.core, n.seen_commit);
    if (n.wiped && !n.core->hard_state().catching_up) n.wiped = false;
    maybe_snapshot(n);
}

void Sim::check_durable(const Node& n, const raft::Outbound& m) {
    auto fail = [&](const std::string& what) {
        checker_.fail("durability: " + n.name + " sent " + what + " to " + m.to);
    };
    bool pre_vote = false;
    if (auto* v = std::get_if<proto::VoteRequest>(&m.message)) pre_vote = v->pre_vote;
    if (auto* v = std::get_if<proto::VoteResponse>(&m.message)) pre_vote = v->pre_vote;
    const uint64_t term = std::visit([](const auto& x) { return uint64_t(x.term); }, m.message);
    const raft::Term durable_term = n.hard ? n.hard->term : 0;
    if (!pre_vote && term > durable_term)
        return fail("a message of term " + std::to_string(term) + " while its durable term is " +
                    std::to_string(durable_term));
    if (auto* v = std::get_if<proto::VoteResponse>(&m.message);
        v && v->granted && !v->pre_vote && (!n.hard || n.hard->voted_for != m.to))
        return fail("a vote in term " + std::to_string(v->term) + " that is not durable");
    // Where the durable log holds `index` with the entry's current term.
    auto durable_through = [&](raft::Index index) {
        if (index <= n.snap.index) return true;
        for (const auto& e : n.durable)
            if (e.index == index)
                return n.core && n.core->last_index() >= index && index >= n.core->first_index() &&
                       n.core->entry(index).term == e.term;
        return false;
    };
    if (auto* a = std::get_if<proto::AppendResponse>(&m.message);
        a && a->success && !durable_through(a->match_index))
        return fail("an acknowledgement of index " + std::to_string(a->match_index) +
                    " that is not durable");
    if (auto* a = std::get_if<proto::SnapshotAck>(&m.message);
        a && a->done && !durable_through(a->index))
        return fail("an acknowledgement of the snapshot at " + std::to_string(a->index) +
                    " that is not installed");
}

void Sim::send(const std::string& from, const raft::Outbound& m) {
    if (faults_.blocked.count({from, m.to}) || rng_.chance(faults_.loss)) return;
    auto target = nodes_.find(m.to);
    if (target == nodes_.end()) return;
    // Messages go over a connection: one that restarts (crash, new
    // incarnation) never receives what was sent to its previous life.
    uint64_t to_gen = target->second.gen;
    int copies = rng_.chance(faults_.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
        auto delay = std::chrono::microseconds(rng_.between(500, 5000));
        if (rng_.chance(faults_.long_delay)) delay += Millis(rng_.between(20, 200));
        at(now_ + delay, [this, from, to = m.to, to_gen, msg = m.message] {
            auto it = nodes_.find(to);
            if (it == nodes_.end() || !it->second.core || it->second.gen != to_gen) return;
            it->second.exec->receive(from, msg);
            after(it->second);
        });
    }
}

void Sim::schedule_sync(Node& n) {
    if (n.sync_pending) return;
    n.sync_pending = true;
    auto delay = std::chrono::microseconds(
        rng_.below(uint64_t(std::chrono::microseconds(faults_.max_sync_delay).count()) + 1));
    if (rng_.chance(faults_.slow_sync)) delay += Millis(rng_.between(50, 400));
    at(now_ + delay, [this, name = n.name, gen = n.gen] {
        Node& x = nodes_.at(name);
        if (!x.core || x.gen != gen) return;
        x.sync_pending = false;
        if (x.written == x.durable) return;
        if (!x.written.empty() && rng_.chance(faults_.sync_fail)) {
            // What reached the disk is unknown: durable stays as it was.
            x.exec->sync_failed(x.written.back().index, x.written.back().term,
                                "simulated fsync failure");
            after(x);
            return;
        }
        size_t common = 0;
        while (common < x.durable.size() && common < x.written.size() &&
               x.durable[common] == x.written[common])
            ++common;
        if (common < x.written.size() && storage_fails()) {
            // The appends fail (disk full): their bytes are cut off again.
            x.written.resize(common);
            x.durable = x.written;
            raft::Index from = x.written.empty() ? x.snap.index + 1 : x.written.back().index + 1;
            x.exec->log_failed(from);
            after(x);
            return;
        }
        x.durable = x.written;
        if (!x.written.empty()) x.exec->synced(x.written.back().index, x.written.back().term);
        after(x);
    });
}

void Sim::schedule_wake(Node& n, TimePoint t) {
    // Replaces the pending wake-up, as Ports::wake_at says and confluentd's
    // timer does (keeping the earliest once hid bug 5 of RELIABILITY.md).
    t = std::max(t, now_ + std::chrono::microseconds(100));
    if (n.wake == t) return;  // already pending
    n.wake = t;
    at(t, [this, name = n.name, gen = n.gen, t] {
        Node& x = nodes_.at(name);
        if (!x.core || x.gen != gen || x.wake != t) return;
        ++x.ticks;
        x.exec->tick();
        after(x);
    });
}

void Sim::maybe_snapshot(Node& n) {
    if (!n.core || n.exec->dead() || n.applied < n.snap.index + 24) return;
    if (storage_fails()) return;  // snapshot-meta not written: no compaction
    n.core->snapshot_taken(n.applied, now_);
    n.snap = n.core->snapshot();
    n.snap_kv = n.kv;
    n.snap_sessions = n.sessions;
    drop_through(n.durable, n.snap.index);
    drop_through(n.written, n.snap.index);
}

uint64_t Sim::put(const std::string& on, const std::string& key) {
    Node& n = nodes_.at(on);
    if (!n.core) return 0;
    uint64_t id = next_id_++;
    KvOp op{id, key, true, "v" + std::to_string(id), ++clock_, kNever, true};
    n.writes[id] = history_.size();
    history_.push_back(op);
    n.exec->propose(id, put_command(key, op.value));
    after(n);
    return id;
}

uint64_t Sim::put_once(const std::string& on, const std::string& key) {
    Node& n = nodes_.at(on);
    if (!n.core) return 0;
    uint64_t id = next_id_++;
    KvOp op{id, key, true, "v" + std::to_string(id), ++clock_, kNever, true};
    n.writes[id] = history_.size();
    history_.push_back(op);
    const uint64_t seq = n.next_seq++;
    const uint64_t acked_below = n.open_seqs.empty() ? seq : n.open_seqs.begin()->first;
    n.open_seqs[seq] = id;
    n.once_seqs[id] = seq;
    std::string data = once_command({n.session, seq, acked_below, put_command(key, op.value)});
    once_[id] = data;
    n.exec->propose_once(id, std::move(data));  // may answer at once
    after(n);
    return id;
}

uint64_t Sim::propose_copy(const std::string& on, const std::string& data) {
    Node& n = nodes_.at(on);
    if (!n.core) return 0;
    uint64_t id = next_id_++;
    n.exec->propose_once(id, data);
    after(n);
    return id;
}

void Sim::set_keepalive(Millis interval) {
    keepalive_ = interval;
    if (keepalive_.count() > 0 && !keepalive_armed_) {
        keepalive_armed_ = true;
        at(now_ + keepalive_, [this] { keepalive(); });
    }
}

void Sim::keepalive() {
    if (keepalive_.count() <= 0) {
        keepalive_armed_ = false;
        return;
    }
    for (auto& [to, n] : nodes_) {
        if (!n.core) continue;
        for (auto& [from, m] : nodes_)
            if (from != to && m.core && !faults_.blocked.count({from, to}))
                n.exec->heard_from(from);
    }
    at(now_ + keepalive_, [this] { keepalive(); });
}

uint64_t Sim::get(const std::string& on, const std::string& key) {
    Node& n = nodes_.at(on);
    if (!n.core) return 0;
    uint64_t id = next_id_++;
    n.reads[id] = history_.size();
    history_.push_back(KvOp{id, key, false, "", ++clock_, kNever, true});
    n.exec->read_index(id);
    after(n);
    return id;
}

void Sim::propose_membership(const std::string& on, proto::Membership next) {
    Node& n = nodes_.at(on);
    if (!n.core) return;
    n.exec->propose_membership(next_id_++, std::move(next));
    after(n);
}

void Sim::transfer(const std::string& on, const std::string& to) {
    Node& n = nodes_.at(on);
    if (!n.core) return;
    (void)n.core->transfer_leadership(to, now_);
    n.exec->run();
    after(n);
}

void Sim::complete_write(Node& n, raft::ProposalResult r) {
    auto it = n.writes.find(r.id);
    if (it == n.writes.end()) {  // a member list change, a propose_copy
        answers_.emplace(r.id, Answer{r.code, now_, ""});
        return;
    }
    size_t idx = it->second;
    n.writes.erase(it);
    KvOp& op = history_[idx];
    std::optional<OnceCommand> once;
    if (auto s = n.once_seqs.find(r.id); s != n.once_seqs.end()) {
        once = parse_once(once_.at(r.id));
        n.open_seqs.erase(s->second);
        n.once_seqs.erase(s);
        // RaftDriver::proposal_done: this member may have caught up from a
        // snapshot that holds the write.
        if (driver_answers_ && r.code == raft::Outcome::Unknown &&
            n.sessions.seen(once->session, once->seq)) {
            r.code = raft::Outcome::Done;
            r.index = 0;
            r.reason.clear();
        }
    }
    answers_[op.id] = {r.code, now_, ""};
    if (trace_)
        std::fprintf(stderr, "[%lld ms] %s: put #%llu %s=%s -> %d index %llu %s\n",
                     (long long)std::chrono::duration_cast<Millis>(now_.time_since_epoch()).count(),
                     n.name.c_str(), (unsigned long long)op.id, op.key.c_str(), op.value.c_str(),
                     int(r.code), (unsigned long long)r.index, r.reason.c_str());
    switch (r.code) {
        case raft::Outcome::Done: {
            op.ret = ++clock_;
            if (once) checker_.once_answered(n.name, once_key(*once), r.code);
            if (r.index != 0)  // 0: a put_once found in the table
                checker_.write_acknowledged(n.name, r.index,
                                            once ? once_.at(op.id) : put_command(op.key, op.value));
            raft::Term t = r.index == 0                       ? n.core->hard_state().term
                           : r.index >= n.core->first_index() ? n.core->entry(r.index).term
                                                              : 0;
            acks_[op.id] = {t, now_};
            break;
        }
        case raft::Outcome::Unknown:
            op.required = false;
            break;
        default:
            if (once) checker_.once_answered(n.name, once_key(*once), r.code);
            dropped_.insert(idx);
            break;  // definitely not applied
    }
}

void Sim::complete_read(Node& n, const raft::ReadResult& r) {
    auto it = n.reads.find(r.id);
    if (it == n.reads.end()) return;
    size_t idx = it->second;
    n.reads.erase(it);
    KvOp& op = history_[idx];
    if (r.code != raft::Outcome::Done) {
        answers_[op.id] = {r.code, now_, ""};
        dropped_.insert(idx);
        return;
    }
    if (n.applied < r.index)
        checker_.fail("read contract: " + n.name + " answered a read at index " +
                      std::to_string(r.index) + " before applying it");
    auto v = n.kv.find(op.key);
    op.value = v == n.kv.end() ? "" : v->second;
    op.ret = ++clock_;
    answers_[op.id] = {r.code, now_, op.value};
}

// The state machine's half of an exactly-once write: the first copy applies,
// later ones are dropped (cc::state::SessionTable, as the node database).
void Sim::apply_once(Node& n, const proto::Entry& e) {
    OnceCommand w = parse_once(e.data);
    const std::string key = once_key(w);
    if (n.sessions.first_time(w.session, w.seq, w.acked_below, e.index)) {
        apply_command(n.kv, w.command);
        checker_.once_applied(n.name, key, e.index);
    } else {
        checker_.once_dropped(n.name, key, e.index);
    }
    // RaftDriver::answer_own_write: the proposer answers from the applied
    // entry, whichever copy the core tracks, and the core stops sending it.
    if (!driver_answers_ || w.session != n.session) return;
    auto open = n.open_seqs.find(w.seq);
    if (open == n.open_seqs.end()) return;
    const raft::ProposalId id = open->second;
    n.exec->forget_proposal(id);
    complete_write(n, {id, raft::Outcome::Done, e.index, ""});
}

std::vector<KvOp> Sim::history() const {
    std::vector<KvOp> out;
    for (size_t i = 0; i < history_.size(); ++i) {
        if (dropped_.count(i)) continue;
        const KvOp& op = history_[i];
        if (!op.write && op.ret == kNever) continue;  // read still pending: no answer
        KvOp x = op;
        if (x.write && !x.required) x.ret = kNever;
        if (x.write && x.ret == kNever) x.required = false;
        out.push_back(std::move(x));
    }
    return out;
}

std::optional<std::string> Sim::leader() const {
    std::optional<std::string> best;
    raft::Term term = 0;
    for (const auto& [name, n] : nodes_)
        if (n.core && n.core->role() == raft::Role::Leader && n.core->hard_state().term >= term) {
            best = name;
            term = n.core->hard_state().term;
        }
    return best;
}

// ---- the executor's ports ----

raft::TimePoint NodePorts::now() {
    return sim_.now_;
}

void NodePorts::wake_at(raft::TimePoint t) {
    sim_.schedule_wake(sim_.nodes_.at(name_), t);
}

void NodePorts::save_hard_state(const raft::HardState& hs) {
    Node& n = sim_.nodes_.at(name_);
    if (sim_.storage_fails()) throw raft::WriteFailed("simulated: no space left on device");
    if (sim_.rng_.chance(sim_.faults_.sync_fail))
        throw raft::SyncFailed("simulated fsync failure of the hard state");
    if (n.hard && hs.term < n.hard->term)
        sim_.checker_.fail("durability: " + name_ + " saved term " + std::to_string(hs.term) +
                           " over its durable term " + std::to_string(n.hard->term));
    n.hard = hs;
}

void NodePorts::log_append(std::vector<proto::Entry> entries) {
    Node& n = sim_.nodes_.at(name_);
    for (auto& e : entries) {
        raft::Index expected = n.written.empty() ? n.snap.index + 1 : n.written.back().index + 1;
        if (e.index != expected)
            sim_.checker_.fail("driver contract: " + name_ + " was asked to append index " +
                               std::to_string(e.index) + " after " + std::to_string(expected - 1));
        n.written.push_back(e);
    }
    sim_.checker_.entries_appended(name_, *n.core, entries);
    sim_.schedule_sync(n);
}

void NodePorts::log_truncate(raft::Index from) {
    Node& n = sim_.nodes_.at(name_);
    if (from == 0)
        n.written.clear();
    else
        drop_from(n.written, from);
    sim_.schedule_sync(n);
}

void NodePorts::log_compact(raft::Index up_to) {
    Node& n = sim_.nodes_.at(name_);
    drop_through(n.written, up_to);
    drop_through(n.durable, up_to);
}

void NodePorts::send(raft::Outbound m) {
    Node& n = sim_.nodes_.at(name_);
    sim_.check_durable(n, m);
    sim_.send(name_, m);
}

void NodePorts::apply(const proto::Entry& e) {
    Node& n = sim_.nodes_.at(name_);
    if (e.index != n.applied + 1)
        sim_.checker_.fail("driver contract: " + name_ + " got entry " + std::to_string(e.index) +
                           " to apply after " + std::to_string(n.applied));
    // cfg/collective is a file of its own: its write may fail.
    if (e.kind == proto::EntryKind::Membership && sim_.storage_fails())
        throw raft::WriteFailed("simulated: cannot write cfg/collective");
    sim_.checker_.entry_applied(name_, e);
    if (e.kind == proto::EntryKind::Command) apply_command(n.kv, e.data);
    if (e.kind == proto::EntryKind::SessionCommand) sim_.apply_once(n, e);
    if (e.kind == proto::EntryKind::Membership)
        n.collective = proto::from_bytes<proto::Membership>(e.data);
    n.applied = e.index;
}

void NodePorts::install_snapshot(const raft::SnapshotInstall& s) {
    Node& n = sim_.nodes_.at(name_);
    if (sim_.storage_fails()) throw raft::WriteFailed("simulated: cannot write the snapshot");
    n.snap = s.meta;
    decode_state(s.data, n.snap_kv, n.snap_sessions);
    n.kv = n.snap_kv;
    n.sessions = n.snap_sessions;
    n.applied = n.snap.index;
    n.collective = n.snap.membership;
}

std::string NodePorts::snapshot_bytes() {
    const Node& n = sim_.nodes_.at(name_);
    return encode_state(n.kv, n.sessions);
}

void NodePorts::proposal_done(const raft::ProposalResult& r) {
    sim_.complete_write(sim_.nodes_.at(name_), r);
}

void NodePorts::read_done(const raft::ReadResult& r) {
    sim_.complete_read(sim_.nodes_.at(name_), r);
}

void NodePorts::fatal(const std::string&) {
    // The member stops at once: a crash, after the event that found it.
    ++sim_.fatal_stops_;
    sim_.at(sim_.now_, [s = &sim_, name = name_, gen = sim_.nodes_.at(name_).gen] {
        auto it = s->nodes_.find(name);
        if (it != s->nodes_.end() && it->second.gen == gen) s->crash(name);
    });
}

}  // namespace sim
