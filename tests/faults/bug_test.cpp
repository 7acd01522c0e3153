// Minimal reproductions of daemon bugs found by the fault tests. Each failed
// until its bug was fixed and stays as a regression test (RELIABILITY.md,
// "Bugs found": all fixed).
#include <gtest/gtest.h>

#include <thread>

#include "tests/faults/cluster.hpp"
#include "tests/faults/disk.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using namespace cc::faults;
using namespace std::chrono_literals;

// Regression (found 2026-11-25 by Collective3.fullDiskOnTheLeader_*): when
// the leader's own log append fails (disk full), the entry may already be on
// the followers, who make a majority without the leader and commit it. The
// answer used to be "...; nothing was changed" while the change was in the
// collective. Now the answer must either be true (the value is not applied)
// or say that the other members may still apply it.
TEST(Bug, fullDiskOnTheLeader_refusalNeverClaimsNothingChangedWhenTheOthersApplyIt) {
    CLUSTER_OR_SKIP(c, cluster_or_null(3));
    SmallDisk disk(c->at(0).state, 16);
    if (!disk.mounted()) SKIP_OR_FAIL("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
    c->start_all();
    c->form();
    ASSERT_EQ(c->wait_leader(), 0u) << "mgt1 formed the collective and should lead it";
    ASSERT_EQ(c->at(0).cli("nodedefine", {"n1", "a=0"}).status, 0);
    disk.fill();
    cc::it::CmdResult r;
    std::string value;
    // The log's preallocated space (256 KiB) takes records until it is used up.
    for (int i = 1; i < 200; ++i) {
        value = std::to_string(i) + std::string(3000, 'v');
        r = c->at(0).cli("nodeattrib", {"n1", "a=" + value});
        if (r.status != 0) break;
    }
    ASSERT_NE(r.status, 0) << "the full disk never refused a write";
    std::this_thread::sleep_for(2s);
    auto seen = c->at(1).cli("nodeattrib", {"n1", "a"});
    bool applied = seen.out == "n1: a: " + value + "\n";
    bool claims_nothing_changed = r.err.find("nothing was changed") != std::string::npos;
    EXPECT_FALSE(applied && claims_nothing_changed)
        << "mgt1 answered '" << r.err << "' yet mgt2 shows the value";
    EXPECT_FALSE(claims_nothing_changed) << "a leader cannot know its followers did not commit";
    EXPECT_NE(r.err.find("may still apply"), std::string::npos) << r;
}

}  // namespace
