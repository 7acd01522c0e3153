// Node ownership rules on real members: `collective.manager` and
// `collective.managercandidates` name members only (bad input otherwise, and
// nothing changes), on nodes and groups alike; inheritance from a group; a
// member that still manages nodes is not deleted, and the command the refusal
// suggests moves them; a lone server accepts any value.
#include <gtest/gtest.h>

#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;
using namespace std::chrono_literals;

TEST(Managers, onlyMembersManageNodes_groupsPassItOn_andAManagingMemberIsNotDeleted) {
    Cluster c(3);
    c.start_all();
    for (size_t i = 1; i < 3; ++i) c.invite_and_join(0, i);
    c.ok(0, "nodegroupdefine", {"rack1"});
    c.ok(0, "nodedefine", {"n[1-4]", "groups=rack1"});

    const std::string members =
        " is not recognized as a collective member (members: mgt1, mgt2, mgt3)";
    EXPECT_EQ(c.fails(1, "nodeattrib", {"n1", "collective.manager=mgt9"}),
              "Error: Bad Request - collective.manager: \"mgt9\"" + members);
    EXPECT_EQ(c.fails(2, "nodegroupattrib", {"rack1", "collective.manager=mgt9"}),
              "Error: Bad Request - collective.manager: \"mgt9\"" + members);
    EXPECT_EQ(c.fails(0, "nodedefine", {"n9", "collective.manager=mgt4"}),
              "Error: Bad Request - collective.manager: \"mgt4\"" + members);
    EXPECT_EQ(c.fails(0, "nodeattrib", {"n1", "collective.managercandidates=mgt[1-4]"}),
              "Error: Bad Request - collective.managercandidates: \"mgt4\"" + members);
    // Nothing changed.
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "collective.manager"}), "n1: collective.manager: \n");
    EXPECT_EQ(c.ok(0, "nodelist", {}), "n1\nn2\nn3\nn4\n");

    // A group's manager is its nodes' manager unless a node sets its own.
    c.ok(1, "nodegroupattrib", {"rack1", "collective.manager=mgt3"});
    c.ok(2, "nodeattrib", {"n4", "collective.manager=mgt2"});
    c.ok(0, "nodeattrib", {"n1", "collective.managercandidates=mgt[1-2]"});
    EXPECT_EQ(c.out_until(0, "nodeattrib", {"n1,n4", "collective.manager", "-b"},
                          "n1: collective.manager: mgt3 (inherited from group rack1)\n"
                          "n4: collective.manager: mgt2\n"),
              "n1: collective.manager: mgt3 (inherited from group rack1)\n"
              "n4: collective.manager: mgt2\n");

    // mgt3 goes away while it still manages n1-n3: it is not deleted.
    EXPECT_EQ(c[2].stop(), 0);
    const std::string two =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n"
        "Offline collective members:\n    mgt3\n";
    ASSERT_EQ(c.show_until(0, two), two);
    EXPECT_EQ(c.fails(0, "collective", {"delete", "mgt3"}, 2),
              "mgt3 still manages 3 nodes; give them another manager first, e.g. nodeattrib "
              "collective.manager=mgt3 collective.manager=OTHER");
    // The suggested command moves them (an attribute match sees inherited values).
    EXPECT_EQ(c.ok(0, "nodeattrib", {"collective.manager=mgt3", "collective.manager=mgt1"}),
              "n1: mgt1\nn2: mgt1\nn3: mgt1\n");
    EXPECT_EQ(c.ok(0, "collective", {"delete", "mgt3"}), "Successfully deleted mgt3\n");
    // And mgt3 is no longer a name a node can be given.
    EXPECT_EQ(c.fails(1, "nodeattrib", {"n1", "collective.manager=mgt3"}),
              "Error: Bad Request - collective.manager: \"mgt3\" is not recognized as a "
              "collective member (members: mgt1, mgt2)");
}

TEST(Managers, aLoneServerAcceptsAnyManager) {
    cc::it::Member m("mgt1");
    m.start();
    auto r = m.cli("nodedefine", {"n1", "collective.manager=mgt9"});
    EXPECT_EQ(r.status, 0) << r;
    r = m.cli("nodeattrib", {"n1", "collective.manager"});
    EXPECT_EQ(r.out, "n1: collective.manager: mgt9\n") << r;
}

}  // namespace
