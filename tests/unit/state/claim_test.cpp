// proto::ClaimNode (nodediscover assign in a collective): whether the node
// gets the claiming member as its manager is decided when the command is
// applied, from the nodes domain only, so every member decides alike and
// the first of two racing claims wins.
#include <gtest/gtest.h>

#include "daemon/state/database.hpp"

namespace {

using cc::state::Database;
using cc::state::ShownAttribute;
using proto::ClaimNode;
using proto::CommandResult;
using proto::ResultLine;
using Lines = std::vector<ResultLine>;

struct Log {
    Database db;
    uint64_t index = 0;
    CommandResult operator()(const proto::Command& c) { return db.apply(c, ++index); }
};

ShownAttribute shown(const Database& db, const std::string& node, const std::string& attr) {
    return db.node_attributes(node, {attr}).at(0);
}

TEST(ClaimNode, isANodesCommandOfPeerProtocolV4) {
    proto::Command c = ClaimNode{"n1", "aa:bb:cc:dd:ee:01", "mgt1"};
    EXPECT_EQ(proto::domain_of(c), proto::Domain::Nodes);
    EXPECT_EQ(proto::min_peer_version(c), 4u);
    EXPECT_EQ(proto::from_bytes<proto::Command>(proto::to_bytes(c)), c);
}

TEST(ClaimNode, ofTwoClaimsAtOnce_theFirstInTheLogWins_onEveryMember) {
    // Both members saw n1 without a manager and proposed their claim.
    const std::vector<proto::Command> entries{
        proto::DefineNodes{"n1", {}},
        ClaimNode{"n1", "aa:bb:cc:dd:ee:02", "mgt2"},
        ClaimNode{"n1", "aa:bb:cc:dd:ee:01", "mgt1"},
    };
    Log a, b;  // two members applying the same log
    std::vector<CommandResult> results;
    for (const auto& e : entries) {
        results.push_back(a(e));
        EXPECT_EQ(b(e), results.back());
    }
    EXPECT_EQ(results[1].lines, (Lines{{"n1", "aa:bb:cc:dd:ee:02"}, {"n1", "claimed by mgt2"}}));
    EXPECT_TRUE(results[2].ok());
    EXPECT_EQ(results[2].lines,
              (Lines{{"n1", "aa:bb:cc:dd:ee:01"}, {"n1", "managed by mgt2, not claimed"}}));
    // As if the second assign had come later: its MAC, the first manager.
    EXPECT_EQ(shown(a.db, "n1", "collective.manager"),
              (ShownAttribute{"collective.manager", "mgt2", ""}));
    EXPECT_EQ(shown(a.db, "n1", "net.hwaddr"),
              (ShownAttribute{"net.hwaddr", "aa:bb:cc:dd:ee:01", ""}));
    EXPECT_EQ(a.db.render(proto::Domain::Nodes), b.db.render(proto::Domain::Nodes));
}

TEST(ClaimNode, claimsANodeWithoutOwnManager_orWithAMaskingEmptyOne_orAlreadyItsOwn) {
    Log log;
    log(proto::DefineNodes{"n[1-3]", {}});
    log(proto::SetNodeAttributes{"n2", {{"collective.manager", ""}}, {}});
    log(proto::SetNodeAttributes{"n3", {{"collective.manager", "mgt1"}}, {}});
    for (const std::string n : {"n1", "n2", "n3"}) {
        SCOPED_TRACE(n);
        auto r = log(ClaimNode{n, "aa:bb:cc:dd:ee:0" + n.substr(1), "mgt1"});
        EXPECT_EQ(r.lines.at(1), (ResultLine{n, "claimed by mgt1"}));
        EXPECT_EQ(shown(log.db, n, "collective.manager").value, "mgt1");
    }
}

TEST(ClaimNode, readsOnlyTheNodesDomain_aGroupsManagerIsTheProposersCheck) {
    // The replay rule: a nodes command never reads the groups domain, so an
    // inherited manager does not stop it (the proposing member checks that
    // one before it proposes).
    Log log;
    log(proto::DefineGroup{"rack1", {{"collective.manager", "mgt2"}}});
    log(proto::DefineNodes{"n1", {{"groups", "rack1"}}});
    auto r = log(ClaimNode{"n1", "aa:bb:cc:dd:ee:01", "mgt1"});
    EXPECT_EQ(r.lines.at(1), (ResultLine{"n1", "claimed by mgt1"}));
    EXPECT_EQ(shown(log.db, "n1", "collective.manager"),
              (ShownAttribute{"collective.manager", "mgt1", ""}));
}

TEST(ClaimNode, failsForAnUnknownNodeOrABadValue_andChangesNothing) {
    Log log;
    log(proto::DefineNodes{"n1", {}});
    auto r = log(ClaimNode{"n9", "aa:bb:cc:dd:ee:09", "mgt1"});
    EXPECT_EQ(proto::error_line(r), "Error: Not Found - Unknown node n9");
    EXPECT_FALSE(log.db.node_exists("n9"));
    r = log(ClaimNode{"n1", "aa:bb\n", "mgt1"});
    EXPECT_EQ(r.code, proto::ResultCode::BadRequest) << r.message;
    EXPECT_EQ(shown(log.db, "n1", "net.hwaddr").value, "");
    EXPECT_EQ(shown(log.db, "n1", "collective.manager").value, "");
}

}  // namespace
