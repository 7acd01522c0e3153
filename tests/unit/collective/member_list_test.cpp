#include "daemon/collective/member_list.hpp"

#include <gtest/gtest.h>

#include "daemon/collective/joiner.hpp"

namespace {

using namespace cc::collective;

proto::Membership three() {
    proto::Membership m;
    m.members = {{"mgt1", "10.0.0.1:13001", "SHA256:a", proto::Role::Voter, false},
                 {"mgt2", "10.0.0.2:13001", "SHA256:b", proto::Role::Voter, false},
                 {"mgt3", "10.0.0.3:13001", "", proto::Role::NonVoter, false}};
    return m;
}

TEST(MemberList, withMember_replacesTheStaleEntryOfAReinvitedName) {
    auto m = with_member(three(), {"mgt2", "10.0.0.9:13001", "SHA256:new", proto::Role::Voter});
    ASSERT_EQ(m.members.size(), 3u);
    EXPECT_EQ(m.members[1].address, "10.0.0.9:13001");
    EXPECT_EQ(m.members[1].fingerprint, "SHA256:new");
}

TEST(MemberList, withMember_appendsANewName) {
    auto m = with_member(three(), {"mgt4", "10.0.0.4:13001", "SHA256:d", proto::Role::Voter});
    ASSERT_EQ(m.members.size(), 4u);
    EXPECT_EQ(m.members.back().name, "mgt4");
}

TEST(MemberList, withoutMember_removesOrSaysUnknown) {
    auto m = without_member(three(), "mgt2");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->members.size(), 2u);
    EXPECT_EQ(find_member(*m, "mgt2"), nullptr);
    EXPECT_FALSE(without_member(three(), "mgt5"));
}

TEST(MemberList, peerEndpoints_skipSelfAndUnpinnedMembers) {
    auto e = peer_endpoints(three(), "mgt1");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].name, "mgt2");
    EXPECT_EQ(e[0].fingerprint, "SHA256:b");
}

TEST(MemberList, withPort_addsTheDefaultPortOnlyWhenMissing) {
    EXPECT_EQ(with_port("mgt1", 13001), "mgt1:13001");
    EXPECT_EQ(with_port("127.0.0.12:14000", 13001), "127.0.0.12:14000");
    EXPECT_EQ(with_port("::1", 13001), "[::1]:13001");
    EXPECT_EQ(with_port("[::1]:5", 13001), "[::1]:5");
    EXPECT_EQ(with_port("[::1]", 13001), "[::1]:13001");
}

TEST(MemberList, hostOf_dropsThePort) {
    EXPECT_EQ(host_of("127.0.0.1:40000"), "127.0.0.1");
    EXPECT_EQ(host_of("[::1]:40000"), "::1");
    EXPECT_EQ(host_of("mgt1"), "mgt1");
}

TEST(ParseServer, acceptsNamesAddressesAndPorts) {
    auto t = parse_server("mgt1", 13001);
    EXPECT_EQ(t.host, "mgt1");
    EXPECT_EQ(t.port, 13001);
    t = parse_server("127.0.0.12:14001", 13001);
    EXPECT_EQ(t.host, "127.0.0.12");
    EXPECT_EQ(t.port, 14001);
    t = parse_server("[::1]:14002", 13001);
    EXPECT_EQ(t.host, "::1");
    EXPECT_EQ(t.port, 14002);
    t = parse_server("::1", 13001);
    EXPECT_EQ(t.host, "::1");
}

TEST(ParseServer, rejectsBadPortsWithTheUserLine) {
    for (std::string bad : {"mgt1:", "mgt1:0", "mgt1:70000", "mgt1:x", ":13001", "[::1", ""}) {
        try {
            parse_server(bad, 13001);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const JoinFailure& e) {
            EXPECT_EQ(std::string(e.what()).rfind("Failed to connect to " + bad + ": ", 0), 0u)
                << e.what();
            EXPECT_EQ(e.outcome, proto::Outcome::BadRequest) << bad;  // bad input: exit 1
        }
    }
}

}  // namespace
