// hardstate and snapshot-meta: absent is a value, corrupt is an error naming
// the file and the reason, and what is saved comes back.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
}

// The message of the StorageError that `load` throws, or a failure.
template <class F>
std::string error_of(F load) {
    try {
        load();
    } catch (const StorageError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no StorageError";
    return {};
}

TEST(HardStateFile, load_ofAMissingFileIsNothing) {
    TempDir dir;
    EXPECT_EQ(HardStateFile(dir.path() / "hardstate").load(), std::nullopt);
}

TEST(HardStateFile, save_thenLoadGivesItBack) {
    TempDir dir;
    HardStateFile f(Layout(dir.path()).collective() / "hardstate");
    fs::create_directories(f.path().parent_path());
    f.save(HardState{7, "mgt2"});
    EXPECT_EQ(f.load(), (HardState{7, "mgt2"}));
    f.save(HardState{8, ""});
    EXPECT_EQ(f.load(), (HardState{8, ""}));
    EXPECT_EQ(fs::status(f.path()).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    std::string text((std::istreambuf_iterator<char>(std::ifstream(f.path()).rdbuf())), {});
    EXPECT_NE(text.find("term = 8"), std::string::npos) << text;
    EXPECT_EQ(text.find("voted_for"), std::string::npos) << text;
}

TEST(HardStateFile, save_keepsNamesThatNeedQuoting) {
    TempDir dir;
    HardStateFile f(dir.path() / "hardstate");
    f.save(HardState{1, "odd \"name\"\\"});
    EXPECT_EQ(f.load(), (HardState{1, "odd \"name\"\\"}));
}

TEST(HardStateFile, load_ofACorruptFileIsAnErrorNamingFileAndReason) {
    TempDir dir;
    HardStateFile f(dir.path() / "hardstate");
    const std::string p = f.path().string();
    struct Case {
        std::string text;
        std::string reason;
    };
    for (const Case& c : {
             Case{"format = 1\nterm = \n", p + ":2: "},
             Case{std::string(64, '\0'), p + ":1: "},
             Case{"format = 1\nvoted_for = \"mgt1\"\n", p + ": term is missing"},
             Case{"format = 1\nterm = -3\n", p + ":2: term must be a non-negative integer"},
             Case{"format = 1\nterm = \"7\"\n", p + ":2: term must be a non-negative integer"},
             Case{"format = 1\nterm = 7\nvoted_for = 3\n", p + ":3: voted_for must be a string"},
             Case{"term = 7\n", p + ": format must be a positive integer"},
         }) {
        write_text(f.path(), c.text);
        std::string what = error_of([&] { f.load(); });
        EXPECT_NE(what.find(c.reason), std::string::npos) << what;
        EXPECT_NE(what.find("remove the file"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
    write_text(f.path(), "format = 2\nterm = 7\n");
    EXPECT_NE(error_of([&] { f.load(); }).find("has format 2, newer"), std::string::npos);
}

TEST(HardStateFile, save_intoAMissingDirectoryNamesThePath) {
    TempDir dir;
    HardStateFile f(dir.path() / "missing" / "hardstate");
    std::string what = error_of([&] { f.save(HardState{1, ""}); });
    EXPECT_NE(what.find("cannot write " + f.path().string()), std::string::npos) << what;
    EXPECT_NE(what.find("No such file or directory"), std::string::npos) << what;
}

SnapshotMeta sample_meta() {
    // mgt4 is a joining voter the leader has yet to promote: that must survive.
    return SnapshotMeta{52310,
                        6,
                        {{{"mgt1", "10.0.0.1:13001", "SHA256:abc", proto::Role::Voter},
                          {"mgt3", "[::1]:13003", "SHA256:def", proto::Role::NonVoter},
                          {"mgt4", "10.0.0.4:13001", "SHA256:ghi", proto::Role::NonVoter, true}}},
                        52001};
}

TEST(SnapshotMetaFile, load_ofAMissingFileIsNothing) {
    TempDir dir;
    EXPECT_EQ(SnapshotMetaFile(dir.path() / "snapshot-meta").load(), std::nullopt);
}

TEST(SnapshotMetaFile, save_thenLoadGivesItBack) {
    TempDir dir;
    SnapshotMetaFile f(dir.path() / "snapshot-meta");
    f.save(sample_meta());
    EXPECT_EQ(f.load(), sample_meta());
    f.save(SnapshotMeta{3, 1, {}});
    EXPECT_EQ(f.load(), (SnapshotMeta{3, 1, {}}));
}

TEST(SnapshotMetaFile, load_ofACorruptFileIsAnErrorNamingFileAndReason) {
    TempDir dir;
    SnapshotMetaFile f(dir.path() / "snapshot-meta");
    const std::string p = f.path().string();
    const std::string head = "format = 1\nindex = 5\nterm = 2\n";
    struct Case {
        std::string text;
        std::string reason;
    };
    for (const Case& c : {
             Case{"format = 1\nterm = 2\n", p + ": index is missing"},
             Case{head + "members = 3\n", p + ":4: members must be an array of tables"},
             Case{head + "members = [1]\n", p + ":4: each member must be a table"},
             Case{head + "[[members]]\nname = \"mgt1\"\nrole = \"boss\"\n",
                  p + ":4: a member needs a name and role"},
             Case{head + "[[members]]\nrole = \"voter\"\n", p + ":4: a member needs a name"},
         }) {
        write_text(f.path(), c.text);
        std::string what = error_of([&] { f.load(); });
        EXPECT_NE(what.find(c.reason), std::string::npos) << what;
        EXPECT_NE(what.find("rejoins from the leader"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace cc::storage::test
