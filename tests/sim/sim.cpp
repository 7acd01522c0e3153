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

Sim::Sim(uint64_t seed, raft::Config base)
    : base_(std::move(base)), rng_(seed), trace_(std::getenv("SIM_TRACE") != nullptr) {}

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

void Sim::crash(const std::string& name) {
    Node& n = nodes_.at(name);
    if (!n.core) return;
    for (auto& [id, idx] : n.writes) history_[idx].required = false;  // outcome unknown
    for (auto& [id, idx] : n.reads) dropped_.insert(idx);
    n.writes.clear();
    n.reads.clear();
    n.core.reset();
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
        n.durable.clear();
        n.wiped = true;
        checker_.wiped(name);
    }
    n.written = n.durable;
    raft::BootState boot{.hard_state = n.hard,
                         .snapshot = n.snap,
                         .log = n.durable,
                         .applied = n.snap.index,
                         .initial_membership = n.collective};
    raft::Config c = base_;
    c.self = name;
    n.core = std::make_unique<raft::Core>(c, std::move(boot), rng_.next());
    n.kv = n.snap_kv;
    n.applied = n.snap.index;
    n.seen_commit = n.snap.index;
    n.core->tick(now_);
    handle(n);
}

void Sim::heal() {
    faults_ = Faults{};
}

void Sim::handle(Node& n) {
    for (int round = 0; round < 8 && n.core; ++round) {
        raft::Ready r = n.core->take_ready();
        if (r.hard_state) n.hard = r.hard_state;
        if (r.snapshot) {
            // Installed durably together with the log truncation it implies.
            n.snap = r.snapshot->meta;
            n.snap_kv = decode_kv(r.snapshot->data);
            n.kv = n.snap_kv;
            n.applied = n.snap.index;
            n.collective = n.snap.membership;
            drop_through(n.durable, n.snap.index);
            drop_through(n.written, n.snap.index);
            if (r.truncate_from) {
                drop_from(n.durable, *r.truncate_from);
                drop_from(n.written, *r.truncate_from);
            }
        } else if (r.truncate_from) {
            drop_from(n.written, *r.truncate_from);
        }
        for (const auto& e : r.entries) {
            raft::Index expected =
                n.written.empty() ? n.snap.index + 1 : n.written.back().index + 1;
            if (e.index != expected)
                checker_.fail("driver contract: " + n.name + " was asked to append index " +
                              std::to_string(e.index) + " after " + std::to_string(expected - 1));
            n.written.push_back(e);
        }
        checker_.entries_appended(n.name, *n.core, r.entries);
        if (!r.entries.empty() || r.truncate_from) schedule_sync(n);
        for (const auto& m : r.messages) send(n.name, m);
        for (const auto& e : r.committed) {
            if (e.index != n.applied + 1)
                checker_.fail("driver contract: " + n.name + " got entry " +
                              std::to_string(e.index) + " to apply after " +
                              std::to_string(n.applied));
            checker_.entry_applied(n.name, e);
            if (e.kind == proto::EntryKind::Command) apply_command(n.kv, e.data);
            if (e.kind == proto::EntryKind::Membership)
                n.collective = proto::from_bytes<proto::Membership>(e.data);
            n.applied = e.index;
        }
        for (const auto& x : r.proposal_results) complete_write(n, x);
        for (const auto& x : r.read_results) complete_read(n, x);
        for (const auto& to : r.snapshot_requests)
            n.core->send_snapshot(to, n.applied, encode_kv(n.kv), now_);
        schedule_wake(n, r.next_wakeup);
        checker_.after_step(n.name, *n.core, n.seen_commit);
        if (n.wiped && !n.core->hard_state().catching_up) n.wiped = false;
        if (r.snapshot_requests.empty()) break;
    }
    maybe_snapshot(n);
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
            it->second.core->receive(from, msg, now_);
            handle(it->second);
        });
    }
}

void Sim::schedule_sync(Node& n) {
    if (n.sync_pending) return;
    n.sync_pending = true;
    auto delay = std::chrono::microseconds(
        rng_.below(uint64_t(std::chrono::microseconds(faults_.max_sync_delay).count()) + 1));
    at(now_ + delay, [this, name = n.name, gen = n.gen] {
        Node& x = nodes_.at(name);
        if (!x.core || x.gen != gen) return;
        x.sync_pending = false;
        x.durable = x.written;
        if (!x.written.empty())
            x.core->persisted(x.written.back().index, x.written.back().term, now_);
        handle(x);
    });
}

void Sim::schedule_wake(Node& n, TimePoint t) {
    t = std::max(t, now_ + std::chrono::microseconds(100));
    if (n.wake > now_ && n.wake <= t) return;  // an earlier wake-up is pending
    n.wake = t;
    at(t, [this, name = n.name, gen = n.gen, t] {
        Node& x = nodes_.at(name);
        if (!x.core || x.gen != gen || x.wake != t) return;
        x.core->tick(now_);
        handle(x);
    });
}

void Sim::maybe_snapshot(Node& n) {
    if (!n.core || n.applied < n.snap.index + 24) return;
    n.core->snapshot_taken(n.applied, now_);
    n.snap = n.core->snapshot();
    n.snap_kv = n.kv;
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
    n.core->propose(id, put_command(key, op.value), now_);
    handle(n);
    return id;
}

uint64_t Sim::get(const std::string& on, const std::string& key) {
    Node& n = nodes_.at(on);
    if (!n.core) return 0;
    uint64_t id = next_id_++;
    n.reads[id] = history_.size();
    history_.push_back(KvOp{id, key, false, "", ++clock_, kNever, true});
    n.core->read_index(id, now_);
    handle(n);
    return id;
}

void Sim::propose_membership(const std::string& on, proto::Membership next) {
    Node& n = nodes_.at(on);
    if (!n.core) return;
    n.core->propose_membership(next_id_++, std::move(next), now_);
    handle(n);
}

void Sim::transfer(const std::string& on, const std::string& to) {
    Node& n = nodes_.at(on);
    if (!n.core) return;
    (void)n.core->transfer_leadership(to, now_);
    handle(n);
}

void Sim::complete_write(Node& n, const raft::ProposalResult& r) {
    auto it = n.writes.find(r.id);
    if (it == n.writes.end()) return;  // a member list change
    size_t idx = it->second;
    n.writes.erase(it);
    KvOp& op = history_[idx];
    answers_[op.id] = {r.code, now_, ""};
    if (trace_)
        std::fprintf(stderr, "[%lld ms] %s: put #%llu %s=%s -> %d index %llu %s\n",
                     (long long)std::chrono::duration_cast<Millis>(now_.time_since_epoch()).count(),
                     n.name.c_str(), (unsigned long long)op.id, op.key.c_str(), op.value.c_str(),
                     int(r.code), (unsigned long long)r.index, r.reason.c_str());
    switch (r.code) {
        case raft::ResultCode::Ok: {
            op.ret = ++clock_;
            checker_.write_acknowledged(n.name, r.index, put_command(op.key, op.value));
            raft::Term t = r.index >= n.core->first_index() ? n.core->entry(r.index).term : 0;
            acks_[op.id] = {t, now_};
            break;
        }
        case raft::ResultCode::Timeout:
            op.required = false;
            break;
        default:
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
    if (r.code != raft::ResultCode::Ok) {
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

}  // namespace sim
