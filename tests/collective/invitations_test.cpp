// Invitations and secrets on real members: invite --list and --revoke, the
// TTL ceiling and the bound on pending invitations (from the tool and
// through the API), failed join proofs throttled per source address, the
// token from standard input or a file, a member key others can read, file
// modes, and each collective subcommand taking only its own options.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <limits>
#include <regex>

#include "cli/client.hpp"
#include "tests/collective/cluster.hpp"
#include "tests/support/json_value.hpp"

namespace {

using cc::ct::Cluster;
using namespace std::chrono_literals;

using cc::ct::altered;
using cc::ct::token_of;

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

// Runs `command` under sh with member i's directories (for pipes).
cc::it::CmdResult shell(Cluster& c, size_t i, const std::string& command) {
    return cc::it::run_program("/bin/sh", {"-c", command}, c[i].env());
}

proto::ApiResponse call(Cluster& c, size_t i, const proto::ApiRequest& request) {
    cc::cli::ApiClient client(c[i].run / "api.sock");
    return client.call(request);
}

TEST(Invitations, listShowsWhatIsPendingOnTheInvitingMemberOnly) {
    Cluster c(3);
    c.start_all();
    EXPECT_EQ(c.ok(0, "collective", {"invite", "--list"}), "No invitations pending on mgt1\n");
    auto token2 = token_of(c.run(0, "collective", {"invite", "mgt2", "--ttl", "600"}).out);
    ASSERT_FALSE(token2.empty());
    c.ok(0, "collective", {"invite", "mgt3", "-n"});
    auto list = c.ok(0, "collective", {"invite", "--list"});
    std::regex table(
        "Name  Role      Expires \\(UTC\\)        Left    Invited by\n"
        "mgt2  voter     \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  (600|5[4-9]\\d) s   mgt1\n"
        "mgt3  nonvoter  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  (3600|35[4-9]\\d) s  mgt1\n");
    EXPECT_TRUE(std::regex_match(list, table)) << list;
    // The same for scripts (docs/json.md).
    auto doc = cc::test::parse_json(c.ok(0, "collective", {"invite", "--list", "--json"}));
    EXPECT_EQ(doc.at("member").string, "mgt1");
    const auto& pending = doc.at("invitations").array;
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].at("name").string, "mgt2");
    EXPECT_EQ(pending[0].at("role").string, "voter");
    EXPECT_EQ(pending[1].at("name").string, "mgt3");
    EXPECT_EQ(pending[1].at("role").string, "nonvoter");
    EXPECT_EQ(pending[1].at("invited_by").string, "mgt1");
    EXPECT_GE(pending[0].at("seconds_left").number, 540);
    EXPECT_LE(pending[0].at("seconds_left").number, 600);
    EXPECT_TRUE(std::regex_match(pending[0].at("expires_utc").string,
                                 std::regex("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d")));
    EXPECT_EQ(c.fails(0, "collective", {"invite", "mgt4", "--json"}),
              "{\"error\": \"collective invite: --json goes with --list (see collective invite "
              "--help)\", \"exit\": 1}");
    // Used up by the join; the joiner has none of its own.
    EXPECT_EQ(c.ok(1, "collective", {"join", c.address(0), "-i", token2}),
              "Certificate generated "
              "successfully\nSuccess"
              "\n");
    list = c.ok(0, "collective", {"invite", "--list"});
    EXPECT_EQ(list.find("mgt2"), std::string::npos) << list;
    EXPECT_NE(list.find("\nmgt3  nonvoter  "), std::string::npos) << list;
    EXPECT_EQ(c.ok(1, "collective", {"invite", "--list"}), "No invitations pending on mgt2\n");
    // mgt3's token is mgt1's: mgt2 has no invitation for it.
    auto token3 = token_of(c.run(0, "collective", {"invite", "mgt3"}).out);
    EXPECT_EQ(c.fails(2, "collective", {"join", c.address(1), "-i", token3}), "Invalid token");
}

TEST(Invitations, aRevokedTokenIsRefusedAtJoin) {
    Cluster c(2);
    c.start_all();
    auto token = token_of(c.run(0, "collective", {"invite", "mgt2"}).out);
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(c.ok(0, "collective", {"invite", "--revoke", "mgt2"}),
              "revoked the invitation of mgt2 on mgt1\n");
    EXPECT_EQ(c.fails(0, "collective", {"invite", "--revoke", "mgt2"}),
              "no invitation is pending for mgt2 on mgt1 (collective invite --list shows them)");
    EXPECT_EQ(c.fails(0, "collective", {"invite", "--revoke", "bad name"}),
              "'bad name' is not a valid member name (1 to 64 characters of A-Z a-z 0-9 . _ -)");
    EXPECT_EQ(c.ok(0, "collective", {"invite", "--list"}), "No invitations pending on mgt1\n");
    EXPECT_TRUE(c[0].wait_for_log("revoked the invitation of mgt2", 5s)) << c[0].log();
    // Another pending invitation keeps the join port open: the refusal is
    // the inviter's, not a closed door.
    c.ok(0, "collective", {"invite", "mgt3"});
    EXPECT_EQ(c.fails(1, "collective", {"join", c.address(0), "-i", token}), "Invalid token");
    EXPECT_EQ(c.fails(1, "collective", {"show"}, 2), "Collective mode not enabled on this system");
}

TEST(Invitations, ttlAboveAWeekIsRefusedByTheToolAndByTheDaemon) {
    Cluster c(1);
    c.start_all();
    const std::string too_long =
        " is longer than an invitation may stay valid (at most 604800 seconds, 7 days); give a "
        "smaller --ttl";
    EXPECT_EQ(c.fails(0, "collective", {"invite", "mgt2", "--ttl", "604801"}),
              "collective invite: --ttl 604801" + too_long);
    EXPECT_EQ(c.fails(0, "collective", {"invite", "mgt2", "--ttl", "99999999999999999999"}),
              "collective invite: --ttl takes a number of seconds from 1 to 604800, not "
              "'99999999999999999999'");
    for (std::string bad : {"0", "-5", "abc", "1e3"})
        EXPECT_EQ(c.fails(0, "collective", {"invite", "mgt2", "--ttl=" + bad}),
                  "collective invite: --ttl takes a number of seconds from 1 to 604800, not '" +
                      bad + "'");
    EXPECT_EQ(c.ok(0, "collective", {"invite", "--list"}), "No invitations pending on mgt1\n");

    // The API path: a huge value must neither wrap nor stop the daemon.
    for (uint64_t ttl : {uint64_t(604801), std::numeric_limits<uint64_t>::max(),
                         uint64_t(std::numeric_limits<int64_t>::max()) + 1}) {
        auto r = call(c, 0, proto::ApiInvite{"mgt2", false, ttl});
        auto* e = std::get_if<proto::ApiError>(&r);
        ASSERT_NE(e, nullptr) << ttl;
        EXPECT_EQ(e->code, proto::Outcome::BadRequest);
        EXPECT_EQ(e->message, "--ttl " + std::to_string(ttl) + too_long);
    }
    // A week is fine.
    auto r = c.run(0, "collective", {"invite", "mgt2", "--ttl", "604800"});
    EXPECT_EQ(r.status, 0) << r;
    // "Left" counts down from 604800; a second may tick between the two calls
    // on a busy machine, so allow a minute but no more.
    const std::string list = c.ok(0, "collective", {"invite", "--list"});
    std::smatch left;
    ASSERT_TRUE(std::regex_search(list, left, std::regex(R"(\b(\d+) s\b)"))) << list;
    EXPECT_LE(std::stol(left[1]), 604800) << list;
    EXPECT_GE(std::stol(left[1]), 604800 - 60) << list;
}

TEST(Invitations, atMost64ArePendingOnAMember) {
    Cluster c(1);
    c.start_all();
    for (int i = 0; i < 64; ++i) {
        auto r = c.run(0, "collective", {"invite", "s" + std::to_string(i)});
        ASSERT_EQ(r.status, 0) << i << " " << r;
    }
    const std::string full =
        "64 invitations are already pending on mgt1 (the most allowed); revoke one with "
        "collective invite --revoke NAME or let them expire";
    EXPECT_EQ(c.fails(0, "collective", {"invite", "s64"}, 2), full);
    // Inviting a pending name again replaces it; a revoke makes room.
    EXPECT_EQ(c.run(0, "collective", {"invite", "s3"}).status, 0);
    c.ok(0, "collective", {"invite", "--revoke", "s5"});
    EXPECT_EQ(c.run(0, "collective", {"invite", "s64"}).status, 0);
    EXPECT_EQ(c.fails(0, "collective", {"invite", "s65"}, 2), full);
    auto list = c.ok(0, "collective", {"invite", "--list"});
    EXPECT_EQ(std::count(list.begin(), list.end(), '\n'), 65) << list;  // header + 64
}

TEST(Invitations, failedProofsFromOneAddressAreRefusedForAWhile) {
    Cluster c(2);
    c.start_all();
    auto token = token_of(c.run(0, "collective", {"invite", "mgt2"}).out);
    ASSERT_FALSE(token.empty());
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(c.fails(1, "collective", {"join", c.address(0), "-i", altered(token)}),
                  "Invalid token")
            << i;
    EXPECT_TRUE(
        c[0].wait_for_log("failed 5 times within 60 s; refusing joins from it for 300 s", 5s))
        << c[0].log();
    // Now even the right token is refused (exit 2), and it stays pending.
    auto e = c.fails(1, "collective", {"join", c.address(0), "-i", token}, 2);
    EXPECT_TRUE(std::regex_match(
        e, std::regex("too many failed join attempts from [0-9.]+; this member refuses joins "
                      "from it for another [0-9]+ s")))
        << e;
    EXPECT_EQ(c.fails(1, "collective", {"show"}, 2), "Collective mode not enabled on this system");
    EXPECT_NE(c.ok(0, "collective", {"invite", "--list"}).find("\nmgt2  voter"), std::string::npos);
}

TEST(Invitations, tokenFromStandardInputOrAFileKeepsItOutOfArgv) {
    Cluster c(3);
    c.start_all();
    auto token2 = token_of(c.run(0, "collective", {"invite", "mgt2"}).out);
    auto token3 = token_of(c.run(0, "collective", {"invite", "mgt3"}).out);
    ASSERT_FALSE(token2.empty());
    auto tool = cc::it::tool_path("collective");
    auto r = shell(c, 1,
                   "printf '%s\\n' '" + token2 + "' | " + tool + " join " + c.address(0) + " -i -");
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "Certificate generated successfully\nSuccess\n");

    auto file = c[2].root / "token";
    std::ofstream(file) << "\n  " << token3 << "\n";
    // Unreadable or empty sources are one line each, nothing sent.
    EXPECT_EQ(c.fails(2, "collective", {"join", c.address(0), "-i", "@" + file.string() + "x"}),
              "collective join: cannot read the token from " + file.string() +
                  "x: No such file or directory");
    r = shell(c, 2, tool + " join " + c.address(0) + " -i - </dev/null");
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_EQ(r.err,
              "collective join: no token in standard input (give the token printed by collective "
              "invite)\n");
    EXPECT_EQ(c.ok(2, "collective", {"join", c.address(0), "-i", "@" + file.string()}),
              "Certificate generated successfully\nSuccess\n");
    const std::string three =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    EXPECT_EQ(c.show_until(0, three), three);
}

TEST(Secrets, aKeyOthersCanReadStopsTheDaemonWithTheChmodToRun) {
    cc::it::Member m;
    ASSERT_EQ(m.cli("collective", {"gencert"}).status, 0);
    auto key = m.etc / "privkey.pem";
    ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
    EXPECT_EQ(m.start_expect_exit(), 1);
    EXPECT_NE(m.log().find("key " + key.string() +
                           " is accessible by group or others (mode 0644); run 'chmod 600 " +
                           key.string() + "'"),
              std::string::npos)
        << m.log();
    ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
    m.start();
}

TEST(Secrets, filesWithSecretsArePrivateAndTheDaemonsUmaskIs077) {
    Cluster c(2);
    c.start_all();
    c.invite_and_join(0, 1);
    c.ok(0, "nodegroupdefine",
         {"rack1", "secret.hardwaremanagementpassword=PASSWORD", "collective.manager=mgt1"});
    c.ok(0, "nodedefine", {"n1", "groups=rack1", "secret.hardwaremanagementuser=admin"});
    EXPECT_EQ(c.out_until(1, "nodelist", {}, "n1\n"), "n1\n");
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_FALSE(c[i].daemon_fingerprint().empty());  // the daemon is up
        std::ifstream proc("/proc/" + std::to_string(c[i].pid()) + "/status");
        std::string line, umask;
        while (std::getline(proc, line))
            if (line.rfind("Umask:", 0) == 0) umask = line;
        EXPECT_EQ(umask, "Umask:\t0077") << i;
        EXPECT_EQ(mode_of(c[i].etc / "privkey.pem"), 0600u);
        EXPECT_EQ(mode_of(c[i].etc / "srvcert.pem"), 0644u);
        EXPECT_EQ(mode_of(c[i].run / "api.sock"), 0600u);
        for (const auto& e : std::filesystem::directory_iterator(c[i].log_dir()))
            EXPECT_EQ(mode_of(e.path()), 0600u) << e.path();
        EXPECT_EQ(mode_of(c[i].log_dir()), 0700u);
    }
    // The cfg writer writes the files a moment after the apply.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (size_t i = 0; i < 2; ++i)
        for (const char* f : {"nodes", "nodegroups"}) {
            auto p = c[i].cfg() / f;
            while (!std::filesystem::exists(p) && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(50ms);
            EXPECT_EQ(mode_of(p), 0600u) << p;
        }
    EXPECT_EQ(mode_of(c[0].cfg() / "collective"), 0644u);
}

TEST(CollectiveOptions, eachSubcommandTakesOnlyItsOwnOptions) {
    cc::it::Member m;  // no daemon needed: the command line is checked first
    auto fails = [&](const std::vector<std::string>& args) {
        auto r = m.cli("collective", args);
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_EQ(r.out, "");
        if (!r.err.empty() && r.err.back() == '\n') r.err.pop_back();
        EXPECT_EQ(r.err.find('\n'), std::string::npos) << r.err;
        return r.err;
    };
    const std::string show_takes =
        " (its options: -v/--verbose, --json; see collective show --help)";
    EXPECT_EQ(fails({"show", "-n"}),
              "collective show: -n/--nonvoting does not apply to show" + show_takes);
    EXPECT_EQ(fails({"show", "--ttl", "5"}),
              "collective show: --ttl does not apply to show" + show_takes);
    EXPECT_EQ(fails({"show", "-i", "x"}),
              "collective show: -i/--invitation does not apply to show" + show_takes);
    EXPECT_EQ(fails({"gencert", "-v"}),
              "collective gencert: -v/--verbose does not apply to gencert (it takes no options; "
              "see collective gencert --help)");
    EXPECT_EQ(fails({"delete", "mgt2", "--ttl", "5"}),
              "collective delete: --ttl does not apply to delete (it takes no options; see "
              "collective delete --help)");
    EXPECT_EQ(fails({"join", "mgt1", "-n", "-i", "x"}),
              "collective join: -n/--nonvoting does not apply to join (its options: "
              "-i/--invitation; see collective join --help)");
    EXPECT_EQ(fails({"invite", "mgt2", "-v"}),
              "collective invite: -v/--verbose does not apply to invite (its options: "
              "-n/--nonvoting, --ttl, --list, --revoke, --json; see collective invite --help)");
    const std::string one_of =
        "collective invite: give one of NAME [-n] [--ttl SECONDS], --list or --revoke NAME (see "
        "collective invite --help)";
    EXPECT_EQ(fails({"invite", "--list", "mgt2"}), one_of);
    EXPECT_EQ(fails({"invite", "--list", "-n"}), one_of);
    EXPECT_EQ(fails({"invite", "--revoke", "mgt2", "--ttl", "5"}), one_of);
    EXPECT_EQ(fails({"invite", "--list", "--revoke", "mgt2"}), one_of);
    EXPECT_EQ(
        fails({"invite", "-n"}),
        "usage: collective invite NAME [-n] [--ttl SECONDS] | invite --list [--json] | invite "
        "--revoke NAME (see collective invite --help)");
    EXPECT_EQ(fails({"show", "--nosuch"}),
              "collective: unrecognised option '--nosuch' (see collective --help)");

    // --help: the whole tool, or one subcommand and only its options.
    auto all = m.cli("collective", {"--help"});
    EXPECT_EQ(all.status, 0) << all;
    for (std::string s : {"  gencert\n", "  invite NAME", "  join SERVER", "  show [-v]",
                          "  delete NAME\n", "--ttl", "--json", "Exit status"})
        EXPECT_NE(all.out.find(s), std::string::npos) << s << "\n" << all.out;
    auto show = m.cli("collective", {"show", "--help"});
    EXPECT_EQ(show.status, 0) << show;
    EXPECT_EQ(show.out.rfind("Usage: collective show [-v] [--json]\n", 0), 0u) << show.out;
    EXPECT_NE(show.out.find("--json"), std::string::npos);
    EXPECT_NE(show.out.find("--etc-dir"), std::string::npos);
    EXPECT_EQ(show.out.find("--ttl"), std::string::npos) << show.out;
    EXPECT_EQ(show.out.find("--nonvoting"), std::string::npos) << show.out;
    auto join = m.cli("collective", {"join", "-h"});
    EXPECT_EQ(join.status, 0) << join;
    EXPECT_NE(join.out.find("@FILE"), std::string::npos) << join.out;
    EXPECT_EQ(join.out.find("--verbose"), std::string::npos) << join.out;
}

}  // namespace
