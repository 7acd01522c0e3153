// The read-only API answers built from the node database, and how a
// write's outcome is reported (settle_write).
#include "daemon/app/api_answers.hpp"

#include <gtest/gtest.h>

namespace {

using cc::app::query_groups;
using cc::app::query_nodes;

class ApiAnswersTest : public ::testing::Test {
  protected:
    void SetUp() override {
        apply(proto::DefineGroup{"rack1", {{"room", "a"}, {"collective.manager", "mgt1"}}});
        apply(proto::DefineNodes{"n[1-2,10]", {{"groups", "rack1"}}});
        apply(proto::SetNodeAttributes{"n2", {{"room", "b"}}, std::nullopt});
    }
    void apply(proto::Command c) {
        ASSERT_FALSE(db.prepare(c).has_value());
        ASSERT_TRUE(db.apply(c, ++index).ok());
    }
    static std::vector<std::string> names(const proto::ApiResponse& r) {
        std::vector<std::string> out;
        for (const auto& o : std::get<proto::ApiObjects>(r).objects) out.push_back(o.name);
        return out;
    }
    cc::state::Database db;
    uint64_t index = 0;
};

TEST_F(ApiAnswersTest, nodeNames_everyNodeInNaturalOrderWhenNoRangeIsGiven) {
    proto::ApiNodeQuery q;
    q.names_only = true;
    EXPECT_EQ(names(query_nodes(db, q)), (std::vector<std::string>{"n1", "n2", "n10"}));
    EXPECT_TRUE(std::get<proto::ApiObjects>(query_nodes(db, q)).objects[0].attributes.empty());
}

TEST_F(ApiAnswersTest, nodeAttributes_sayWhereInheritedValuesComeFrom) {
    proto::ApiNodeQuery q{"n1,n2", {"room"}, false, true};
    auto objs = std::get<proto::ApiObjects>(query_nodes(db, q)).objects;
    ASSERT_EQ(objs.size(), 2u);
    EXPECT_EQ(objs[0].attributes, (std::vector<proto::ApiAttribute>{{"room", "a", "rack1"}}));
    EXPECT_EQ(objs[1].attributes, (std::vector<proto::ApiAttribute>{{"room", "b", ""}}));
}

TEST_F(ApiAnswersTest, badOrUnknownNoderange_isAnErrorAnswer) {
    auto bad = query_nodes(db, proto::ApiNodeQuery{"n[1-", {}, true, false});
    EXPECT_EQ(std::get<proto::ApiError>(bad).code, proto::Outcome::BadRequest);
    auto unknown = query_nodes(db, proto::ApiNodeQuery{"n7", {}, true, false});
    EXPECT_EQ(std::get<proto::ApiError>(unknown).code, proto::Outcome::NotFound);
}

TEST_F(ApiAnswersTest, groupAttributes_endWithTheMembers) {
    auto objs =
        std::get<proto::ApiObjects>(query_groups(db, proto::ApiGroupQuery{{"rack1"}, {}, false}))
            .objects;
    ASSERT_EQ(objs.size(), 1u);
    EXPECT_EQ(
        objs[0].attributes,
        (std::vector<proto::ApiAttribute>{
            {"collective.manager", "mgt1", ""}, {"room", "a", ""}, {"nodes", "n1,n2,n10", ""}}));
}

TEST_F(ApiAnswersTest, groupAttributesByName_keepTheAskedOrderIncludingNodes) {
    proto::ApiGroupQuery q{{"rack1"}, {"nodes", "room"}, false};
    auto objs = std::get<proto::ApiObjects>(query_groups(db, q)).objects;
    EXPECT_EQ(objs.at(0).attributes,
              (std::vector<proto::ApiAttribute>{{"nodes", "n1,n2,n10", ""}, {"room", "a", ""}}));
    q.attributes = {"nodes"};
    objs = std::get<proto::ApiObjects>(query_groups(db, q)).objects;
    EXPECT_EQ(objs.at(0).attributes,
              (std::vector<proto::ApiAttribute>{{"nodes", "n1,n2,n10", ""}}));
}

TEST_F(ApiAnswersTest, groupList_andUnknownGroup) {
    proto::ApiGroupQuery all;
    all.names_only = true;
    EXPECT_EQ(names(query_groups(db, all)), (std::vector<std::string>{"everything", "rack1"}));
    auto missing = query_groups(db, proto::ApiGroupQuery{{"rack9"}, {}, false});
    EXPECT_EQ(std::get<proto::ApiError>(missing).message, "rack9 group does not exist");
}

// ---- settle_write: the driver's outcome as the API reports it ----

cc::app::WriteOutcome failed(proto::Outcome o, std::string reason = "") {
    cc::app::WriteOutcome w;
    w.outcome = o;
    w.reason = std::move(reason);
    return w;
}

TEST(SettleWrite, aFailedLogWriteIsDefiniteOnlyOnALoneServer) {
    auto lone = cc::app::settle_write(failed(proto::Outcome::StorageFailed, "disk full"), true);
    EXPECT_EQ(lone.outcome, proto::Outcome::StorageFailed);
    EXPECT_EQ(lone.reason, "disk full; nothing was changed");
    auto member = cc::app::settle_write(failed(proto::Outcome::StorageFailed, "disk full"), false);
    EXPECT_EQ(member.outcome, proto::Outcome::Unknown);
    EXPECT_EQ(member.reason,
              "disk full; the other members may still apply this change: read it back before "
              "retrying");
    EXPECT_EQ(proto::exit_code(member.outcome), 4);
}

TEST(SettleWrite, aLoneServerWithoutQuorumIsRecoveringAndRefuses) {
    auto lone = cc::app::settle_write(failed(proto::Outcome::NoQuorum), true);
    EXPECT_EQ(lone.outcome, proto::Outcome::Refused);
    EXPECT_NE(lone.reason.find("recovering from a failed log write; nothing was changed"),
              std::string::npos);
    auto member = cc::app::settle_write(failed(proto::Outcome::NoQuorum), false);
    EXPECT_EQ(member.outcome, proto::Outcome::NoQuorum);
    EXPECT_EQ(member.reason, "");  // the API server sends the default text
}

TEST(SettleWrite, otherOutcomesPassThroughAndNeverBecomeInternal) {
    for (auto o : {proto::Outcome::Done, proto::Outcome::NotLeader, proto::Outcome::Unknown,
                   proto::Outcome::Refused}) {
        for (bool lone : {true, false}) {
            auto r = cc::app::settle_write(failed(o, "why"), lone);
            EXPECT_EQ(r.outcome, o);
            EXPECT_EQ(r.reason, "why");
        }
    }
}

}  // namespace
