// Every bad input of issue 4 on real members: one clear line, and nothing
// changed; the exit status says how it ended (proto/outcome.hpp): 1 bad
// input, 2 refused (unreachable server, not in a collective), 3 no quorum.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "daemon/state/member_files.hpp"
#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;
using namespace std::chrono_literals;

using cc::ct::altered;
using cc::ct::token_of;

TEST(BadInput, tokensThatAreGarbledAlteredUsedOrForAnotherServer) {
    Cluster c(3);
    c.start_all();
    // mgt2 is alone for now; mgt1 has an invitation, for someone else.
    auto token = token_of(c.run(1, "collective", {"invite", "mgt3"}).out);
    ASSERT_EQ(c.run(0, "collective", {"invite", "mgt9"}).status, 0);

    EXPECT_EQ(c.fails(2, "collective", {"join", c.address(1), "-i", "this-is-not-a-token!!"}),
              "Invalid token format");
    EXPECT_EQ(c.fails(2, "collective", {"join", c.address(1), "-i", altered(token)}),
              "Invalid token");
    // For another server: one with no invitation for mgt3, one with none at all.
    EXPECT_EQ(c.fails(2, "collective", {"join", c.address(0), "-i", token}), "Invalid token");
    // Nothing changed on the joiner: still alone, no collective (refused: exit 2).
    EXPECT_EQ(c.fails(2, "collective", {"show"}, 2), "Collective mode not enabled on this system");

    // The failed attempts did not use the invitation up; the real one works once.
    EXPECT_EQ(c.ok(2, "collective", {"join", c.address(1), "-i", token}), "Success\n");
    c[2].kill9();
    EXPECT_EQ(c.fails(0, "collective", {"join", c.address(1), "-i", token}), "Invalid token");
}

TEST(BadInput, anExpiredTokenIsInvalid) {
    Cluster c(2);
    c.start_all();
    auto inv = c.run(0, "collective", {"invite", "mgt2", "--ttl", "1"});
    ASSERT_EQ(inv.status, 0) << inv;
    // Past the expiry (whole seconds since the epoch) whatever the rounding.
    auto expired = std::chrono::steady_clock::now() + 2100ms;
    while (std::chrono::steady_clock::now() < expired) std::this_thread::sleep_for(100ms);
    EXPECT_EQ(c.fails(1, "collective", {"join", c.address(0), "-i", token_of(inv.out)}),
              "Invalid token");
    EXPECT_EQ(c.fails(1, "collective", {"show"}, 2), "Collective mode not enabled on this system");
}

TEST(BadInput, unreachableOrMalformedServer) {
    Cluster c(1);
    c.start_all();
    std::string some =
        "bWd0MkD/e95FBKP6NrBP4VSZFbZkwDmH5XqiIi8kpf3B0hGWuP6bfAcimUrs/7mKfI78+sGOH"
        "z7+YFg5zBm7Ubzzpx2j";
    // Nobody there: refused, nothing changed (exit 2); a malformed address is bad input (1).
    auto e = c.fails(0, "collective", {"join", "127.0.0.1:1", "-i", some}, 2);
    EXPECT_EQ(e.rfind("Failed to connect to 127.0.0.1:1: ", 0), 0u) << e;
    e = c.fails(0, "collective", {"join", "no-such-host.invalid", "-i", some}, 2);
    EXPECT_EQ(e.rfind("Failed to connect to no-such-host.invalid: ", 0), 0u) << e;
    e = c.fails(0, "collective", {"join", "127.0.0.1:99999", "-i", some});
    EXPECT_EQ(e.rfind("Failed to connect to 127.0.0.1:99999: ", 0), 0u) << e;
}

TEST(BadInput, withoutQuorumInviteJoinDeleteAndWritesFailAtOnceWithExitThree) {
    Cluster c(4);  // mgt4 stays a lone server: it tries to join below
    c.start_all();
    c.invite_and_join(0, 1);
    c.invite_and_join(1, 2);
    c.ok(2, "nodedefine", {"n1"});
    auto inv = c.run(2, "collective", {"invite", "mgt4"});
    ASSERT_EQ(inv.status, 0) << inv;
    c[0].kill9();
    c[1].kill9();
    const std::string lost =
        "Quorum: False\nLeader: \nActive collective members:\n    mgt3\n"
        "Offline collective members:\n    mgt1\n    mgt2\n";
    auto show = c.show_until(2, lost, 20s);
    EXPECT_EQ(show.rfind("Quorum: False\n", 0), 0u) << show;
    EXPECT_EQ(c.fails(2, "collective", {"invite", "mgt5"}, 3), "Collective does not have quorum");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.fails(2, "nodeattrib", {"n1", "location.u=k2"}, 3),
              "Error: Collective does not have quorum");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(c.fails(2, "nodedefine", {"n2"}, 3), "Error: Collective does not have quorum");
    EXPECT_EQ(c.fails(2, "collective", {"delete", "mgt1"}, 3), "Collective does not have quorum");
    // The inviter refuses the join for want of quorum: mgt4 stays alone.
    EXPECT_EQ(c.fails(3, "collective", {"join", c.address(2), "-i", token_of(inv.out)}, 3),
              "Collective does not have quorum");
    EXPECT_EQ(c.fails(3, "collective", {"show"}, 2), "Collective mode not enabled on this system");
    // Reads still answer from local state, unchanged.
    EXPECT_EQ(c.ok(2, "nodeattrib", {"n1", "location.u"}), "n1: location.u: \n");
    EXPECT_EQ(c.ok(2, "nodelist", {}), "n1\n");
}

TEST(BadInput, garbageOnThePeerPortIsDroppedAndTheDaemonServesOn) {
    Cluster c(2);
    c.start_all();
    c.invite_and_join(0, 1);
    for (std::string junk : {std::string("GET / HTTP/1.0\r\n\r\n"), std::string(70000, '\xff'),
                             std::string("SSH-2.0-x\r\n") + std::string(5000, '\0')}) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(13001);
        ::inet_pton(AF_INET, c.address(0).c_str(), &a.sin_addr);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        (void)!::write(fd, junk.data(), junk.size());
        char buf[256];
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (::read(fd, buf, sizeof buf) > 0) {
        }
        ::close(fd);
    }
    EXPECT_EQ(c.ok(1, "nodedefine", {"n1"}), "n1: created\n");
    const std::string two = "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n";
    EXPECT_EQ(c.show_until(1, two), two);
}

TEST(BadInput, badNamesAndArguments) {
    Cluster c(1);
    c.start_all();
    EXPECT_EQ(c.fails(0, "collective", {"invite", "bad name"}),
              "'bad name' is not a valid member name (1 to 64 characters of A-Z a-z 0-9 . _ -)");
    EXPECT_EQ(c.fails(0, "collective", {"invite", "mgt1"}),
              "mgt1 is this member's own name; invite the other server by its name");
    EXPECT_EQ(c.fails(0, "collective", {"delete", "mgt2"}),
              "mgt2 is not a recognized collective member");
    // Without -i the token is read from stdin; an empty one is no token.
    EXPECT_EQ(c.fails(0, "collective", {"join", "127.0.0.1"}).find("Invalid token format"),
              std::string("Paste the invitation here: ").size());
}

}  // namespace
