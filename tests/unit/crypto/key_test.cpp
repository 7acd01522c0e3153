#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "daemon/crypto/key.hpp"
#include "daemon/util/fs.hpp"
#include "tests/support/skip_or_fail.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/crypto/run_command.hpp"

namespace {

using cc::test::run_command;
using cc::test::TempDir;

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

// Second field of `ssh-keygen -lf` output: "384 SHA256:... comment (ECDSA)".
std::string fingerprint_field(const std::string& s) {
    auto a = s.find(' ');
    auto b = s.find(' ', a + 1);
    return s.substr(a + 1, b - a - 1);
}

TEST(GenerateKeyAndCert, writesPrivateKeyWithMode0600AndCertificate) {
    TempDir dir;
    auto etc = dir.path() / "etc";
    EXPECT_FALSE(cc::crypto::key_exists(etc));
    cc::crypto::generate_key_and_cert(etc, "mgt1.example");
    EXPECT_TRUE(cc::crypto::key_exists(etc));
    struct stat st {};
    ASSERT_EQ(::stat((etc / "privkey.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto pem = cc::fs::read_file(etc / "privkey.pem");
    EXPECT_EQ(first_line(pem), "-----BEGIN PRIVATE KEY-----");
    auto cert = cc::fs::read_file(etc / "srvcert.pem");
    EXPECT_EQ(first_line(cert), "-----BEGIN CERTIFICATE-----");
}

TEST(GenerateKeyAndCert, certificateNamesTheHostAndCarriesTheKey) {
    TempDir dir;
    cc::crypto::generate_key_and_cert(dir.path(), "mgt7");
    auto r = run_command("openssl x509 -noout -subject -in " +
                         (dir.path() / "srvcert.pem").string() + " 2>/dev/null");
    if (r.status == 127) SKIP_OR_FAIL("openssl not installed");
    ASSERT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("CN = mgt7"), std::string::npos) << r.out;
}

TEST(LoadPrivateKey, openSshDerivesTheSamePublicKeyAndFingerprint) {
    TempDir dir;
    cc::crypto::generate_key_and_cert(dir.path(), "mgt1");
    auto key = cc::crypto::load_private_key(dir.path() / "privkey.pem");
    EXPECT_EQ(key.fingerprint.rfind("SHA256:", 0), 0u);
    EXPECT_EQ(key.fingerprint.size(), 7u + 43u);

    auto y = run_command("ssh-keygen -y -f " + (dir.path() / "privkey.pem").string());
    ASSERT_EQ(y.status, 0) << "ssh-keygen -y could not load our PKCS#8 key";
    EXPECT_EQ(first_line(y.out), cc::crypto::openssh_public_key_line(key.blob));

    auto pub = dir.path() / "key.pub";
    std::ofstream(pub) << cc::crypto::openssh_public_key_line(key.blob, "mgt1") << "\n";
    auto l = run_command("ssh-keygen -lf " + pub.string());
    ASSERT_EQ(l.status, 0);
    EXPECT_EQ(fingerprint_field(l.out), key.fingerprint) << l.out;
}

TEST(LoadPrivateKey, eachGeneratedKeyIsDifferent) {
    TempDir a, b;
    cc::crypto::generate_key_and_cert(a.path(), "x");
    cc::crypto::generate_key_and_cert(b.path(), "x");
    EXPECT_NE(cc::crypto::load_private_key(a.path() / "privkey.pem").fingerprint,
              cc::crypto::load_private_key(b.path() / "privkey.pem").fingerprint);
}

TEST(LoadPrivateKey, rejectsMissingGarbledAndWrongCurveKeys) {
    TempDir dir;
    EXPECT_THROW(cc::crypto::load_private_key(dir.path() / "none.pem"), cc::crypto::KeyError);
    cc::fs::write_atomic(dir.path() / "junk.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n", 0600);
    EXPECT_THROW(cc::crypto::load_private_key(dir.path() / "junk.pem"), cc::crypto::KeyError);
    auto p256 = dir.path() / "p256.pem";
    auto r = run_command("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                         p256.string() + " 2>/dev/null");
    if (r.status == 0) {
        std::filesystem::permissions(
            p256, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        try {
            cc::crypto::load_private_key(p256);
            ADD_FAILURE() << "a P-256 key was accepted";
        } catch (const cc::crypto::KeyError& e) {
            EXPECT_NE(std::string(e.what()).find("not an ECDSA P-384 key"), std::string::npos);
        }
    }
}

TEST(LoadPrivateKey, refusesAKeyGroupOrOthersCanReachAndSaysHowToFixIt) {
    TempDir dir;
    cc::crypto::generate_key_and_cert(dir.path(), "mgt1");
    auto key = dir.path() / "privkey.pem";
    for (unsigned mode : {0644u, 0640u, 0604u, 0620u, 0610u}) {
        ASSERT_EQ(::chmod(key.c_str(), mode), 0);
        try {
            cc::crypto::load_private_key(key);
            ADD_FAILURE() << "a key of mode " << std::oct << mode << " was loaded";
        } catch (const cc::crypto::KeyError& e) {
            std::string why = e.what();
            EXPECT_NE(why.find("run 'chmod 600 " + key.string() + "'"), std::string::npos) << why;
            EXPECT_EQ(why.find('\n'), std::string::npos) << why;
        }
    }
    // Owner-only modes load.
    for (unsigned mode : {0600u, 0400u}) {
        ASSERT_EQ(::chmod(key.c_str(), mode), 0);
        EXPECT_NO_THROW(cc::crypto::load_private_key(key)) << std::oct << mode;
    }
}

TEST(OpensshFingerprint, matchesAKnownOpenSshValue) {
    // Wire blob "ecdsa-sha2-nistp384" key from OpenSSH's test vectors is not
    // needed: the fingerprint of the empty blob is SHA-256 of nothing.
    EXPECT_EQ(cc::crypto::openssh_fingerprint(""),
              "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
}

TEST(SshKeyBlob, hasTheRfc5656Layout) {
    std::string point(97, '\x04');
    auto blob = cc::crypto::ssh_key_blob(point);
    ASSERT_EQ(blob.size(), 4u + 19 + 4 + 8 + 4 + 97);
    EXPECT_EQ(blob.substr(0, 4), std::string("\0\0\0\x13", 4));
    EXPECT_EQ(blob.substr(4, 19), "ecdsa-sha2-nistp384");
    EXPECT_EQ(blob.substr(27, 8), "nistp384");
    EXPECT_EQ(blob.substr(35, 4), std::string("\0\0\0\x61", 4));
}

}  // namespace
