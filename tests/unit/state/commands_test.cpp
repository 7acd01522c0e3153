#include <gtest/gtest.h>

#include "daemon/state/database.hpp"

namespace {

using cc::state::Database;
using cc::state::ShownAttribute;
using proto::CommandResult;
using proto::ResultCode;
using proto::ResultLine;
using Lines = std::vector<ResultLine>;

// Applies commands at consecutive indexes, as the log would.
struct Log {
    Database db;
    uint64_t index = 0;
    CommandResult operator()(const proto::Command& c) { return db.apply(c, ++index); }
};

std::string error(const CommandResult& r) {
    return proto::error_line(r);
}

TEST(Apply, reproducesConfluentObservedSession) {
    Log log;
    EXPECT_EQ(log(proto::DefineNodes{"n1", {}}).lines, (Lines{{"n1", "created"}}));
    EXPECT_EQ(log(proto::SetNodeAttributes{"n1", {{"collective.manager", "mgt1"}}, {}}).lines,
              (Lines{{"n1", "mgt1"}}));
    EXPECT_EQ(log.db.node_attributes("n1", {"collective.manager"}),
              (std::vector<ShownAttribute>{{"collective.manager", "mgt1", ""}}));
    auto r = log(proto::SetGroupAttributes{"rack1", {{"collective.manager", "mgt1"}}, false});
    EXPECT_EQ(error(r), "Error: Bad Request - rack1 group does not exist");
    EXPECT_EQ(log(proto::DefineGroup{"rack1", {}}).lines, (Lines{{"rack1", "created"}}));
    EXPECT_EQ(log(proto::DefineNodes{"n2", {{"groups", "rack1"}}}).lines,
              (Lines{{"n2", "created"}}));
    EXPECT_EQ(
        log(proto::SetGroupAttributes{"rack1", {{"collective.manager", "mgt1"}}, false}).lines,
        (Lines{{"rack1", "mgt1"}}));
    EXPECT_EQ(log.db.node_attributes("n2", {"collective.manager", "groups"}),
              (std::vector<ShownAttribute>{{"collective.manager", "mgt1", "rack1"},
                                           {"groups", "rack1,everything", ""}}));
    EXPECT_EQ(log.db.group_attributes("rack1"),
              (std::vector<ShownAttribute>{{"collective.manager", "mgt1", ""}}));
    EXPECT_EQ(log.db.group_members("rack1"), (std::vector<std::string>{"n2"}));
}

TEST(Inheritance, firstGroupWinsOwnValueWinsClearAndMask) {
    Log log;
    log(proto::DefineGroup{"rack1", {{"a", "from-rack1"}}});
    log(proto::DefineGroup{"rack2", {{"a", "from-rack2"}, {"b", "b2"}}});
    log(proto::SetGroupAttributes{"everything", {{"c", "all"}, {"b", "b-all"}}, false});
    log(proto::DefineNodes{"n1", {{"groups", "rack2, rack1"}}});
    auto shown = [&](const std::string& attr) { return log.db.node_attributes("n1", {attr})[0]; };
    EXPECT_EQ(shown("a"), (ShownAttribute{"a", "from-rack2", "rack2"}));
    EXPECT_EQ(shown("b"), (ShownAttribute{"b", "b2", "rack2"}));
    EXPECT_EQ(shown("c"), (ShownAttribute{"c", "all", "everything"}));
    EXPECT_EQ(shown("groups"), (ShownAttribute{"groups", "rack2,rack1,everything", ""}));
    log(proto::SetNodeAttributes{"n1", {{"groups", "rack1,rack2"}}, {}});
    EXPECT_EQ(shown("a"), (ShownAttribute{"a", "from-rack1", "rack1"}));
    log(proto::SetNodeAttributes{"n1", {{"a", "own"}}, {}});
    EXPECT_EQ(shown("a"), (ShownAttribute{"a", "own", ""}));
    log(proto::SetNodeAttributes{"n1", {{"a", ""}}, {}});  // masks the inherited value
    EXPECT_EQ(shown("a"), (ShownAttribute{"a", "", ""}));
    EXPECT_EQ(log(proto::ClearNodeAttributes{"n1", {"a"}, {}}).lines, (Lines{{"n1", "a cleared"}}));
    EXPECT_EQ(shown("a"), (ShownAttribute{"a", "from-rack1", "rack1"}));
    EXPECT_EQ(shown("unset"), (ShownAttribute{"unset", "", ""}));
    EXPECT_EQ(log.db.node_attributes("n1"),
              (std::vector<ShownAttribute>{{"a", "from-rack1", "rack1"},
                                           {"b", "b2", "rack2"},
                                           {"c", "all", "everything"},
                                           {"groups", "rack1,rack2,everything", ""}}));
    log(proto::ClearGroupAttributes{"rack1", {"a"}});
    EXPECT_EQ(shown("a"), (ShownAttribute{"a", "from-rack2", "rack2"}));
}

TEST(Apply, nodeCommandResultsAndErrors) {
    Log log;
    EXPECT_EQ(log(proto::DefineNodes{"n[1-3]", {{"x", "1"}}}).lines,
              (Lines{{"n1", "created"}, {"n2", "created"}, {"n3", "created"}}));
    EXPECT_EQ(error(log(proto::DefineNodes{"n[3-4]", {}})),
              "Error: Bad Request - n3 already exists");
    EXPECT_FALSE(log.db.node_exists("n4"));  // nothing half-applied
    EXPECT_EQ(error(log(proto::DefineNodes{"n[1-2]", {}})),
              "Error: Bad Request - n1,n2 already exist");
    EXPECT_EQ(error(log(proto::DefineNodes{"n[1-", {}})),
              "Error: Bad Request - invalid noderange 'n[1-': missing ']'");
    EXPECT_EQ(error(log(proto::DefineNodes{"n9", {{"bad name", "v"}}})),
              "Error: Bad Request - attribute name 'bad name' may only use letters, digits, '-', "
              "'_' and '.'");
    EXPECT_EQ(error(log(proto::DefineNodes{"n9", {{"groups", "ok,b@d"}}})),
              "Error: Bad Request - group name 'b@d' may only use letters, digits, '-', '_' and "
              "'.', and not start with '-'");
    EXPECT_EQ(error(log(proto::DefineNodes{"n9,everything", {}})),
              "Error: Bad Request - everything is the group of all nodes and cannot name a node");
    EXPECT_EQ(error(log(proto::DefineNodes{"n9", {{"x", "a\nb"}}})),
              "Error: Bad Request - value of x contains a control character");
    EXPECT_EQ(error(log(proto::DefineNodes{"n9", {{"x", "\xff"}}})),
              "Error: Bad Request - value of x is not valid UTF-8");
    EXPECT_EQ(error(log(proto::SetNodeAttributes{"n[1-5]", {{"x", "2"}}, {}})),
              "Error: Not Found - Unknown nodes n4,n5");
    EXPECT_EQ(log(proto::SetNodeAttributes{"n1,n2", {{"x", "2"}, {"y", "3"}}, {}}).lines,
              (Lines{{"n1", "2"}, {"n1", "3"}, {"n2", "2"}, {"n2", "3"}}));
    EXPECT_EQ(log(proto::ClearNodeAttributes{"n2", {"x", "never-set"}, {}}).lines,
              (Lines{{"n2", "x cleared"}, {"n2", "never-set cleared"}}));
    EXPECT_EQ(log.db.node_attributes("n2", {"x"})[0].value, "");
    EXPECT_EQ(log(proto::RemoveNodes{"n[2-3]", {}}).lines,
              (Lines{{"n2", "deleted"}, {"n3", "deleted"}}));
    EXPECT_EQ(error(log(proto::RemoveNodes{"n2", {}})), "Error: Not Found - Unknown node n2");
    EXPECT_EQ(log.db.node_count(), 1u);
}

TEST(Apply, groupCommandResultsAndErrors) {
    Log log;
    EXPECT_EQ(log(proto::DefineGroup{"rack1", {{"a", "1"}}}).lines, (Lines{{"rack1", "created"}}));
    EXPECT_EQ(error(log(proto::DefineGroup{"rack1", {}})),
              "Error: Bad Request - rack1 group already exists");
    EXPECT_EQ(error(log(proto::DefineGroup{"everything", {}})),
              "Error: Bad Request - everything group already exists");
    EXPECT_EQ(error(log(proto::DefineGroup{"a,b", {}})),
              "Error: Bad Request - group name 'a,b' may only use letters, digits, '-', '_' and "
              "'.', and not start with '-'");
    EXPECT_EQ(error(log(proto::SetGroupAttributes{"rack1", {{"nodes", "n1"}}, false})),
              "Error: Bad Request - 'nodes' cannot be set on a group: set the nodes' groups "
              "attribute with nodeattrib instead");
    EXPECT_EQ(error(log(proto::ClearGroupAttributes{"rack9", {"a"}})),
              "Error: Bad Request - rack9 group does not exist");
    EXPECT_EQ(log(proto::ClearGroupAttributes{"rack1", {"a"}}).lines,
              (Lines{{"rack1", "a cleared"}}));
    EXPECT_EQ(log(proto::RemoveGroup{"rack1"}).lines, (Lines{{"rack1", "deleted"}}));
    EXPECT_EQ(error(log(proto::RemoveGroup{"rack1"})),
              "Error: Bad Request - rack1 group does not exist");
    EXPECT_EQ(error(log(proto::RemoveGroup{"everything"})),
              "Error: Bad Request - the everything group cannot be removed");
}

TEST(Groups, implicitGroupsExistListAndAcceptAttributesThroughPrepare) {
    Log log;
    log(proto::DefineNodes{"n1", {{"groups", "rack7"}}});
    EXPECT_TRUE(log.db.group_exists("rack7"));
    EXPECT_EQ(log.db.groups(), (std::vector<std::string>{"everything", "rack7"}));
    EXPECT_EQ(log.db.group_members("rack7"), (std::vector<std::string>{"n1"}));
    EXPECT_EQ(log.db.group_members("everything"), (std::vector<std::string>{"n1"}));

    proto::Command set = proto::SetGroupAttributes{"rack7", {{"a", "7"}}, false};
    EXPECT_FALSE(log.db.prepare(set).has_value());
    EXPECT_TRUE(std::get<proto::SetGroupAttributes>(set).create_if_missing);
    EXPECT_EQ(log(set).lines, (Lines{{"rack7", "7"}}));
    EXPECT_EQ(log.db.node_attributes("n1", {"a"})[0], (ShownAttribute{"a", "7", "rack7"}));

    proto::Command remove_implicit = proto::RemoveGroup{"rack8"};
    log(proto::SetNodeAttributes{"n1", {{"groups", "rack7,rack8"}}, {}});
    auto early = log.db.prepare(remove_implicit);
    ASSERT_TRUE(early.has_value());
    EXPECT_EQ(error(*early),
              "Error: Bad Request - rack8 group is not defined, only named in nodes' groups "
              "attribute: change that attribute with nodeattrib");
    // Removing a defined group leaves the nodes naming it: it exists implicitly.
    log(proto::RemoveGroup{"rack7"});
    EXPECT_TRUE(log.db.group_exists("rack7"));
    EXPECT_EQ(log.db.node_attributes("n1", {"a"})[0].value, "");
}

TEST(Prepare, pinsNoderangesThatNeedTheFullView) {
    Log log;
    log(proto::DefineGroup{"rack1", {{"room", "a"}}});
    log(proto::DefineGroup{"spare", {}});
    log(proto::DefineNodes{"n[1-3]", {}});
    log(proto::SetNodeAttributes{"n[1-2]", {{"groups", "rack1"}}, {}});

    proto::Command by_name = proto::SetNodeAttributes{"n1,rack1", {{"x", "1"}}, {}};
    EXPECT_FALSE(log.db.prepare(by_name).has_value());
    EXPECT_FALSE(std::get<proto::SetNodeAttributes>(by_name).pinned.has_value());

    proto::Command inherited = proto::SetNodeAttributes{"room=a", {{"x", "2"}}, {}};
    EXPECT_FALSE(log.db.prepare(inherited).has_value());
    EXPECT_EQ(std::get<proto::SetNodeAttributes>(inherited).pinned,
              (std::vector<std::string>{"n1", "n2"}));
    // Applying the pinned command touches exactly those nodes, even after n3 joins rack1.
    log(proto::SetNodeAttributes{"n3", {{"groups", "rack1"}}, {}});
    EXPECT_EQ(log(inherited).lines, (Lines{{"n1", "2"}, {"n2", "2"}}));

    proto::Command empty_group = proto::RemoveNodes{"spare", {}};
    EXPECT_FALSE(log.db.prepare(empty_group).has_value());
    EXPECT_EQ(std::get<proto::RemoveNodes>(empty_group).pinned, std::vector<std::string>{});

    proto::Command bad = proto::ClearNodeAttributes{"n[1-9]", {"x"}, {}};
    auto early = log.db.prepare(bad);
    ASSERT_TRUE(early.has_value());
    EXPECT_EQ(error(*early), "Error: Not Found - Unknown nodes n4,n5,n6,n7,n8,n9");

    // A pinned node removed before the entry applies is reported, nothing changes.
    proto::Command pinned = proto::SetNodeAttributes{"room=a", {{"y", "1"}}, {}};
    log.db.prepare(pinned);
    log(proto::RemoveNodes{"n2", {}});
    EXPECT_EQ(error(log(pinned)), "Error: Not Found - Unknown node n2");
    EXPECT_EQ(log.db.node_attributes("n1", {"y"})[0].value, "");
}

TEST(Apply, replayedIndexIsANoOpAndFailuresAdvanceTheIndex) {
    Database db;
    EXPECT_TRUE(db.apply(proto::DefineNodes{"n1", {}}, 5).ok());
    EXPECT_EQ(db.applied_index(proto::Domain::Nodes), 5u);
    EXPECT_EQ(db.applied_index(proto::Domain::NodeGroups), 5u);
    EXPECT_TRUE(db.dirty(proto::Domain::Nodes));
    EXPECT_FALSE(db.dirty(proto::Domain::NodeGroups));
    auto again = db.apply(proto::DefineNodes{"n1", {}}, 5);  // would fail if applied twice
    EXPECT_TRUE(again.ok());
    EXPECT_TRUE(again.lines.empty());
    EXPECT_FALSE(db.apply(proto::DefineNodes{"n1", {}}, 6).ok());
    EXPECT_EQ(db.applied_index(proto::Domain::Nodes), 6u);
    db.note_index(9);
    EXPECT_EQ(db.applied_index(proto::Domain::NodeGroups), 9u);
}

TEST(Commands, roundTripThroughTheCodecAndKnowTheirDomain) {
    std::vector<proto::Command> all{proto::DefineNodes{"n[1-2]", {{"a", "b"}}},
                                    proto::RemoveNodes{"n1", std::vector<std::string>{"n1"}},
                                    proto::SetNodeAttributes{"n1", {{"a", ""}}, std::nullopt},
                                    proto::ClearNodeAttributes{"n1", {"a"}, {}},
                                    proto::DefineGroup{"g", {}},
                                    proto::RemoveGroup{"g"},
                                    proto::SetGroupAttributes{"g", {{"a", "b"}}, true},
                                    proto::ClearGroupAttributes{"g", {"a"}},
                                    proto::ClaimNode{"n1", "aa:bb:cc:dd:ee:01", "mgt1"}};
    ASSERT_EQ(all.size(), std::variant_size_v<proto::Command>);
    for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(proto::from_bytes<proto::Command>(proto::to_bytes(all[i])), all[i]);
        EXPECT_EQ(proto::domain_of(all[i]),
                  i < 4 || i == 8 ? proto::Domain::Nodes : proto::Domain::NodeGroups);
    }
    CommandResult r{ResultCode::NotFound, "Unknown node n2", {{"n1", "created"}}};
    EXPECT_EQ(proto::from_bytes<CommandResult>(proto::to_bytes(r)), r);
    EXPECT_EQ(proto::error_line(r), "Error: Not Found - Unknown node n2");
}

}  // namespace
