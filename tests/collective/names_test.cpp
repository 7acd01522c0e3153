// The reference page with the literal host names: this test process moves
// into a mount namespace of its own and bind-mounts a hosts file naming
// mgt1..mgt4 over /etc/hosts, so that it (and the daemons and CLIs it starts)
// resolve `collective join mgt1` while the rest of the machine sees nothing.
// A separate binary, so no other test shares the namespace.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/collective/cluster.hpp"
#include "tests/collective/private_hosts.hpp"

namespace {

using cc::ct::Cluster;
using cc::ct::private_hosts;

TEST(Names, referencePage_withTheHostNamesMgt1ToMgt3) {
    Cluster c(3);
    {
        std::ofstream hosts(c[0].root / "hosts");
        hosts << "127.0.0.1 localhost\n::1 localhost\n";
        for (size_t i = 0; i < 3; ++i) hosts << c.address(i) << " mgt" << i + 1 << "\n";
        hosts << "127.0.0.254 mgt4\n";  // nobody listens there (clusters use 127.0.R.10+)
    }
    auto why = private_hosts(c[0].root / "hosts");
    ASSERT_EQ(why, "") << "this test needs root (CAP_SYS_ADMIN) for a private /etc/hosts";
    c.start_all();

    auto inv = c.run(0, "collective", {"invite", "mgt2"});
    ASSERT_EQ(inv.status, 0) << inv;
    std::string token = inv.out.substr(0, inv.out.find('\n'));
    EXPECT_EQ(c.ok(1, "collective", {"join", "mgt1", "-i", token}),
              "Certificate generated successfully\nSuccess\n");
    EXPECT_EQ(c.ok(1, "collective", {"show"}),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n");

    auto inv3 = c.ok(1, "collective", {"invite", "mgt3"});
    EXPECT_EQ(c.ok(2, "collective", {"join", "mgt2", "-i", inv3.substr(0, inv3.find('\n'))}),
              "Certificate generated successfully\nSuccess\n");
    EXPECT_EQ(c.ok(2, "collective", {"show"}),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n");

    EXPECT_EQ(c.ok(0, "nodedefine", {"n1"}), "n1: created\n");
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "collective.manager=mgt1"}), "n1: mgt1\n");
    EXPECT_EQ(c.ok(0, "nodegroupdefine", {"rack1"}), "rack1: created\n");
    EXPECT_EQ(c.ok(0, "nodegroupattrib", {"rack1", "collective.manager=mgt1"}), "rack1: mgt1\n");

    // Nobody at mgt4: the name typed, then why.
    auto e =
        c.fails(2, "collective", {"join", "mgt4", "-i", token}, 2);  // refused: nothing changed
    EXPECT_EQ(e.rfind("Failed to connect to mgt4: ", 0), 0u) << e;
}

}  // namespace
