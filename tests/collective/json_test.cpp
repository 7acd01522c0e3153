// --json of the read tools in a collective of three real members
// (docs/json.md): every member prints the same document, a member without
// quorum still answers reads from its own state, and a write with --json is
// refused as bad input before it is sent, while the same write without --json
// meets the lost quorum (exit 3).
#include <gtest/gtest.h>

#include "tests/collective/cluster.hpp"
#include "tests/support/json_value.hpp"

namespace {

using cc::ct::Cluster;
using cc::test::parse_json;
using namespace std::chrono_literals;

TEST(CollectiveJson, everyMemberPrintsTheSameDocument_andReadsAnswerWithoutQuorum) {
    Cluster c(3);
    c.start_all();
    c.invite_and_join(0, 1);
    c.invite_and_join(0, 2);
    c.ok(0, "nodegroupdefine", {"rack1", "collective.manager=mgt1"});
    c.ok(1, "nodedefine", {"n[1-3]", "groups=rack1"});
    c.ok(2, "nodeattrib", {"n2", "collective.manager=mgt2"});

    const std::vector<std::string> args = {"n1-n3", "collective.manager", "-b", "--json"};
    const std::string leader = c.ok(0, "nodeattrib", args);
    auto v = parse_json(leader);
    EXPECT_EQ(v.keys(), (std::vector<std::string>{"n1", "n2", "n3"}));
    EXPECT_EQ(v.at("n1").at("collective.manager").at("inherited_from").string, "rack1");
    EXPECT_EQ(v.at("n2").at("collective.manager").at("value").string, "mgt2");
    EXPECT_TRUE(v.at("n2").at("collective.manager").at("inherited_from").is_null());
    // Followers apply the same log: the same bytes, once they caught up.
    for (size_t i : {1u, 2u}) EXPECT_EQ(c.out_until(i, "nodeattrib", args, leader), leader);
    EXPECT_EQ(c.ok(2, "nodegrouplist", {"--json"}), c.ok(0, "nodegrouplist", {"--json"}));

    c[0].kill9();
    c[1].kill9();
    c.show_until(2,
                 "Quorum: False\nLeader: \nActive collective members:\n    mgt3\n"
                 "Offline collective members:\n    mgt1\n    mgt2\n",
                 20s);
    EXPECT_EQ(c.ok(2, "nodeattrib", args), leader);
    EXPECT_EQ(parse_json(c.ok(2, "nodelist", {"--json"})).strings(),
              (std::vector<std::string>{"n1", "n2", "n3"}));
    auto refused = c.run(2, "nodeattrib", {"n1", "location.u=k2", "--json"});
    EXPECT_EQ(refused.status, 1) << refused;
    EXPECT_EQ(refused.out, "");
    EXPECT_EQ(parse_json(refused.err).at("exit").number, 1);
    EXPECT_EQ(c.fails(2, "nodeattrib", {"n1", "location.u=k2"}, 3),
              "Error: Collective does not have quorum");
}

}  // namespace
