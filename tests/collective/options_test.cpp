// Every `collective` subcommand against every option of another one, table
// driven: one clear line naming the option, the subcommand and what it takes,
// exit 1, nothing on stdout, and nothing sent (no daemon runs here); with
// --json that line comes as the JSON error document (docs/json.md). And
// `collective SUB --help` shows that subcommand's own options and no other.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/harness.hpp"
#include "tests/support/json_value.hpp"

namespace {

struct Option {
    std::string name;                // long name
    std::string shown;               // as the error names it
    std::vector<std::string> typed;  // the forms a user may type, with a value if it takes one
};

const std::vector<Option> kOptions = {
    {"nonvoting", "-n/--nonvoting", {"-n", "--nonvoting"}},
    {"ttl", "--ttl", {"--ttl=5"}},
    {"list", "--list", {"--list"}},
    {"revoke", "--revoke", {"--revoke=mgt2"}},
    {"invitation", "-i/--invitation", {"-i", "--invitation"}},  // value appended below
    {"verbose", "-v/--verbose", {"-v", "--verbose"}},
    {"json", "--json", {"--json"}},
    {"yes", "--yes", {"--yes"}},
};

struct Sub {
    std::string name;
    std::vector<std::string> args;  // a valid positional part
    std::vector<std::string> own;   // its options (long names)
};

const std::vector<Sub> kSubs = {
    {"gencert", {}, {}},
    {"invite", {"mgt2"}, {"nonvoting", "ttl", "list", "revoke", "json"}},
    {"join", {"mgt1"}, {"invitation"}},
    {"show", {}, {"verbose", "json"}},
    {"delete", {"mgt2"}, {}},
    {"recover", {}, {"yes"}},
};

bool owns(const Sub& s, const std::string& option) {
    return std::find(s.own.begin(), s.own.end(), option) != s.own.end();
}

TEST(CollectiveOptionTable, everyOptionOfAnotherSubcommandIsOneClearLine) {
    cc::it::Member m;  // directories only: the command line is checked first
    int checked = 0;
    for (const auto& sub : kSubs) {
        std::string takes;
        for (const auto& o : kOptions)
            if (owns(sub, o.name)) takes += (takes.empty() ? "" : ", ") + o.shown;
        for (const auto& o : kOptions) {
            if (owns(sub, o.name)) continue;
            const std::string expected =
                "collective " + sub.name + ": " + o.shown + " does not apply to " + sub.name +
                " (" + (takes.empty() ? "it takes no options" : "its options: " + takes) +
                "; see collective " + sub.name + " --help)";
            for (const auto& typed : o.typed) {
                std::vector<std::string> args{sub.name};
                args.insert(args.end(), sub.args.begin(), sub.args.end());
                args.push_back(typed);
                if (o.name == "invitation") args.push_back("x");
                auto r = m.cli("collective", args);
                SCOPED_TRACE("collective " + sub.name + " " + typed);
                EXPECT_EQ(r.status, 1) << r;
                EXPECT_EQ(r.out, "");
                ASSERT_FALSE(r.err.empty());
                ASSERT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
                r.err.pop_back();
                if (o.name == "json") {
                    auto e = cc::test::parse_json(r.err);
                    EXPECT_EQ(e.at("error").string, expected);
                    EXPECT_EQ(e.at("exit").number, 1);
                } else {
                    EXPECT_EQ(r.err, expected);
                }
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 54);  // every (subcommand, foreign option form) pair
}

TEST(CollectiveOptionTable, helpOfEachSubcommandShowsItsOwnOptionsOnly) {
    cc::it::Member m;
    for (const auto& sub : kSubs)
        for (const char* help : {"--help", "-h"}) {
            auto r = m.cli("collective", {sub.name, help});
            SCOPED_TRACE("collective " + sub.name + " " + help);
            EXPECT_EQ(r.status, 0) << r;
            EXPECT_EQ(r.err, "");
            EXPECT_EQ(r.out.rfind("Usage: collective " + sub.name, 0), 0u) << r.out;
            EXPECT_NE(r.out.find("Options of collective " + sub.name), std::string::npos) << r.out;
            EXPECT_NE(r.out.find("--etc-dir"), std::string::npos) << r.out;
            // The options section: after the usage lines, which may name
            // the subcommand's own options.
            std::string options = r.out.substr(r.out.find("Options of collective"));
            for (const auto& o : kOptions)
                EXPECT_EQ(options.find("--" + o.name) != std::string::npos, owns(sub, o.name))
                    << "--" << o.name << " in:\n"
                    << r.out;
        }
}

}  // namespace
