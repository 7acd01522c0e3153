#include "tests/sim/scenario.hpp"

#include <algorithm>

#include "tests/sim/sim.hpp"

namespace sim {
namespace {

using std::chrono::milliseconds;

const char* const kNames[] = {"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"};

proto::MemberInfo member(const std::string& name, proto::Role role) {
    return {name, name + ":13001", "SHA256:" + name, role, false};
}

std::vector<std::string> up_nodes(Sim& s) {
    std::vector<std::string> v;
    for (auto& [name, n] : s.nodes())
        if (n.core) v.push_back(name);
    return v;
}

template <class V>
const auto& pick(Sim& s, const V& v) {
    return v[s.rng().below(v.size())];
}

// One random fault (or repair) action.
void random_fault(Sim& s, int& next_name, bool storage_faults) {
    auto& rng = s.rng();
    auto up = up_nodes(s);
    std::vector<std::string> down;
    for (auto& [name, n] : s.nodes())
        if (!n.core) down.push_back(name);
    uint64_t roll = rng.below(100);
    if (roll < 14) {
        // Killed (its links close: the others are told, Core::lost_link)
        // or silent (a power cut: they notice by the missing heartbeats).
        if (!up.empty()) {
            const auto& name = pick(s, up);
            if (rng.chance(0.5))
                s.kill(name);
            else
                s.crash(name);
        }
    } else if (roll < 32) {
        if (!down.empty()) s.restart(pick(s, down), false);
    } else if (roll < 37) {
        // Restored member: only one at a time, so a majority keeps its disks;
        // and only with 3 or more voters: with one or two, the rule that a
        // restored member neither votes nor leads until caught up leaves
        // nobody to elect a leader (documented in README.md).
        bool busy = false;
        for (auto& [name, n] : s.nodes()) busy |= n.wiped;
        if (down.empty() || busy) return;
        const auto& name = pick(s, down);
        auto voters = [](const proto::Membership& ms) {
            size_t v = 0;
            for (const auto& m : ms.members) v += m.role == proto::Role::Voter;
            return v;
        };
        size_t fewest = voters(s.nodes().at(name).collective);
        if (auto l = s.checker().latest_membership()) fewest = std::min(fewest, voters(*l));
        for (auto& [other, n] : s.nodes()) {
            if (n.core) fewest = std::min(fewest, voters(n.core->membership()));
            // Down members too: their logs may hold a change still in flight.
            fewest = std::min(fewest, voters(n.collective));
            for (const auto& e : n.written)
                if (e.kind == proto::EntryKind::Membership)
                    fewest = std::min(fewest, voters(proto::from_bytes<proto::Membership>(e.data)));
        }
        if (fewest >= 3) s.restart(name, true);
    } else if (roll < 47) {
        // Symmetric partition into two random sides.
        s.faults().blocked.clear();
        std::vector<std::string> names;
        for (auto& [name, n] : s.nodes()) names.push_back(name);
        std::set<std::string> side;
        for (auto& n : names)
            if (rng.chance(0.5)) side.insert(n);
        for (auto& a : names)
            for (auto& b : names)
                if (side.count(a) != side.count(b)) s.faults().blocked.insert({a, b});
    } else if (roll < 55) {
        // Asymmetric: one member stops hearing another (or everybody).
        std::vector<std::string> names;
        for (auto& [name, n] : s.nodes()) names.push_back(name);
        const auto& a = pick(s, names);
        if (rng.chance(0.5)) {
            s.faults().blocked.insert({pick(s, names), a});
        } else {
            for (auto& b : names)
                if (b != a) s.faults().blocked.insert({b, a});
        }
    } else if (roll < 70) {
        s.faults().blocked.clear();
    } else if (roll < 78) {
        const double losses[] = {0, 0.02, 0.1, 0.3};
        s.faults().loss = losses[rng.below(4)];
    } else if (roll < 83) {
        const double dups[] = {0, 0.05, 0.2};
        s.faults().duplicate = dups[rng.below(3)];
        s.faults().long_delay = rng.chance(0.5) ? 0.1 : 0;
    } else if (roll < 86) {
        s.faults().max_sync_delay = milliseconds(rng.chance(0.5) ? 4 : 60);
        if (storage_faults) {
            const double writes[] = {0, 0, 0.02, 0.1};
            const double syncs[] = {0, 0, 0, 0.002};
            s.faults().write_fail = writes[rng.below(4)];
            s.faults().sync_fail = syncs[rng.below(4)];
            s.faults().slow_sync = rng.chance(0.3) ? 0.05 : 0;
        }
    } else if (roll < 96) {
        // No member list changes while a restored member catches up (they
        // could leave it one of only two voters).
        for (auto& [name, n] : s.nodes())
            if (n.wiped) return;
        if (up.empty()) return;
        const auto& on = pick(s, up);
        proto::Membership cur = s.nodes().at(on).core->membership();
        uint64_t kind = rng.below(3);
        if (kind == 0 && next_name < 9) {
            std::string name = kNames[next_name++];
            proto::Membership next = cur;
            next.members.push_back(
                member(name, rng.chance(0.7) ? proto::Role::Voter : proto::Role::NonVoter));
            proto::Membership file = cur;
            auto joiner = next.members.back();
            if (joiner.role == proto::Role::Voter) {
                joiner.role = proto::Role::NonVoter;
                joiner.promote = true;
            }
            file.members.push_back(joiner);
            s.add_node(name, file);
            s.propose_membership(on, next);
        } else if (kind == 1 && cur.members.size() > 1) {
            proto::Membership next = cur;
            next.members.erase(next.members.begin() + long(rng.below(next.members.size())));
            s.propose_membership(on, next);
        } else if (!cur.members.empty()) {
            proto::Membership next = cur;
            auto& m = next.members[rng.below(next.members.size())];
            m.role = m.role == proto::Role::Voter ? proto::Role::NonVoter : proto::Role::Voter;
            m.promote = false;
            s.propose_membership(on, next);
        }
    } else {
        auto l = s.leader();
        if (!l) return;
        auto voters = s.nodes().at(*l).core->membership().members;
        if (!voters.empty()) s.transfer(*l, pick(s, voters).name);
    }
}

void client_op(Sim& s, int keys) {
    auto up = up_nodes(s);
    if (up.empty()) return;
    const auto& on = pick(s, up);
    std::string key = "k" + std::to_string(s.rng().below(uint64_t(keys)));
    if (!s.rng().chance(0.6))
        s.get(on, key);
    else if (s.rng().chance(0.3))
        s.put_once(on, key);  // exactly once: held through elections, re-sent
    else
        s.put(on, key);
}

// One line per member, for failure reports.
std::string describe(Sim& s) {
    std::string out;
    const char* roles[] = {"follower", "pre-candidate", "candidate", "leader"};
    for (auto& [name, n] : s.nodes()) {
        out += "\n  " + name + ": ";
        if (!n.core) {
            out += "down";
            continue;
        }
        auto st = n.core->status(s.now());
        out += std::string(roles[int(st.role)]) + " term " + std::to_string(st.term) + " leader '" +
               st.leader + "' commit " + std::to_string(st.commit_index) + " last " +
               std::to_string(st.last_index) + (st.catching_up ? " catching-up" : "") + " members:";
        for (const auto& m : st.membership.members)
            out += " " + m.name +
                   (m.role == proto::Role::Voter ? ""
                    : m.promote                  ? "(nv+)"
                                                 : "(nv)");
        out += " | snapshot " + std::to_string(st.snapshot_index) + ", lists at";
        for (const auto& e : n.written)
            if (e.kind == proto::EntryKind::Membership)
                out += " " + std::to_string(e.index) + "/t" + std::to_string(e.term);
    }
    return out;
}

}  // namespace

RunResult run_seed(uint64_t seed, const RunOptions& o) {
    Rng shape(seed ^ 0x5eedull);
    int members = o.members ? o.members : int(shape.between(1, 7));
    int non_voters =
        o.members ? o.non_voters : int(shape.below(uint64_t(std::min(members - 1, 2)) + 1));
    raft::Config cfg;
    cfg.test_mutation = o.mutation;
    // Small limits, so that batching, the in-flight window and multi-chunk
    // snapshot transfer (with lost and duplicated chunks) all get exercised.
    cfg.max_batch_bytes = 256;
    cfg.max_inflight_appends = 1 + shape.below(4);
    cfg.snapshot_chunk_bytes = 16 + shape.below(64);
    Sim s(seed, cfg, o.executor_mutation);
    s.set_keepalive(milliseconds(400));  // the SSH links' keepalive interval
    // Exactly-once writes answered as confluentd's RaftDriver answers them
    // on even seeds, by the core alone on odd ones.
    s.set_driver_answers(seed % 2 == 0);
    if (o.write_fail) s.faults().write_fail = *o.write_fail;
    if (o.sync_fail) s.faults().sync_fail = *o.sync_fail;
    proto::Membership initial;
    for (int i = 0; i < members; ++i)
        initial.members.push_back(member(
            kNames[i], i >= members - non_voters ? proto::Role::NonVoter : proto::Role::Voter));
    for (int i = 0; i < members; ++i) s.add_node(kNames[i], initial);
    int next_name = members;

    const TimePoint start = s.now();
    const TimePoint fault_end = start + o.fault_phase;
    const int keys = 10;
    // Client traffic through the fault phase, faults from 0.5 s on.
    for (TimePoint t = start + milliseconds(50); t < fault_end;
         t += milliseconds(s.rng().between(15, 60)))
        s.at(t, [&s, keys] { client_op(s, keys); });
    if (o.faults)
        for (TimePoint t = start + milliseconds(500); t < fault_end;
             t += milliseconds(s.rng().between(100, 500)))
            s.at(t, [&s, &next_name, &o] { random_fault(s, next_name, o.storage_faults); });
    s.run_until(fault_end);

    // Heal: every member of the latest committed list up, no network faults.
    RunResult res;
    res.members = members;
    if (!s.checker().failed()) {
        s.heal();
        auto list = s.checker().latest_membership().value_or(initial);
        for (const auto& m : list.members)
            if (s.nodes().count(m.name)) s.restart(m.name, false);
        const TimePoint healed = s.now();
        std::optional<TimePoint> live;
        size_t acked_before = s.acks().size();
        for (TimePoint t = healed + milliseconds(100); t <= healed + o.liveness_bound;
             t += milliseconds(100)) {
            s.at(t, [&s, &list, keys] {
                const auto& m = list.members[s.rng().below(list.members.size())];
                s.put(m.name, "k" + std::to_string(s.rng().below(uint64_t(keys))));
            });
        }
        for (TimePoint t = healed; t <= healed + o.liveness_bound && !s.checker().failed();
             t += milliseconds(100)) {
            s.run_until(t);
            for (const auto& [id, a] : s.acks())
                if (a.second >= healed) live = a.second;
            if (live) break;
        }
        (void)acked_before;
        if (!live && !s.checker().failed())
            s.checker().fail("liveness: no write committed within " +
                             std::to_string(o.liveness_bound.count()) + " ms after healing" +
                             describe(s));
        // Let answers in flight arrive before judging the history.
        if (!s.checker().failed()) s.run_until(s.now() + milliseconds(6000));
    }
    res.events = s.events();
    res.fatal_stops = s.fatal_stops();
    res.failed_writes = s.failed_writes();
    if (!s.checker().failed()) {
        auto h = s.history();
        for (const auto& op : h) {
            if (op.write && op.required) ++res.writes_ok;
            if (op.write && !op.required) ++res.writes_unknown;
            if (!op.write) ++res.reads_ok;
        }
        auto lin = check_linearizable(h);
        if (lin.verdict == LinVerdict::Violation)
            s.checker().fail("linearizability: " + lin.detail);
        res.lin_too_hard = lin.verdict == LinVerdict::TooHard;
    }
    if (s.checker().failed()) {
        res.ok = false;
        res.failure =
            "seed " + std::to_string(seed) + " at " +
            std::to_string(std::chrono::duration_cast<milliseconds>(s.now() - start).count()) +
            " ms: " + s.checker().failure();
    }
    return res;
}

std::optional<raft::Millis> measure_failover(uint64_t seed, int voters) {
    Sim s(seed, raft::Config{});
    proto::Membership initial;
    for (int i = 0; i < voters; ++i)
        initial.members.push_back(member(kNames[i], proto::Role::Voter));
    for (int i = 0; i < voters; ++i) s.add_node(kNames[i], initial);
    const TimePoint start = s.now();
    // Steady writes on random live members every 10 ms.
    for (TimePoint t = start + milliseconds(10); t < start + milliseconds(15000);
         t += milliseconds(10))
        s.at(t, [&s] {
            auto up = up_nodes(s);
            if (!up.empty()) s.put(pick(s, up), "k" + std::to_string(s.rng().below(4)));
        });
    s.run_until(start + milliseconds(2000) + milliseconds(s.rng().below(1000)));
    auto leader = s.leader();
    if (!leader || s.checker().failed()) return std::nullopt;
    raft::Term old_term = s.nodes().at(*leader).core->hard_state().term;
    s.crash(*leader);
    const TimePoint crashed = s.now();
    for (TimePoint t = crashed; t < crashed + milliseconds(10000); t += milliseconds(5)) {
        s.run_until(t);
        for (const auto& [id, a] : s.acks())
            if (a.first > old_term)
                return std::chrono::duration_cast<raft::Millis>(a.second - crashed);
    }
    return std::nullopt;
}

}  // namespace sim
