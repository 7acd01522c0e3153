// The cluster harness itself: members start in their own namespaces with
// their own directories, answer on their own sockets, and die with the
// Cluster.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/faults/cluster.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using namespace cc::faults;

TEST(ClusterHarness, membersStartInTheirNamespacesAndDieWithTheCluster) {
    std::filesystem::path root;
    try {
        Cluster c(3);
        root = c.root();
        c.start_all();
        for (size_t i = 0; i < c.size(); ++i) {
            auto st = c.at(i).status();
            ASSERT_TRUE(st) << c.at(i).log();
            EXPECT_EQ(st->my_name, "mgt" + std::to_string(i + 1));
            EXPECT_EQ(c.at(i).advertise(), "192.0.2." + std::to_string(11 + i));
        }
        c.at(1).pause();
        EXPECT_FALSE(c.at(1).status());  // paused: not asked
        c.at(1).resume();
        EXPECT_TRUE(c.at(1).status());
        c.at(2).kill9();
        EXPECT_FALSE(c.at(2).running());
        c.at(2).start();
        EXPECT_TRUE(c.at(2).status());
    } catch (const NetUnavailable& e) {
        SKIP_OR_FAIL(e.what());
    }
    EXPECT_FALSE(std::filesystem::exists(root));
}

}  // namespace
