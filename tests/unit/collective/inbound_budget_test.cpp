// The bound on messages from one member waiting for the daemon thread
// (daemon/collective/inbound_budget.hpp).
#include "daemon/collective/inbound_budget.hpp"

#include <gtest/gtest.h>

namespace cc::collective {
namespace {

TEST(InboundBudget, boundsMessagesPerMemberAndFreesThemWhenHandled) {
    InboundBudget b(3, 1000);
    EXPECT_TRUE(b.take("mgt2", 10));
    EXPECT_TRUE(b.take("mgt2", 10));
    EXPECT_TRUE(b.take("mgt2", 10));
    EXPECT_FALSE(b.take("mgt2", 10));
    EXPECT_TRUE(b.take("mgt3", 10));  // another member is not held back
    b.give("mgt2", 10);
    EXPECT_TRUE(b.take("mgt2", 10));
    EXPECT_EQ(b.queued_messages("mgt2"), 3u);
}

TEST(InboundBudget, boundsBytesButAlwaysLetsOneMessageThrough) {
    InboundBudget b(100, 1000);
    EXPECT_TRUE(b.take("mgt2", 5000));  // alone: a big append still gets through
    EXPECT_FALSE(b.take("mgt2", 1));
    b.give("mgt2", 5000);
    EXPECT_EQ(b.queued_messages("mgt2"), 0u);
    EXPECT_TRUE(b.take("mgt2", 600));
    EXPECT_FALSE(b.take("mgt2", 600));
    EXPECT_TRUE(b.take("mgt2", 400));
}

TEST(InboundBudget, countsTheMessagesOfAllMembersWaiting) {
    // The peer bridge lets the daemon thread write its messages itself only
    // while this is 0 (it is not behind).
    InboundBudget b(3, 1000);
    EXPECT_EQ(b.queued_messages(), 0u);
    EXPECT_TRUE(b.take("mgt2", 10));
    EXPECT_TRUE(b.take("mgt3", 10));
    EXPECT_TRUE(b.take("mgt3", 10));
    EXPECT_EQ(b.queued_messages(), 3u);
    EXPECT_TRUE(b.take("mgt3", 10));
    EXPECT_FALSE(b.take("mgt3", 10));  // refused: not counted
    EXPECT_EQ(b.queued_messages(), 4u);
    b.give("mgt2", 10);
    b.give("mgt2", 10);  // nothing of mgt2's left: no change
    b.give("mgt4", 10);  // unknown: no change
    EXPECT_EQ(b.queued_messages(), 3u);
    for (int i = 0; i < 3; ++i) b.give("mgt3", 10);
    EXPECT_EQ(b.queued_messages(), 0u);
}

}  // namespace
}  // namespace cc::collective
