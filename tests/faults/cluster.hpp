// Cluster: N real confluentd members (mgt1..mgtN) for fault tests, each in
// its own directory under one temporary root and, for N > 1, in its own
// network namespace of a TestNet (see netns.hpp), so that the test can cut
// links between any two members in either direction.
//
// Teardown (destructor, also when a test fails): every daemon is killed, the
// namespaces go with their holder processes, the root is removed (kept when
// CC_FAULTS_KEEP=1, for debugging). On failure, print_logs() shows each
// member's log tail.
//
// Threading: main test thread only, except the const queries (status,
// leader), which any thread may call.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/faults/netns.hpp"
#include "tests/faults/server.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace cc::faults {

class Cluster {
  public:
    // members == 1: a lone server on the host (no namespaces needed);
    // `links` says how the namespaces of members > 1 are linked.
    explicit Cluster(size_t members, Links links = Links::Veth);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    size_t size() const { return servers_.size(); }
    Server& at(size_t i) { return *servers_.at(i); }
    const Server& at(size_t i) const { return *servers_.at(i); }
    // The network; only for members > 1.
    TestNet& net() { return *net_; }

    void start_all();
    // mgt1 invites every other member, which joins it through the real CLI
    // (collective invite / collective join); throws with the CLI's output
    // when a step fails.
    void form();

    // The member that a running member with quorum names as leader, if
    // every running member that knows a leader agrees (paused ones are
    // not asked).
    std::optional<size_t> leader() const;
    // Waits for a leader with quorum; throws after the bound.
    size_t wait_leader(std::chrono::milliseconds bound = std::chrono::seconds(20)) const;
    // Waits until every running member answers with the same commit index,
    // fully applied; throws after the bound with each member's status.
    void wait_converged(std::chrono::milliseconds bound = std::chrono::seconds(30)) const;
    // Waits until every running member names the same leader, with quorum,
    // and has applied at least what that leader had committed when the
    // wait began (so a restarted or restored member has caught up); throws
    // after the bound.
    size_t wait_all_follow(std::chrono::milliseconds bound = std::chrono::seconds(30)) const;
    // Member i (stopped) loses everything but the four files of a restore:
    // privkey.pem, srvcert.pem, cfg/collective, cfg/myname.
    void wipe_to_four_files(size_t i);
    // Index of a member by name ("mgt2" -> 1); nothing if unknown.
    std::optional<size_t> index_of(const std::string& name) const;

    std::string describe() const;  // one line per member: status or "down"
    std::string logs() const;      // every member's log tail

    const std::filesystem::path& root() const { return root_; }

  private:
    std::filesystem::path root_;
    std::unique_ptr<TestNet> net_;
    std::vector<std::unique_ptr<Server>> servers_;
};

// A Cluster of `members`, not started, or nullptr when network namespaces
// are unavailable here (not root); other failures throw.
std::unique_ptr<Cluster> cluster_or_null(size_t members, Links links = Links::Veth);
// The same, started and formed (start_all(), then form()).
std::unique_ptr<Cluster> formed_or_null(size_t members, Links links = Links::Veth);

// In a gtest test body: `var` holds the cluster that `make` (one of the two
// above) returns, or the test is skipped as unable to run here (a failure
// under CI=true: tests/support/skip_or_fail.hpp).
#define CLUSTER_OR_SKIP(var, make)                                             \
    auto var = make;                                                           \
    if (!var) SKIP_OR_FAIL("network namespaces are unavailable (needs root)"); \
    static_assert(true)

}  // namespace cc::faults
