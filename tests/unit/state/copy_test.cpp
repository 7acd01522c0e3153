// Database::copy: the cfg writer renders from a copy made on the daemon
// thread while the daemon goes on applying changes to the original. The copy
// shares each entity's attribute list (copy-on-write), so it must keep
// showing the state at the moment it was made, whatever the original does
// after, and the other way round.
#include <gtest/gtest.h>

#include "daemon/state/database.hpp"

namespace {

using cc::state::Database;

struct Log {
    Database db;
    uint64_t index = 0;
    void operator()(const proto::Command& c) { ASSERT_TRUE(db.apply(c, ++index).ok()); }
};

TEST(DatabaseCopy, keepsTheStateItWasMadeAt_whileTheOriginalChanges) {
    Log log;
    log(proto::DefineGroup{"rack1", {{"location.room", "a"}}});
    log(proto::DefineNodes{"n[1-3]", {{"groups", "rack1"}, {"bmc", "10.0.0.1"}}});
    const auto nodes = log.db.render(proto::Domain::Nodes);
    const auto groups = log.db.render(proto::Domain::NodeGroups);

    Database copy = log.db.copy();
    log(proto::SetNodeAttributes{"n1", {{"bmc", "10.0.0.9"}}, std::nullopt});
    log(proto::ClearNodeAttributes{"n2", {"bmc"}, std::nullopt});
    log(proto::RemoveNodes{"n3", std::nullopt});
    log(proto::DefineNodes{"n4", {}});
    log(proto::SetGroupAttributes{"rack1", {{"location.room", "b"}}, false});

    EXPECT_EQ(copy.render(proto::Domain::Nodes), nodes);
    EXPECT_EQ(copy.render(proto::Domain::NodeGroups), groups);
    EXPECT_EQ(copy.applied_index(proto::Domain::Nodes), 2u);
    EXPECT_EQ(log.db.node_attributes("n1", {"bmc"}).at(0).value, "10.0.0.9");
    EXPECT_EQ(log.db.node_attributes("n2", {"bmc"}).at(0).value, "");
    EXPECT_FALSE(log.db.node_exists("n3"));
    EXPECT_EQ(copy.node_attributes("n3", {"bmc"}).at(0).value, "10.0.0.1");
}

TEST(DatabaseCopy, changingTheCopyLeavesTheOriginalAlone) {
    Log log;
    log(proto::DefineNodes{"n1", {{"a", "1"}}});
    const auto before = log.db.render(proto::Domain::Nodes);
    Database copy = log.db.copy();
    ASSERT_TRUE(copy.apply(proto::SetNodeAttributes{"n1", {{"a", "2"}}, std::nullopt}, 2).ok());
    EXPECT_EQ(log.db.render(proto::Domain::Nodes), before);
    EXPECT_EQ(copy.node_attributes("n1", {"a"}).at(0).value, "2");
}

}  // namespace
