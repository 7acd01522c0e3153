// A full disk under the state dir, and key generation checked with OpenSSH.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "tests/integration/harness.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using cc::it::Member;
namespace fs = std::filesystem;

// A small tmpfs mounted over a directory for the test's lifetime (lazily
// unmounted, so a still-running daemon cannot keep it busy).
class SmallDisk {
  public:
    explicit SmallDisk(const fs::path& dir) : dir_(dir) {
        fs::create_directories(dir);
        mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=4m") == 0;
    }
    ~SmallDisk() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    // Fills the disk completely.
    void fill() {
        std::ofstream f(dir_ / "filler", std::ios::binary);
        std::string block(64 * 1024, 'x');
        while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) {
        }
    }
    void unfill() { fs::remove(dir_ / "filler"); }

  private:
    fs::path dir_;
    bool mounted_ = false;
};

TEST(Faults, fullDisk_failsTheWriteWithOneLineChangesNothingAndServesReads) {
    Member m;
    SmallDisk disk(m.state);
    if (!disk.mounted()) SKIP_OR_FAIL("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1", "a=1"}).status, 0);
    disk.fill();
    // The log's preallocated space (256 KiB) still has room: write big
    // values until one does not fit.
    std::string last_ok = "1";
    cc::it::CmdResult r;
    for (int i = 2; i < 200; ++i) {
        std::string value = std::to_string(i) + std::string(3000, 'v');
        r = m.cli("nodeattrib", {"n1", "a=" + value});
        if (r.status != 0) break;
        last_ok = value;
    }
    // A lone server's failed log write: refused, nothing changed (exit 2).
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r;
    // Reads still work and show nothing changed.
    r = m.cli("nodeattrib", {"n1", "a"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "n1: a: " + last_ok + "\n");
    // Once space is back, writes work again (after the lone member has
    // re-established its leadership, which a failed append gives up).
    disk.unfill();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
        r = m.cli("nodeattrib", {"n1", "a=3"});
    } while (r.status != 0 && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(m.cli("nodeattrib", {"n1", "a"}).out, "n1: a: 3\n");
    EXPECT_TRUE(m.running());
}

TEST(Keys, gencert_makesAKeyOpenSshLoadsWithTheFingerprintTheDaemonReports) {
    Member m;
    auto r = m.cli("collective", {"gencert"});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "Certificate generated successfully\n");
    auto key = m.etc / "privkey.pem";
    EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_TRUE(fs::exists(m.etc / "srvcert.pem"));
    // OpenSSH loads the key and computes its fingerprint.
    auto pub = cc::it::run_program("/usr/bin/ssh-keygen", {"-y", "-f", key.string()}, {});
    ASSERT_EQ(pub.status, 0) << pub;
    std::ofstream(m.root / "key.pub") << pub.out;
    auto fp =
        cc::it::run_program("/usr/bin/ssh-keygen", {"-lf", (m.root / "key.pub").string()}, {});
    ASSERT_EQ(fp.status, 0) << fp;
    // "384 SHA256:... comment (ECDSA)"
    auto begin = fp.out.find("SHA256:");
    ASSERT_NE(begin, std::string::npos) << fp.out;
    std::string ssh_fp = fp.out.substr(begin, fp.out.find(' ', begin) - begin);
    m.start();
    auto reported = m.daemon_fingerprint();
    EXPECT_EQ(reported, ssh_fp);
    // A second gencert keeps the key.
    r = m.cli("collective", {"gencert"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.err.find("already exists"), std::string::npos);
    EXPECT_EQ(m.daemon_fingerprint(), ssh_fp);
}

}  // namespace
