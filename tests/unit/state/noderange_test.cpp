#include <gtest/gtest.h>

#include <chrono>

#include "daemon/state/database.hpp"

namespace {

using cc::state::Database;
using cc::state::NoderangeError;
using Names = std::vector<std::string>;

std::string error_of(const Database& db, const std::string& range) {
    try {
        db.expand(range);
    } catch (const NoderangeError& e) {
        return e.what();
    }
    return "no error";
}

// n1..n12, r1u01..r2u03, rack1 = {n1,n2}, rack2 = {n2,n3}, empty group "spare".
Database sample() {
    Database db;
    uint64_t i = 0;
    db.apply(proto::DefineGroup{"rack1", {{"location.room", "a"}}}, ++i);
    db.apply(proto::DefineGroup{"spare", {}}, ++i);
    EXPECT_TRUE(db.apply(proto::DefineNodes{"n[1-12]", {}}, ++i).ok());
    EXPECT_TRUE(db.apply(proto::DefineNodes{"r[1-2]u[01-03]", {}}, ++i).ok());
    db.apply(proto::SetNodeAttributes{"n1,n2", {{"groups", "rack1"}}, {}}, ++i);
    db.apply(proto::SetNodeAttributes{"n3", {{"groups", "rack2"}}, {}}, ++i);
    db.apply(proto::SetNodeAttributes{"n2", {{"groups", "rack1,rack2"}}, {}}, ++i);
    db.apply(proto::SetNodeAttributes{"n4", {{"location.room", "b"}}, {}}, ++i);
    return db;
}

TEST(NaturalSort, ordersNumbersByValueAndKeepsPaddingDistinct) {
    Names v{"n10", "n9", "N1", "n01", "rack2", "n1", "rack10", "a"};
    std::sort(v.begin(), v.end(), cc::state::natural_less);
    EXPECT_EQ(v, (Names{"a", "N1", "n01", "n1", "n9", "n10", "rack2", "rack10"}));
    EXPECT_FALSE(cc::state::natural_less("n1", "n1"));
}

TEST(ExpandNames, expandsEveryRangeFormWithPadding) {
    EXPECT_EQ(Database::expand_names("n1-n3"), (Names{"n1", "n2", "n3"}));
    EXPECT_EQ(Database::expand_names("n1:n3"), (Names{"n1", "n2", "n3"}));
    EXPECT_EQ(Database::expand_names("n[1-3]"), (Names{"n1", "n2", "n3"}));
    EXPECT_EQ(Database::expand_names("n[08-10]"), (Names{"n08", "n09", "n10"}));
    EXPECT_EQ(Database::expand_names("n08:n10"), (Names{"n08", "n09", "n10"}));
    EXPECT_EQ(Database::expand_names("n[1,5,7-8]"), (Names{"n1", "n5", "n7", "n8"}));
    EXPECT_EQ(Database::expand_names("r[1-2]u[01-02]"),
              (Names{"r1u01", "r1u02", "r2u01", "r2u02"}));
    EXPECT_EQ(Database::expand_names("n[1..2]"), (Names{"n1", "n2"}));
    EXPECT_EQ(Database::expand_names("n1..n3"), (Names{"n1", "n2", "n3"}));
    EXPECT_EQ(Database::expand_names("r1u1-r2u2"), (Names{"r1u1", "r1u2", "r2u1", "r2u2"}));
    EXPECT_EQ(Database::expand_names("n9,n10,n1"), (Names{"n1", "n9", "n10"}));
    EXPECT_EQ(Database::expand_names("n[1-5],-n[2-4]"), (Names{"n1", "n5"}));
    EXPECT_EQ(Database::expand_names("n[1-5]@n[4-9]"), (Names{"n4", "n5"}));
    EXPECT_EQ(Database::expand_names("(n1,n2),-n1"), (Names{"n2"}));
    // Not a range: stands for itself, as confluent's nodedefine does.
    EXPECT_EQ(Database::expand_names("web-a"), (Names{"web-a"}));
}

TEST(ExpandNames, rejectsMalformedExpressionsWithOneLine) {
    auto err = [](const std::string& r) {
        try {
            Database::expand_names(r);
        } catch (const NoderangeError& e) {
            EXPECT_EQ(e.code, proto::ResultCode::BadRequest);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(err("n[1-"), "invalid noderange 'n[1-': missing ']'");
    EXPECT_EQ(err("(n1,n2"), "invalid noderange '(n1,n2': missing ')'");
    EXPECT_EQ(err("n1)"), "invalid noderange 'n1)': unexpected ')'");
    EXPECT_EQ(err("n1,,n2"), "invalid noderange 'n1,,n2': nothing after ','");
    EXPECT_EQ(err("n1,"), "invalid noderange 'n1,': nothing after ','");
    EXPECT_EQ(err(""), "invalid noderange '': the noderange is empty");
    EXPECT_EQ(err("n 1"), "invalid noderange 'n 1': unexpected character ' '");
    EXPECT_EQ(err("n[a-b]"),
              "invalid noderange 'n[a-b]': '[a-b]' is not a list of numbers or ranges");
    EXPECT_EQ(err("n[5-1]"), "invalid noderange 'n[5-1]': range '5-1' goes backwards");
    EXPECT_EQ(err("n5-n1"), "invalid noderange 'n5-n1': range 'n5-n1' goes backwards");
    EXPECT_EQ(err("-n1"),
              "invalid noderange '-n1': an exclusion needs a range before it, as in "
              "'everything,-n1'");
    EXPECT_EQ(err("n[1-2000000]"),
              "invalid noderange 'n[1-2000000]': it expands to more than 1000000 names");
    EXPECT_EQ(err("a=b"), "invalid noderange 'a=b': an attribute match cannot name new nodes");
    EXPECT_EQ(err("n[1-1000][1-1001]"),
              "invalid noderange 'n[1-1000][1-1001]': it expands to more than 1000000 names");
    EXPECT_EQ(err("a1b1-a1000b999999999999999999"),
              "invalid noderange 'a1b1-a1000b999999999999999999': it expands to more than 1000000 "
              "names");
    std::string deep = std::string(33, '(') + "n1" + std::string(33, ')');
    EXPECT_EQ(err(deep),
              "invalid noderange '" + deep + "': parentheses nested deeper than 32 levels");
    std::string ok = std::string(32, '(') + "n1" + std::string(32, ')');
    EXPECT_EQ(Database::expand_names(ok), (Names{"n1"}));
}

TEST(Expand, resolvesNodesGroupsAndOperators) {
    Database db = sample();
    EXPECT_EQ(db.expand("n2,n1"), (Names{"n1", "n2"}));
    EXPECT_EQ(db.expand("n[9-11]"), (Names{"n9", "n10", "n11"}));
    EXPECT_EQ(db.expand("r1u01:r1u03"), (Names{"r1u01", "r1u02", "r1u03"}));
    EXPECT_EQ(db.expand("rack1"), (Names{"n1", "n2"}));
    EXPECT_EQ(db.expand("rack2"), (Names{"n2", "n3"}));  // implicit group, named only by nodes
    EXPECT_EQ(db.expand("rack1,rack2,-n2"), (Names{"n1", "n3"}));
    EXPECT_EQ(db.expand("rack1@rack2"), (Names{"n2"}));
    EXPECT_EQ(db.expand("spare"), Names{});  // defined, no members yet
    EXPECT_EQ(db.expand("everything").size(), 18u);
    EXPECT_EQ(db.expand("everything,-(n[1-12])"),
              (Names{"r1u01", "r1u02", "r1u03", "r2u01", "r2u02", "r2u03"}));
    db.apply(proto::DefineNodes{"web-a", {}}, 100);
    EXPECT_EQ(db.expand("web-a,n1"),
              (Names{"n1", "web-a"}));  // a dash that forms no range is part of a name
}

// One node's name is that node (a shortcut past the parser), whatever
// characters it holds; a name that is no node still goes through the parser.
TEST(Expand, oneNodeNameIsThatNode_andAnythingElseIsParsed) {
    Database db = sample();
    db.apply(proto::DefineNodes{"web-a", {}}, 100);
    db.apply(proto::DefineNodes{"db.1", {}}, 101);
    db.apply(proto::DefineNodes{"sw_1", {}}, 102);
    EXPECT_EQ(db.expand("n7"), (Names{"n7"}));
    EXPECT_EQ(db.expand("web-a"), (Names{"web-a"}));
    EXPECT_EQ(db.expand("db.1"), (Names{"db.1"}));
    EXPECT_EQ(db.expand("sw_1"), (Names{"sw_1"}));
    EXPECT_EQ(db.expand("n2-n4"), (Names{"n2", "n3", "n4"}));  // no such node: a range
    EXPECT_EQ(db.expand("n2:n4"), (Names{"n2", "n3", "n4"}));
    EXPECT_EQ(db.expand("rack1"), (Names{"n1", "n2"}));  // a group, not a node
    EXPECT_EQ(error_of(db, "n13"), "Unknown node n13");
}

TEST(Expand, matchesAttributesWithInheritance) {
    Database db = sample();
    EXPECT_EQ(db.expand("location.room=a"), (Names{"n1", "n2"}));  // inherited from rack1
    EXPECT_EQ(db.expand("location.room=b"), (Names{"n4"}));
    EXPECT_EQ(db.expand("n[1-4]@location.room!=a"), (Names{"n3", "n4"}));
    EXPECT_EQ(db.expand("location.room=~^[ab]$"), (Names{"n1", "n2", "n4"}));
    EXPECT_EQ(db.expand("n[1-5],-location.room!~b"), (Names{"n4"}));
    EXPECT_EQ(db.expand("groups=~rack2"), (Names{"n2", "n3"}));
    EXPECT_EQ(db.expand("/^r1u0[12]$"), (Names{"r1u01", "r1u02"}));
    EXPECT_EQ(db.expand("n[1-12]@~1$"), (Names{"n1", "n11"}));
}

TEST(Expand, namesEveryUnknownNode) {
    Database db = sample();
    EXPECT_EQ(error_of(db, "n99"), "Unknown node n99");
    EXPECT_EQ(error_of(db, "n[11-14]"), "Unknown nodes n13,n14");
    EXPECT_EQ(error_of(db, "n1,bogus,n[20-21]"), "Unknown nodes bogus,n20,n21");
    EXPECT_EQ(error_of(db, "n[1-30]"),
              "Unknown nodes n13,n14,n15,n16,n17,n18,n19,n20,n21,n22,... (18 in all)");
    try {
        db.expand("n99");
    } catch (const NoderangeError& e) {
        EXPECT_EQ(e.code, proto::ResultCode::NotFound);
    }
    EXPECT_EQ(error_of(db, "/(["), "invalid noderange '/([': unexpected character '('");
    EXPECT_EQ(error_of(db, "~[a"), "invalid noderange '~[a': missing ']'");
    EXPECT_EQ(error_of(db, "~a)"), "invalid noderange '~a)': unexpected ')'");
    EXPECT_EQ(error_of(db, "x=~*"), "invalid noderange 'x=~*': bad regular expression '*'");
}

TEST(Expand, aRegularExpressionRunsInLinearTimeWhateverThePattern) {
    Database db = sample();
    db.apply(proto::DefineNodes{"slow", {{"custom.x", std::string(40, 'a')}}}, 101);
    // A backtracking engine (std::regex, before) tries about 40^12 ways to
    // fail this match; the noderange fuzzer found such inputs. RE2 does not
    // backtrack.
    std::string stars;
    for (int i = 0; i < 12; ++i) stars += "a*";
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(db.expand("custom.x=~" + stars + "b"), Names{});
    EXPECT_EQ(db.expand("custom.x=~^" + stars + "a$"), Names{"slow"});
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
