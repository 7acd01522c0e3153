#include "daemon/collective/show_format.hpp"

#include <gtest/gtest.h>

#include "daemon/collective/status_report.hpp"

namespace {

using namespace cc::collective;

proto::MemberInfo member(std::string name, proto::Role role = proto::Role::Voter) {
    return {name, name + ":13001", "SHA256:" + name, role, false};
}

raft::Status leader_status(raft::TimePoint now) {
    raft::Status s;
    s.self = "mgt1";
    s.role = raft::Role::Leader;
    s.term = 3;
    s.leader = "mgt1";
    s.quorum = true;
    s.commit_index = s.applied_index = s.last_index = 40;
    for (auto name : {"mgt10", "mgt2", "mgt1", "mgt3"}) {
        raft::MemberStatus m;
        m.info = member(name);
        m.voter = true;
        m.active = std::string(name) != "mgt3";
        m.match_index = std::string(name) == "mgt10" ? 38 : 40;
        m.last_contact = now - std::chrono::milliseconds(std::string(name) == "mgt3" ? 9000 : 20);
        s.members.push_back(m);
    }
    raft::MemberStatus nv;
    nv.info = member("mgt4", proto::Role::NonVoter);
    nv.voter = false;
    nv.active = true;
    nv.match_index = 40;
    s.members.push_back(nv);
    return s;
}

// What mgt1, the leader of leader_status(), reports.
proto::ApiStatus leader_report(raft::TimePoint now) {
    ReportContext c;
    c.in_collective = true;
    c.my_name = "mgt1";
    // mgt10 on an older build; mgt3 has no link.
    c.link_version = [](const std::string& m) -> uint32_t {
        return m == "mgt10" ? 2 : m == "mgt3" ? 0 : 6;
    };
    c.own_protocol = 6;
    return status_report(leader_status(now), now, c);
}

TEST(ShowFormat, plain_isTheReferenceFormat) {
    auto now = raft::Clock::now();
    auto s = leader_report(now);
    EXPECT_EQ(format_show(s),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n"
              "    mgt4 (nonvoting)\n    mgt10\nOffline collective members:\n    mgt3\n");
}

TEST(ShowFormat, statusReport_countsTheMarginAndLagOnTheLeader) {
    auto now = raft::Clock::now();
    auto s = leader_report(now);
    // Four voters, three active: majority 3, so none may fail.
    EXPECT_EQ(s.failures_tolerated, 0u);
    ASSERT_EQ(s.members.size(), 5u);
    EXPECT_EQ(s.members[0].name, "mgt1");
    EXPECT_EQ(s.members[4].name, "mgt10");
    EXPECT_EQ(s.members[4].lag, 2);
    EXPECT_EQ(s.members[4].last_contact_ms, 20);
    auto v = format_show_verbose(s);
    EXPECT_NE(v.find("    mgt10: voter, active, address mgt10:13001, lag 2, last contact 0.0s ago, "
                     "protocol v2, key SHA256:mgt10\n"),
              std::string::npos)
        << v;
    EXPECT_NE(v.find("    mgt3: voter, offline,"), std::string::npos) << v;
    EXPECT_NE(v.find(", protocol -, key SHA256:mgt3\n"), std::string::npos) << v;
    EXPECT_NE(v.find("    mgt1: voter, leader, address mgt1:13001, lag 0, last contact 0.0s ago, "
                     "protocol v6, key SHA256:mgt1\n"),
              std::string::npos)
        << v;
    const std::string j = format_show_json(s);
    EXPECT_NE(
        j.find("\"fingerprint\":\"SHA256:mgt10\",\"lag\":2,\"last_contact_ms\":20,\"protocol\":2}"),
        std::string::npos)
        << j;
    EXPECT_NE(j.find("\"fingerprint\":\"SHA256:mgt3\",\"lag\":0,\"last_contact_ms\":9000,"
                     "\"protocol\":null}"),
              std::string::npos)
        << j;
}

TEST(ShowFormat, statusReport_onAFollowerCountsLinkedMembersActive) {
    auto now = raft::Clock::now();
    raft::Status f;
    f.self = "mgt2";
    f.role = raft::Role::Follower;
    f.leader = "mgt1";
    f.quorum = true;
    for (auto name : {"mgt1", "mgt2", "mgt3"}) {
        raft::MemberStatus m;
        m.info = member(name);
        m.voter = true;
        m.active = std::string(name) != "mgt3";  // the core knows only self and the leader
        f.members.push_back(m);
    }
    ReportContext c;
    c.in_collective = true;
    c.my_name = "mgt2";
    c.link_up = [](const std::string& m) { return m == "mgt3"; };
    auto s = status_report(f, now, c);
    EXPECT_EQ(format_show(s),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n"
              "    mgt3\n");
    EXPECT_EQ(s.failures_tolerated, 1u);
    EXPECT_EQ(s.members[0].lag, -1);  // unknown away from the leader
    // With the leader's view: its figures, last contact aged by the view's age.
    proto::LeaderView view{f.term, {{"mgt1", 0, 0}, {"mgt2", 2, 30}, {"mgt3", -1, -1}}};
    c.leader_view = &view;
    c.leader_view_age_ms = 400;
    auto v = status_report(f, now, c);
    ASSERT_EQ(v.members.size(), 3u);
    EXPECT_EQ(v.members[0].lag, 0);
    EXPECT_EQ(v.members[0].last_contact_ms, 400);
    EXPECT_EQ(v.members[1].lag, 2);
    EXPECT_EQ(v.members[1].last_contact_ms, 430);
    EXPECT_EQ(v.members[2].lag, -1) << "unknown to the leader too";
    EXPECT_EQ(v.members[2].last_contact_ms, -1);
    c.leader_view = nullptr;
    c.link_up = [](const std::string&) { return false; };
    EXPECT_EQ(format_show(status_report(f, now, c)),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n"
              "Offline collective members:\n    mgt3\n");
}

TEST(ShowFormat, json_escapesAndMarksUnknownsNull) {
    proto::ApiStatus s;
    s.in_collective = true;
    s.leader = "a\"b";
    s.members.push_back({"x\n", "addr", "fp", true, false, -1, -1});
    auto j = format_show_json(s);
    EXPECT_NE(j.find("\"leader\":\"a\\\"b\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"name\":\"x\\n\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"lag\":null,\"last_contact_ms\":null"), std::string::npos) << j;
    EXPECT_EQ(json_string(std::string("\x01", 1)), "\"\\u0001\"");
}

}  // namespace
