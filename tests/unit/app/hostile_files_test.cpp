// Regressions of what the fuzz targets of the file loaders found (see
// RELIABILITY.md "Fuzzing"): every loader of a TOML file from outside
// refuses a float where it wants an integer with its own error, instead of
// toml++'s unchecked float-to-integer cast (undefined behaviour for 1e46,
// caught by the UBSan pass), and the device store refuses on load what it
// refuses to add.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/app/config.hpp"
#include "daemon/crypto/invitation_book.hpp"
#include "daemon/discovery/device_store.hpp"
#include "daemon/state/database.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/storage_error.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

TEST(HostileFiles, hugeFloatInsteadOfAnIntegerIsAnErrorInEveryLoader) {
    cc::test::TempDir dir("cc-hostile");
    const auto& d = dir.path();

    write_text(d / "confluent.toml", "[collective]\nport = 1.8e46\n");
    cc::app::Overrides flags;
    flags.config_file = d / "confluent.toml";
    EXPECT_THROW(cc::app::resolve_config(flags, [](const std::string&) { return std::nullopt; }),
                 cc::app::ConfigError);

    write_text(d / "invitations",
               "[invitations.mgt2]\nexpires = 1.8e46\nrole = 'voter'\nsecret = 'AAAA'\n");
    EXPECT_THROW(cc::crypto::InvitationBook(d / "invitations"), cc::crypto::InvitationFileError);

    write_text(d / "collective", "applied_index = 1.8e46\n");
    EXPECT_THROW(cc::state::load_collective(d / "collective"), cc::state::ConfigFileError);

    write_text(d / "cfg" / "nodes", "applied_index = -1.8e46\n");
    EXPECT_THROW(cc::state::Database::load(d / "cfg"), cc::state::ConfigFileError);

    write_text(d / "hardstate", "format = 1.8e46\nterm = 1\n");
    EXPECT_THROW(cc::storage::HardStateFile(d / "hardstate").load(), cc::storage::StorageError);
}

TEST(HostileFiles, invitationExpiringPastTheClocksRangeIsAnError) {
    // Year 2543: seconds * 10^9 overflows the clock's int64 nanoseconds.
    cc::test::TempDir dir("cc-hostile");
    write_text(dir.path() / "invitations",
               "[invitations.mgt2]\nexpires = 18100003540\nrole = 'voter'\nsecret = '" +
                   std::string(88, 'A') + "'\n");
    EXPECT_THROW(cc::crypto::InvitationBook(dir.path() / "invitations"),
                 cc::crypto::InvitationFileError);
}

TEST(HostileFiles, deviceStoreRefusesOnLoadWhatItRefusesToAdd) {
    for (std::string device : {"mac = 'aa:bb:cc:dd:ee:01'\nip = ['fdp0::9']\n",
                               "mac = 'aa:bb:cc:dd:ee:01'\nmodel = \"a\\u001b[31mb\"\n"}) {
        cc::test::TempDir dir("cc-hostile");
        write_text(dir.path() / "discovery" / "devices", "format = 1\n[[device]]\n" + device);
        EXPECT_THROW(cc::discovery::DeviceStore{dir.path()}, cc::storage::StorageError) << device;
    }
    // What add() writes loads back.
    cc::test::TempDir dir("cc-hostile");
    {
        cc::discovery::DeviceStore store(dir.path());
        store.add({"AA-BB-CC-DD-EE-01", "M1", "S1", "", "server", {"10.0.0.9", "fd00::9"}});
    }
    cc::discovery::DeviceStore again(dir.path());
    ASSERT_NE(again.find("aa:bb:cc:dd:ee:01"), nullptr);
    EXPECT_EQ(again.find("aa:bb:cc:dd:ee:01")->ips,
              (std::vector<std::string>{"10.0.0.9", "fd00::9"}));
}

}  // namespace
