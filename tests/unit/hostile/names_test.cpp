// The one name rule (proto/names.hpp), fed with the same table of good and
// bad names through every entry point that uses it: the rule itself, the
// token parser and the join/invite check (crypto::valid_member_name), the
// cfg/ loaders (cfg/collective, cfg/myname), the state layer's checks used
// by API commands and the node files, the CLI's attribute arguments and the
// leader's check of a proposed member list. Regression: a name the join path
// accepted ("-x") used to be one the loaders refused, so every member failed
// to start after that join.
#include "proto/names.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "cli/attr_args.hpp"
#include "cli/client.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/raft/core.hpp"
#include "daemon/state/config_error.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/state/store.hpp"
#include "daemon/state/toml_text.hpp"
#include "daemon/util/fs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

struct Case {
    std::string name;
    bool entity_ok;     // member, node, group
    bool attribute_ok;  // attribute names may start with '-'
};

std::vector<Case> table() {
    return {
        {"mgt1", true, true},
        {"mgt-1.example_x", true, true},
        {"A.B_c-9", true, true},
        {"_x", true, true},
        {"n1-", true, true},
        {std::string(255, 'a'), true, true},
        {"-x", false, true},  // the regression: join accepted it, the loaders did not
        {"-", false, true},
        {"", false, false},
        {std::string(256, 'a'), false, false},
        {"a b", false, false},
        {"a@b", false, false},
        {"a/b", false, false},
        {"a:b", false, false},
        {"a,b", false, false},
        {"a=b", false, false},
        {"a\nb", false, false},
        {"a\tb", false, false},
        {"x\x1b[31m", false, false},
        {std::string("a\0b", 3), false, false},
        {"caf\xc3\xa9", false, false},
    };
}

std::string shown(const std::string& name) {
    return "'" + proto::printable(name) + "'";
}

TEST(NameRule, theRuleItself) {
    for (const auto& c : table()) {
        for (auto kind : {proto::NameKind::Member, proto::NameKind::Node, proto::NameKind::Group})
            EXPECT_EQ(proto::valid_name(kind, c.name), c.entity_ok) << shown(c.name);
        EXPECT_EQ(proto::valid_name(proto::NameKind::Attribute, c.name), c.attribute_ok)
            << shown(c.name);
    }
}

TEST(NameRule, inviteAndJoinCheck) {
    for (const auto& c : table())
        EXPECT_EQ(cc::crypto::valid_member_name(c.name), c.entity_ok) << shown(c.name);
}

TEST(NameRule, tokenParser) {
    cc::crypto::Secret secret(64, 7);
    for (const auto& c : table()) {
        bool parsed = false;
        try {
            parsed =
                cc::crypto::parse_token(cc::crypto::encode_token(c.name, secret)).name == c.name;
        } catch (const cc::crypto::InvalidTokenFormat&) {
        }
        EXPECT_EQ(parsed, c.entity_ok) << shown(c.name);
    }
}

TEST(NameRule, collectiveFileLoader) {
    for (const auto& c : table()) {
        std::string text = "applied_index = 3\n[[member]]\nname = ";
        cc::state::append_toml_string(text, c.name);
        text += "\naddress = \"10.0.0.1\"\nfingerprint = \"SHA256:x\"\nrole = \"voter\"\n";
        bool loaded = false;
        try {
            loaded =
                cc::state::parse_collective(text, "collective").membership.members.at(0).name ==
                c.name;
        } catch (const cc::state::ConfigFileError&) {
        }
        EXPECT_EQ(loaded, c.entity_ok) << shown(c.name);
    }
}

TEST(NameRule, mynameFileLoader) {
    cc::test::TempDir dir("cc-names");
    for (const auto& c : table()) {
        cc::fs::write_atomic(dir.path() / "myname", c.name);
        bool loaded = false;
        try {
            loaded = cc::state::load_myname(dir.path() / "myname") == c.name;
        } catch (const cc::state::ConfigFileError&) {
        }
        EXPECT_EQ(loaded, c.entity_ok) << shown(c.name);
    }
}

TEST(NameRule, stateChecksOfCommandsAndNodeFiles) {
    for (const auto& c : table()) {
        for (const char* kind : {"member", "node", "group"})
            EXPECT_EQ(!cc::state::check_entity_name(kind, c.name), c.entity_ok)
                << kind << " " << shown(c.name);
        EXPECT_EQ(!cc::state::check_attribute(c.name, "v"), c.attribute_ok) << shown(c.name);
    }
}

TEST(NameRule, cliAttributeArguments) {
    for (const auto& c : table()) {
        bool accepted = true;
        try {
            cc::cli::check_attribute_name(c.name);
        } catch (const cc::cli::CliError&) {
            accepted = false;
        }
        EXPECT_EQ(accepted, c.attribute_ok) << shown(c.name);
        if (c.name.find('=') != std::string::npos) continue;  // not a name in an assignment
        accepted = true;
        try {
            cc::cli::parse_assignment(c.name + "=v");
        } catch (const cc::cli::CliError&) {
            accepted = false;
        }
        EXPECT_EQ(accepted, c.attribute_ok) << shown(c.name);
    }
}

TEST(NameRule, leaderCheckOfAProposedMemberList) {
    for (const auto& c : table()) {
        proto::Membership one{{{"lead", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter}}};
        raft::Core core({.self = "lead"},
                        raft::BootState{.hard_state = raft::HardState{},
                                        .snapshot = {},
                                        .log = {},
                                        .applied = 0,
                                        .initial_membership = one},
                        7);
        raft::TimePoint now{};
        // A single voter leads at once; its no-op commits once persisted.
        for (int i = 0; i < 5; ++i) {
            now += 1ms;
            core.tick(now);
            auto r = core.take_ready();
            if (!r.entries.empty())
                core.persisted(r.entries.back().index, r.entries.back().term, now);
        }
        ASSERT_EQ(core.role(), raft::Role::Leader);
        (void)core.take_ready();
        proto::Membership next = one;
        next.members.push_back({c.name, "10.0.0.2:13001", "SHA256:b", proto::Role::NonVoter});
        core.propose_membership(1, next, now);
        auto r = core.take_ready();
        bool refused =
            !r.proposal_results.empty() && r.proposal_results[0].code == raft::Outcome::Refused;
        EXPECT_EQ(refused, !c.entity_ok) << shown(c.name);
        if (refused) {
            EXPECT_NE(r.proposal_results[0].reason.find("member name"), std::string::npos)
                << r.proposal_results[0].reason;
        }
    }
}

}  // namespace

// Values are checked eight bytes at a time while they are printable ASCII:
// a bad byte is found wherever it sits, and a good one passes anywhere.
TEST(AttributeValue, aBadByteIsFoundAtEveryPosition) {
    const std::string control = "value of x contains a control character";
    const std::string utf8 = "value of x is not valid UTF-8";
    for (size_t len = 1; len <= 40; ++len)
        for (size_t at = 0; at < len; ++at) {
            auto with = [&](std::string_view bytes) {
                std::string v(len, 'a');
                v.replace(at, 1, bytes);
                return cc::state::check_attribute("x", v);
            };
            EXPECT_EQ(with("\x01"), control) << len << " " << at;
            EXPECT_EQ(with("\x1f"), control) << len << " " << at;
            EXPECT_EQ(with("\n"), control) << len << " " << at;
            EXPECT_EQ(with("\xff"), utf8) << len << " " << at;
            EXPECT_EQ(with("\xc3"), utf8) << len << " " << at;  // a sequence cut short
            EXPECT_EQ(with("\t"), std::nullopt) << len << " " << at;
            EXPECT_EQ(with("\x7f"), std::nullopt) << len << " " << at;
            EXPECT_EQ(with(" "), std::nullopt) << len << " " << at;
            EXPECT_EQ(with("\xc3\xa9"), std::nullopt) << len << " " << at;  // é
        }
}
