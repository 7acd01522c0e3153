// --json of the read tools (docs/json.md) against a real confluentd, parsed
// the way a script would (tests/support/json_value.hpp): the shapes, that the
// JSON says the same as the text lines, and that every failure keeps its exit
// status, leaves stdout empty and puts one JSON error document on stderr.
// First the documents themselves, built from hand-made answers.
#include <gtest/gtest.h>
#include <pwd.h>

#include <map>
#include <sstream>

#include "cli/json_output.hpp"
#include "daemon/collective/show_format.hpp"
#include "tests/integration/harness.hpp"
#include "tests/support/json_value.hpp"

namespace {

using cc::it::CmdResult;
using cc::it::Member;
using cc::test::JsonValue;
using cc::test::parse_json;

proto::ApiObject object(std::string name, std::vector<proto::ApiAttribute> attributes) {
    return proto::ApiObject{.name = std::move(name), .attributes = std::move(attributes)};
}

TEST(JsonOutput, jsonString_roundTripsThroughAStrictParser) {
    for (std::string s : {std::string(""), std::string("plain"), std::string("say \"hi\""),
                          std::string("back\\slash"), std::string("tab\there\nnew\rline"),
                          std::string("\x01\x1f ctl"), std::string("caf\xc3\xa9 \xe2\x82\xac")}) {
        EXPECT_EQ(parse_json(cc::collective::json_string(s)).string, s);
    }
}

TEST(JsonOutput, parser_rejectsWhatIsNotOneJsonValue) {
    for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "\"raw\ttab\"", "[1] [2]", "nul",
                            "{\"a\":1,}", "\"\\x\"", "01"})
        EXPECT_THROW(parse_json(bad), cc::test::JsonError) << bad;
    EXPECT_EQ(parse_json(" \"\\u00e9\\ud83d\\ude00\" ").string, "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(JsonOutput, names_areOneArrayOneNamePerLine) {
    EXPECT_EQ(cc::cli::json_names(std::vector<std::string>{}), "[]\n");
    EXPECT_EQ(cc::cli::json_names(std::vector<std::string>{"n1", "n2"}),
              "[\n  \"n1\",\n  \"n2\"\n]\n");
}

TEST(JsonOutput, attributes_mapObjectsToTheirValues_andBlameAddsTheOrigin) {
    proto::ApiObjects objs;
    objs.objects = {object("n1", {{"location.room", "a", "rack1"}, {"groups", "rack1", ""}}),
                    object("error", {}), object("n\"2", {{"x", "quote \" back \\", ""}})};
    std::string plain = cc::cli::json_attributes(objs, false);
    EXPECT_EQ(plain,
              "{\n  \"n1\": {\"location.room\": \"a\", \"groups\": \"rack1\"},\n"
              "  \"error\": {},\n  \"n\\\"2\": {\"x\": \"quote \\\" back \\\\\"}\n}\n");
    auto v = parse_json(plain);
    EXPECT_EQ(v.keys(), (std::vector<std::string>{"n1", "error", "n\"2"}));
    EXPECT_EQ(v.at("n\"2").at("x").string, "quote \" back \\");
    auto blamed = parse_json(cc::cli::json_attributes(objs, true));
    EXPECT_EQ(blamed.at("n1").at("location.room").at("value").string, "a");
    EXPECT_EQ(blamed.at("n1").at("location.room").at("inherited_from").string, "rack1");
    EXPECT_TRUE(blamed.at("n1").at("groups").at("inherited_from").is_null());
    EXPECT_EQ(cc::cli::json_attributes(proto::ApiObjects{}, true), "{}\n");
}

TEST(JsonOutput, error_isOneLineWithTheMessageAndTheExitStatus) {
    EXPECT_EQ(cc::cli::json_error("Error: Not Found - \"n9\"", 1),
              "{\"error\": \"Error: Not Found - \\\"n9\\\"\", \"exit\": 1}\n");
}

// "n1: attr: value" lines (nodeattrib's text) as {node: {attr: value}}.
std::map<std::string, std::map<std::string, std::string>> parse_lines(const std::string& text) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto a = line.find(": ");
        auto b = line.find(": ", a + 2);
        out[line.substr(0, a)][line.substr(a + 2, b - a - 2)] = line.substr(b + 2);
    }
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

class Json : public ::testing::Test {
  protected:
    void SetUp() override { m.start(); }
    std::string ok(const std::string& tool, const std::vector<std::string>& args) {
        auto r = m.cli(tool, args);
        EXPECT_EQ(r.status, 0) << tool << "\n" << r;
        EXPECT_EQ(r.err, "") << tool;
        return r.out;
    }
    // Runs a tool with --json that must succeed; its stdout parsed.
    JsonValue json(const std::string& tool, std::vector<std::string> args) {
        args.push_back("--json");
        std::string out = ok(tool, args);
        try {
            return parse_json(out);
        } catch (const cc::test::JsonError& e) {
            ADD_FAILURE() << tool << ": not JSON (" << e.what() << "):\n" << out;
            return {};
        }
    }
    // Runs a failing command without and with --json: the same exit status
    // (`status`), nothing on stdout either way, the plain line on stderr
    // without --json and {"error": <that line>, "exit": status} with it.
    // Returns the line.
    std::string fails_alike(const std::string& tool, std::vector<std::string> args, int status) {
        CmdResult plain = m.cli(tool, args);
        args.push_back("--json");
        CmdResult json = m.cli(tool, args);
        EXPECT_EQ(plain.status, status) << tool << "\n" << plain;
        EXPECT_EQ(json.status, status) << tool << "\n" << json;
        EXPECT_EQ(plain.out, "");
        EXPECT_EQ(json.out, "");
        EXPECT_EQ(std::count(json.err.begin(), json.err.end(), '\n'), 1) << json.err;
        try {
            auto v = parse_json(json.err);
            EXPECT_EQ(v.keys(), (std::vector<std::string>{"error", "exit"}));
            EXPECT_EQ(v.at("error").string + "\n", plain.err);
            EXPECT_EQ(v.at("exit").number, status);
        } catch (const cc::test::JsonError& e) {
            ADD_FAILURE() << tool << ": stderr is not a JSON error (" << e.what() << "):\n"
                          << json.err;
        }
        return plain.err;
    }
    void define_rack() {
        ok("nodegroupdefine", {"rack1", "location.room=a"});
        ok("nodedefine", {"n1-n2", "groups=rack1"});
        ok("nodedefine", {"n10"});
        ok("nodeattrib", {"n2", "location.room=b"});
    }
    Member m;
};

TEST_F(Json, emptyDatabase_isAnEmptyArrayOrObject) {
    EXPECT_EQ(ok("nodelist", {"--json"}), "[]\n");
    EXPECT_EQ(json("nodegrouplist", {}).strings(), (std::vector<std::string>{"everything"}));
    EXPECT_EQ(ok("nodegroupattrib", {"everything", "--json"}),
              "{\n  \"everything\": {\"nodes\": \"\"}\n}\n");
}

TEST_F(Json, nodelist_namesInNaturalOrder_orAttributesLikeNodeattrib) {
    define_rack();
    EXPECT_EQ(json("nodelist", {}).strings(), (std::vector<std::string>{"n1", "n2", "n10"}));
    EXPECT_EQ(json("nodelist", {}).strings(), split_lines(ok("nodelist", {})));
    EXPECT_EQ(json("nodelist", {"rack1"}).strings(), (std::vector<std::string>{"n1", "n2"}));
    auto v = json("nodelist", {"n1-n2", "location.room", "groups"});
    EXPECT_EQ(v.keys(), (std::vector<std::string>{"n1", "n2"}));
    EXPECT_EQ(v.at("n1").string_map(),
              (std::map<std::string, std::string>{{"location.room", "a"},
                                                  {"groups", "rack1,everything"}}));
    EXPECT_EQ(v.at("n2").at("location.room").string, "b");
    auto b = json("nodelist", {"n1", "location.room", "-b"});
    EXPECT_EQ(b.at("n1").at("location.room").at("inherited_from").string, "rack1");
}

TEST_F(Json, nodeattrib_saysWhatTheTextSays_andBlameCarriesTheOrigin) {
    define_rack();
    ok("nodeattrib", {"n1", "description=say \"hi\" \\ tab\there"});
    for (std::vector<std::string> args : {std::vector<std::string>{"n1-n2,n10"},
                                          {"everything", "location.room", "groups"},
                                          {"n1", "description"}}) {
        auto v = json("nodeattrib", args);
        std::map<std::string, std::map<std::string, std::string>> from_json;
        for (const auto& node : v.keys()) from_json[node] = v.at(node).string_map();
        EXPECT_EQ(from_json, parse_lines(ok("nodeattrib", args))) << args.front();
    }
    EXPECT_EQ(json("nodeattrib", {"n1", "description"}).at("n1").at("description").string,
              "say \"hi\" \\ tab\there");
    auto v = json("nodeattrib", {"n1-n2", "location.room", "-b"});
    EXPECT_EQ(v.keys(), (std::vector<std::string>{"n1", "n2"}));
    const auto& n1 = v.at("n1").at("location.room");
    EXPECT_EQ(n1.keys(), (std::vector<std::string>{"value", "inherited_from"}));
    EXPECT_EQ(n1.at("value").string, "a");
    EXPECT_EQ(n1.at("inherited_from").string, "rack1");
    EXPECT_EQ(v.at("n2").at("location.room").at("value").string, "b");
    EXPECT_TRUE(v.at("n2").at("location.room").at("inherited_from").is_null());
}

TEST_F(Json, groups_listAndAttributes) {
    define_rack();
    EXPECT_EQ(json("nodegrouplist", {}).strings(),
              (std::vector<std::string>{"everything", "rack1"}));
    EXPECT_EQ(json("nodegrouplist", {}).strings(), split_lines(ok("nodegrouplist", {})));
    auto v = json("nodegroupattrib", {"rack1"});
    EXPECT_EQ(v.keys(), (std::vector<std::string>{"rack1"}));
    EXPECT_EQ(v.at("rack1").string_map(),
              (std::map<std::string, std::string>{{"location.room", "a"}, {"nodes", "n1,n2"}}));
    EXPECT_EQ(json("nodegroupattrib", {"rack1", "location.room"}).at("rack1").string_map(),
              (std::map<std::string, std::string>{{"location.room", "a"}}));
}

TEST_F(Json, badInput_keepsItsExitStatus_andIsAJsonErrorOnStderr) {
    define_rack();
    EXPECT_NE(fails_alike("nodeattrib", {"n99"}, 1).find("n99"), std::string::npos);
    EXPECT_NE(fails_alike("nodelist", {"n99", "groups"}, 1).find("n99"), std::string::npos);
    EXPECT_NE(fails_alike("nodelist", {"n[1-"}, 1).find("n[1-"), std::string::npos);
    EXPECT_NE(fails_alike("nodegroupattrib", {"nosuch"}, 1).find("nosuch group does not exist"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodegrouplist", {"extra"}, 1).find("takes no arguments"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodeattrib", {}, 1).find("give a noderange"), std::string::npos);
    EXPECT_NE(fails_alike("nodeattrib", {"n1", "--nosuchflag"}, 1).find("nosuchflag"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodeattrib", {"n1", "a b"}, 1).find("malformed attribute name"),
              std::string::npos);
}

TEST_F(Json, writeForms_refuseJson_andChangeNothing) {
    define_rack();
    for (const auto& [tool, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"nodeattrib", {"n1", "location.room=z", "--json"}},
             {"nodeattrib", {"n2", "-c", "location.room", "--json"}},
             {"nodegroupattrib", {"rack1", "location.room=z", "--json"}},
             {"nodegroupattrib", {"rack1", "-c", "location.room", "--json"}}}) {
        auto r = m.cli(tool, args);
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_EQ(r.out, "");
        auto e = parse_json(r.err);
        EXPECT_NE(e.at("error").string.find("--json is for reading attributes"), std::string::npos)
            << r.err;
        EXPECT_EQ(e.at("exit").number, 1);
    }
    auto v = json("nodeattrib", {"n1-n2", "location.room"});
    EXPECT_EQ(v.at("n1").at("location.room").string, "a");
    EXPECT_EQ(v.at("n2").at("location.room").string, "b");
}

TEST_F(Json, refusals_keepExitTwo_asJson) {
    passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    auto r = m.cli("nodelist", {"--json"}, nobody->pw_uid);
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(parse_json(r.err).at("error").string.find("permission denied"), std::string::npos)
        << r.err;
    EXPECT_EQ(m.stop(), 0);
    for (const char* tool : {"nodelist", "nodegrouplist"})
        EXPECT_NE(fails_alike(tool, {}, 2).find("cannot reach confluentd at"), std::string::npos);
    EXPECT_NE(fails_alike("nodeattrib", {"n1"}, 2).find("cannot reach confluentd at"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodegroupattrib", {"rack1"}, 2).find("cannot reach confluentd at"),
              std::string::npos);
}

// collective and nodediscover read only in one subcommand each (show, list),
// but with --json every failure of theirs is the JSON error document too.
TEST_F(Json, collectiveShowAndNodediscoverList_failAsJson) {
    EXPECT_EQ(fails_alike("collective", {"show"}, 2),
              "Collective mode not enabled on this system\n");
    EXPECT_NE(fails_alike("collective", {"show", "extra"}, 1).find("usage: collective show"),
              std::string::npos);
    EXPECT_NE(fails_alike("collective", {"show", "--ttl", "5"}, 1).find("does not apply to show"),
              std::string::npos);
    EXPECT_NE(fails_alike("collective", {"show", "--nosuch"}, 1).find("unrecognised option"),
              std::string::npos);
    EXPECT_NE(fails_alike("collective", {}, 1).find("give a subcommand"), std::string::npos);
    EXPECT_NE(fails_alike("nodediscover", {"list", "-f", "bogus"}, 1).find("unknown field"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodediscover", {"list", "--mac", "aa:bb:cc:dd:ee:01"}, 1)
                  .find("does not apply"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodediscover", {"list", "extra"}, 1).find("unexpected argument"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodediscover", {"bogus"}, 1).find("unknown command"), std::string::npos);
    // --json given to a subcommand that does not read: the refusal is JSON.
    for (const auto& [tool, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"collective", {"delete", "mgt3", "--json"}}, {"nodediscover", {"clear", "--json"}}}) {
        auto r = m.cli(tool, args);
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_EQ(r.out, "");
        auto e = parse_json(r.err);
        EXPECT_NE(e.at("error").string.find("--json does not apply"), std::string::npos) << r.err;
        EXPECT_EQ(e.at("exit").number, 1);
    }
    // invite reads only with --list.
    auto invite = m.cli("collective", {"invite", "mgt3", "--json"});
    EXPECT_EQ(invite.status, 1) << invite;
    EXPECT_EQ(parse_json(invite.err).at("error").string,
              "collective invite: --json goes with --list (see collective invite --help)");
    // Not root, then no daemon: exit 2 either way, as JSON.
    passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    for (const auto& [tool, sub] :
         {std::pair<std::string, std::string>{"collective", "show"}, {"nodediscover", "list"}}) {
        auto r = m.cli(tool, {sub, "--json"}, nobody->pw_uid);
        EXPECT_EQ(r.status, 2) << r;
        EXPECT_EQ(r.out, "");
        EXPECT_NE(parse_json(r.err).at("error").string.find("permission denied"), std::string::npos)
            << r.err;
    }
    EXPECT_EQ(m.stop(), 0);
    EXPECT_NE(fails_alike("collective", {"show"}, 2).find("cannot reach confluentd at"),
              std::string::npos);
    EXPECT_NE(fails_alike("nodediscover", {"list"}, 2).find("cannot reach confluentd at"),
              std::string::npos);
    // Bad input is told as such before confluentd is asked.
    EXPECT_NE(fails_alike("nodediscover", {"list", "-f", "bogus"}, 1).find("unknown field"),
              std::string::npos);
}

}  // namespace
