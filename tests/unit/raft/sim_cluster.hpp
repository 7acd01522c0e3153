// The multi-member fixture of the consensus unit tests (cluster_test,
// exactly_once_test, recovery_test): members m1.. on the simulator's
// network and storage (tests/sim/sim.hpp), with no faults unless the test
// injects them, and the few ways the tests drive and inspect them.
//
// When a cluster goes out of scope (also after a failed ASSERT), the
// simulator's checker must not have seen any invariant broken at any step
// (the simulator also stops at the first violation, so a test could
// otherwise pass on a run that silently stopped).
//
// A test file that needs more derives its own `Cluster` from SimCluster.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/sim/sim.hpp"

namespace raft_test {

inline proto::MemberInfo member(const std::string& n, proto::Role role = proto::Role::Voter) {
    return {n, n + ":13001", "SHA256:" + n, role, false};
}

inline proto::MemberInfo voter(const std::string& n) {
    return member(n);
}

struct SimCluster {
    // Members m1.. (voters first, then non-voters).
    SimCluster(int voters, int non_voters, raft::Config cfg, uint64_t seed)
        : sim(seed, std::move(cfg)) {
        for (int i = 1; i <= voters + non_voters; ++i)
            list.members.push_back(member(
                "m" + std::to_string(i), i <= voters ? proto::Role::Voter : proto::Role::NonVoter));
        for (const auto& m : list.members) sim.add_node(m.name, list);
    }
    ~SimCluster() { EXPECT_FALSE(sim.checker().failed()) << sim.checker().failure(); }
    SimCluster(const SimCluster&) = delete;
    SimCluster& operator=(const SimCluster&) = delete;

    void run(raft::Millis d) { sim.run_until(sim.now() + d); }
    // Runs in `step`s until `cond` holds (true) or `max` passed (false).
    bool wait_for(const std::function<bool()>& cond, raft::Millis max,
                  std::chrono::microseconds step = std::chrono::milliseconds(1)) {
        const auto end = sim.now() + max;
        while (!cond()) {
            if (sim.now() >= end || sim.checker().failed()) return false;
            sim.run_until(sim.now() + step);
        }
        return true;
    }
    raft::Core& core(const std::string& n) { return *sim.nodes().at(n).core; }
    sim::Node& node(const std::string& n) { return sim.nodes().at(n); }
    std::string leader() {
        auto l = sim.leader();
        return l ? *l : "";
    }
    // The first member in the list that is up and not the leader.
    std::string follower() {
        for (const auto& m : list.members)
            if (m.name != leader() && sim.nodes().at(m.name).core) return m.name;
        return "";
    }
    // The voters other than `but`, in name order.
    std::vector<std::string> others(const std::vector<std::string>& but) {
        std::vector<std::string> out;
        for (const auto& m : list.members)
            if (m.role == proto::Role::Voter &&
                std::find(but.begin(), but.end(), m.name) == but.end())
                out.push_back(m.name);
        return out;
    }
    // Nothing reaches `n` and nothing it sends arrives.
    void isolate(const std::string& n) {
        for (const auto& m : list.members) {
            sim.faults().blocked.insert({n, m.name});
            sim.faults().blocked.insert({m.name, n});
        }
    }
    // Nothing `n` sends reaches `to` (it still hears them).
    void mute(const std::string& n, const std::vector<std::string>& to) {
        for (const auto& m : to) sim.faults().blocked.insert({n, m});
    }
    void heal() { sim.faults().blocked.clear(); }
    // The answer to request `id`, once there is one.
    std::optional<raft::Outcome> code(uint64_t id) {
        auto a = sim.answer(id);
        return a ? std::optional(a->code) : std::nullopt;
    }

    sim::Sim sim;
    proto::Membership list;
};

}  // namespace raft_test
