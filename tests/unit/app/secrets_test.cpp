// Secrets on the proposing member (protect_secrets), the one decrypting
// accessor (read_secret) and the masking of reads and result lines.
#include "daemon/app/secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "daemon/app/api_answers.hpp"
#include "daemon/util/fs.hpp"

namespace {

namespace fs = std::filesystem;
using cc::app::DataKeyKeeper;

class SecretsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root = fs::temp_directory_path() / ("cc-secrets-" + std::to_string(::getpid()));
        fs::remove_all(root);
        fs::create_directories(root / "state" / "collective");
    }
    void TearDown() override { fs::remove_all(root); }
    std::unique_ptr<DataKeyKeeper> keeper(bool in_collective) {
        return std::make_unique<DataKeyKeeper>(
            io, root / "etc", root / "state", "mgt1",
            DataKeyKeeper::Peers{[in_collective] { return in_collective; },
                                 [in_collective] {
                                     proto::Membership m;
                                     m.members.push_back({"mgt1", "", "", proto::Role::Voter});
                                     if (in_collective)
                                         m.members.push_back({"mgt2", "", "", proto::Role::Voter});
                                     return m;
                                 },
                                 [](const std::string&) { return 0u; }, [] { return false; },
                                 [](const std::string&, const proto::PeerMessage&) {}});
    }
    void apply(proto::Command c) {
        ASSERT_FALSE(db.prepare(c).has_value());
        ASSERT_TRUE(db.apply(c, ++index).ok());
    }
    boost::asio::io_context io;
    fs::path root;
    cc::state::Database db;
    uint64_t index = 0;
};

TEST_F(SecretsTest, aMemberWithoutTheKeyRefusesASecretAndChangesNothing) {
    auto keys = keeper(true);
    keys->start();
    proto::Command c = proto::SetGroupAttributes{
        "rack1", {{"secret.hardwaremanagementpassword", "PASSWORD"}}, true};
    const proto::Command before = c;
    auto why = cc::app::protect_secrets(c, *keys, "mgt1");
    ASSERT_TRUE(why.has_value());
    EXPECT_EQ(*why,
              "mgt1 is waiting for the collective's data key, which encrypts secret.* values; "
              "retry in a moment (nothing was changed)");
    EXPECT_EQ(c, before);
    EXPECT_FALSE(fs::exists(keys->path()));
    // Without secrets, writes go on.
    proto::Command plain = proto::SetGroupAttributes{"rack1", {{"room", "a"}}, true};
    EXPECT_FALSE(cc::app::protect_secrets(plain, *keys, "mgt1").has_value());
}

TEST_F(SecretsTest, aLoneServerCreatesTheKeySealsSecretsAndHashesCrypted) {
    auto keys = keeper(false);
    proto::Command c = proto::DefineGroup{"rack1",
                                          {{"secret.hardwaremanagementpassword", "PASSWORD"},
                                           {"secret.hardwaremanagementuser", "admin"},
                                           {"crypted.rootpassword", "rootpw"},
                                           {"crypted.grubpassword", "$6$salt$given"},
                                           {"secret.empty", ""},
                                           {"room", "a"}}};
    ASSERT_FALSE(cc::app::protect_secrets(c, *keys, "mgt1").has_value());
    ASSERT_NE(keys->key(), nullptr);
    // The wrapped key file: 0600, and the key itself is not in it.
    struct stat st {};
    ASSERT_EQ(::stat(keys->path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const auto& a = std::get<proto::DefineGroup>(c).attributes;
    EXPECT_EQ(a.at("secret.hardwaremanagementpassword").rfind("!enc1:", 0), 0u);
    EXPECT_EQ(a.at("secret.hardwaremanagementuser").rfind("!enc1:", 0), 0u);
    EXPECT_EQ(a.at("crypted.rootpassword").rfind("$6$", 0), 0u);
    EXPECT_EQ(a.at("crypted.grubpassword"), "$6$salt$given");
    EXPECT_EQ(a.at("secret.empty"), "");
    EXPECT_EQ(a.at("room"), "a");

    apply(c);
    apply(proto::DefineNodes{"n1", {{"groups", "rack1"}}});
    EXPECT_EQ(cc::app::read_secret(db, *keys, "n1", "secret.hardwaremanagementpassword"),
              "PASSWORD");
    EXPECT_EQ(cc::app::read_secret(db, *keys, "n1", "secret.hardwaremanagementuser"), "admin");
    EXPECT_EQ(cc::app::read_secret(db, *keys, "n1", "secret.unset"), "");

    // A restart of the daemon reads the key back from its wrapped file.
    auto again = keeper(false);
    again->start();
    again->stop();
    ASSERT_NE(again->key(), nullptr);
    EXPECT_EQ(*again->key(), *keys->key());

    // Reads and result lines show ******** for a set value, "" for an empty one.
    proto::ApiNodeQuery q{
        "n1",
        {"secret.hardwaremanagementpassword", "crypted.rootpassword", "secret.empty", "room"},
        false,
        true};
    auto objs = std::get<proto::ApiObjects>(cc::app::query_nodes(db, q)).objects;
    EXPECT_EQ(objs.at(0).attributes, (std::vector<proto::ApiAttribute>{
                                         {"secret.hardwaremanagementpassword", "********", "rack1"},
                                         {"crypted.rootpassword", "********", "rack1"},
                                         {"secret.empty", "", "rack1"},
                                         {"room", "a", "rack1"}}));
    proto::Command set = proto::SetNodeAttributes{"n1", {{"secret.x", "y"}}, std::nullopt};
    ASSERT_FALSE(cc::app::protect_secrets(set, *keys, "mgt1").has_value());
    ASSERT_FALSE(db.prepare(set).has_value());
    auto r = db.apply(set, ++index);
    ASSERT_EQ(r.lines.size(), 1u);
    EXPECT_EQ(r.lines[0].text, "********");
}

TEST_F(SecretsTest, aClearValueOfAnOlderBuildStaysReadable) {
    auto keys = keeper(true);
    apply(proto::DefineNodes{"n1", {{"secret.hardwaremanagementpassword", "old-clear"}}});
    EXPECT_EQ(cc::app::read_secret(db, *keys, "n1", "secret.hardwaremanagementpassword"),
              "old-clear");
}

TEST_F(SecretsTest, aKeyFileThatDoesNotUnwrapIsNeitherUsedNorReplacedOnALoneServer) {
    auto keys = keeper(false);
    proto::Command c = proto::DefineNodes{"n1", {{"secret.a", "b"}}};
    ASSERT_FALSE(cc::app::protect_secrets(c, *keys, "mgt1").has_value());
    const std::string wrapped = cc::fs::read_file(keys->path());
    // Another member key (privkey.pem replaced): the file no longer unwraps.
    fs::remove(root / "etc" / "privkey.pem");
    cc::crypto::generate_key_and_cert(root / "etc", "mgt1");
    auto after = keeper(false);
    after->start();
    after->stop();
    EXPECT_EQ(after->key(), nullptr);
    proto::Command d = proto::DefineNodes{"n2", {{"secret.a", "b"}}};
    EXPECT_TRUE(cc::app::protect_secrets(d, *after, "mgt1").has_value());
    EXPECT_EQ(cc::fs::read_file(keys->path()), wrapped);
}

}  // namespace
