// secret.* and crypted.* attributes on real members (SECURITY.md): a secret
// set on one member of three is sealed there, once, before the log; no file
// of any member holds it in clear (nor its base64 or hex); every read shows
// ********; and every member's daemon still uses it, a member restored from
// its four files included: the BMC of the node it manages (an ipmi_sim
// process) only answers with the right user and password.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/collective/cluster.hpp"
#include "tests/support/ipmi_sim.hpp"
#include "tests/support/read_file.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using cc::test::read_file;

namespace fs = std::filesystem;
using cc::ct::Cluster;
using cc::test::SimBmc;
using namespace std::chrono_literals;

// Distinctive values, so that a scan cannot meet them by chance.
const std::string kUser = "opQ7xUser";
const std::string kPassword = "Pw9zK3uniqueZZ";
const std::string kRootPassword = "Root7Crypted-Qv";
const std::string kKeyLine = "this member has the collective's data key";

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < in.size(); i += 3) {
        uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
        if (i + 2 < in.size()) v |= uint8_t(in[i + 2]);
        out += t[(v >> 18) & 63];
        out += t[(v >> 12) & 63];
        out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? t[v & 63] : '=';
    }
    return out;
}

std::string hex(const std::string& in, bool upper) {
    const char* d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (unsigned char ch : in) {
        out += d[ch >> 4];
        out += d[ch & 15];
    }
    return out;
}

// The clear value and its encodings: base64 at each of the three alignments
// (the part that does not depend on the neighbouring bytes), hex.
std::vector<std::string> forms_of(const std::string& clear) {
    std::vector<std::string> forms{clear, hex(clear, false), hex(clear, true)};
    for (size_t k = 0; k < 3; ++k) {
        std::string b = base64(std::string(k, '\0') + clear);
        size_t skip = k ? 4 : 0;
        forms.push_back(b.substr(skip, b.size() - skip - 4));
    }
    return forms;
}

// Every regular file under `dir` that holds one of `forms`.
std::vector<std::string> files_holding(const fs::path& dir, const std::vector<std::string>& forms) {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        const std::string bytes = read_file(e.path());
        for (const auto& f : forms)
            if (bytes.find(f) != std::string::npos)
                found.push_back(e.path().string() + " holds \"" + f + "\"");
    }
    return found;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

size_t count_in(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// Waits until member i's log holds `line` at least `times` times.
bool logged(Cluster& c, size_t i, const std::string& line, size_t times,
            std::chrono::milliseconds bound = 15s) {
    auto until = std::chrono::steady_clock::now() + bound;
    while (count_in(c[i].log(), line) < times) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

bool file_holds_within(const fs::path& p, const std::string& what, std::chrono::seconds bound) {
    auto until = std::chrono::steady_clock::now() + bound;
    while (read_file(p).find(what) == std::string::npos) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(100ms);
    }
    return true;
}

// Keeps privkey.pem, srvcert.pem, cfg/collective and cfg/myname of member
// i, loses everything else (README "restore"), and starts it again.
void restore_from_four_files(Cluster& c, size_t i) {
    c[i].kill9();
    fs::path keep = c[i].root / "keep";
    fs::create_directories(keep);
    for (const char* f : {"privkey.pem", "srvcert.pem"}) fs::copy(c[i].etc / f, keep / f);
    for (const char* f : {"collective", "myname"}) fs::copy(c[i].cfg() / f, keep / f);
    fs::remove_all(c[i].state);
    fs::remove_all(c[i].cfg());
    fs::create_directories(c[i].cfg());
    for (const char* f : {"collective", "myname"}) fs::copy(keep / f, c[i].cfg() / f);
    fs::remove_all(keep);
    c[i].start();
}

TEST(Secrets, sealedOnEveryDiskMaskedInEveryReadAndUsableOnEveryMember) {
    if (SimBmc::program().empty())
        SKIP_OR_FAIL("ipmi_sim is not installed (scripts/install-deps.sh installs openipmi)");
    std::vector<std::unique_ptr<SimBmc>> sims;
    for (int n = 0; n < 3; ++n)
        sims.push_back(std::make_unique<SimBmc>(SimBmc::Options{kUser, kPassword}));
    Cluster c(3);
    c.start_all();
    c.invite_and_join(0, 1);
    c.invite_and_join(1, 2);
    // One key for the collective: the founder's (or its leader's), given to
    // the others over the member links.
    ASSERT_TRUE(logged(c, 0, kKeyLine, 1)) << c[0].log();
    for (size_t i = 1; i < 3; ++i)
        ASSERT_TRUE(logged(c, i, kKeyLine + " (received from", 1)) << c[i].log();

    // Set on mgt2, a follower: sealed there; the result line is masked too.
    EXPECT_EQ(c.ok(1, "nodegroupdefine",
                   {"rack", "secret.hardwaremanagementuser=" + kUser,
                    "secret.hardwaremanagementpassword=" + kPassword}),
              "rack: created\n");
    for (int n = 1; n <= 3; ++n)
        c.ok(1, "nodedefine",
             {"n" + std::to_string(n), "groups=rack", "collective.manager=mgt" + std::to_string(n),
              "hardwaremanagement.manager=127.0.0.1:" + std::to_string(sims[n - 1]->port())});
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "crypted.rootpassword=" + kRootPassword}),
              "n1: ********\n");
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n2", "crypted.rootpassword=$6$given$hash"}),
              "n2: ********\n");

    // Every member, every read form: ********.
    const std::string shown =
        "n1: crypted.rootpassword: ********\n"
        "n1: secret.hardwaremanagementpassword: ********\n"
        "n1: secret.hardwaremanagementuser: ********\n";
    const std::vector<std::string> attrs{"n1", "crypted.rootpassword",
                                         "secret.hardwaremanagementpassword",
                                         "secret.hardwaremanagementuser"};
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(c.out_until(i, "nodeattrib", attrs, shown), shown) << "mgt" << i + 1;
        auto blamed = attrs;
        blamed.push_back("-b");
        EXPECT_EQ(c.ok(i, "nodeattrib", blamed),
                  "n1: crypted.rootpassword: ********\n"
                  "n1: secret.hardwaremanagementpassword: ******** (inherited from group rack)\n"
                  "n1: secret.hardwaremanagementuser: ******** (inherited from group rack)\n");
        for (const auto& tool : {"nodeattrib", "nodegroupattrib"}) {
            std::string json =
                c.ok(i, tool, {tool == std::string("nodeattrib") ? "n1" : "rack", "--json"});
            EXPECT_NE(json.find("\"********\""), std::string::npos) << json;
            for (const auto& f : forms_of(kPassword)) EXPECT_EQ(json.find(f), std::string::npos);
        }
    }

    // The daemons use it: each node runs on its own manager, whose daemon
    // decrypts the credentials the BMC checks.
    EXPECT_EQ(c.ok(0, "nodepower", {"n1-n3"}), "n1: off\nn2: off\nn3: off\n");

    // crypted.*: a SHA-512 crypt(3) hash in cfg/nodes; a given hash as given.
    const fs::path nodes = c[0].cfg() / "nodes";
    EXPECT_TRUE(file_holds_within(nodes, "$6$given$hash", 10s));
    const std::string text = read_file(nodes);
    const size_t at = text.find("crypted.rootpassword");
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_NE(text.find("\"$6$", at), std::string::npos) << text;

    // mgt3 restored from its four files gets the key back from the others
    // and powers its own node n3 with it.
    restore_from_four_files(c, 2);
    EXPECT_TRUE(logged(c, 2, kKeyLine + " (received from", 2)) << c[2].log();
    EXPECT_EQ(c.out_until(2, "nodepower", {"n3"}, "n3: off\n", 20s), "n3: off\n") << c[2].log();
    EXPECT_EQ(c.ok(0, "nodepower", {"n3", "on"}), "n3: on\n");
    EXPECT_EQ(sims[2]->power_state(), "on");

    // Nothing in clear on any disk: files flushed, daemons stopped, then
    // every file of every member (etc, state, run, the daemon's log) scanned.
    for (size_t i = 0; i < 3; ++i) ASSERT_EQ(c[i].stop(), 0) << c[i].log();
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(mode_of(c[i].state / "collective" / "datakey"), 0600u) << i;
        EXPECT_EQ(read_file(c[i].state / "collective" / "datakey").rfind("!wrap1:", 0), 0u);
        EXPECT_EQ(mode_of(c[i].cfg() / "nodes"), 0600u) << i;
        EXPECT_EQ(mode_of(c[i].cfg() / "nodegroups"), 0600u) << i;
        for (const auto& e : fs::directory_iterator(c[i].log_dir()))
            EXPECT_EQ(mode_of(e.path()), 0600u) << e.path();
    }
    std::vector<std::string> forms = forms_of(kPassword);
    for (const auto& f : forms_of(kUser)) forms.push_back(f);
    for (const auto& f : forms_of(kRootPassword)) forms.push_back(f);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(files_holding(c[i].root, forms), std::vector<std::string>{}) << "mgt" << i + 1;
        EXPECT_NE(read_file(c[i].cfg() / "nodegroups").find("!enc1:"), std::string::npos);
    }
}

}  // namespace
