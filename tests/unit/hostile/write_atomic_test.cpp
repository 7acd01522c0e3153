// cc::fs::write_atomic never writes through what is planted at its
// temporary name (path + ".tmp"): a symlink or a leftover file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "daemon/util/fs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace stdfs = std::filesystem;

TEST(WriteAtomic, symlinkPlantedAtTheTemporaryNameIsNotFollowed) {
    cc::test::TempDir dir("cc-write-atomic");
    auto target = dir.path() / "victim";
    auto path = dir.path() / "collective";
    cc::fs::write_atomic(target, "precious\n");
    stdfs::create_symlink(target, dir.path() / "collective.tmp");

    cc::fs::write_atomic(path, "applied_index = 1\n");

    EXPECT_EQ(cc::fs::read_file(target), "precious\n");  // untouched
    EXPECT_EQ(cc::fs::read_file(path), "applied_index = 1\n");
    EXPECT_FALSE(stdfs::is_symlink(path));
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(dir.path() / "collective.tmp")));
}

TEST(WriteAtomic, danglingSymlinkAtTheTemporaryNameCreatesNothingElsewhere) {
    cc::test::TempDir dir("cc-write-atomic");
    auto elsewhere = dir.path() / "created-through-link";
    stdfs::create_symlink(elsewhere, dir.path() / "f.tmp");
    cc::fs::write_atomic(dir.path() / "f", "x");
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(elsewhere)));
    EXPECT_EQ(cc::fs::read_file(dir.path() / "f"), "x");
}

TEST(WriteAtomic, leftoverTemporaryFileIsReplacedNotAppendedTo) {
    cc::test::TempDir dir("cc-write-atomic");
    auto path = dir.path() / "f";
    cc::fs::write_atomic(dir.path() / "f.tmp", "stale contents that are longer\n", 0666);
    cc::fs::write_atomic(path, "new\n", 0600);
    EXPECT_EQ(cc::fs::read_file(path), "new\n");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_FALSE(stdfs::exists(dir.path() / "f.tmp"));
}

TEST(WriteAtomic, directoryAtTheTemporaryNameFailsCleanly) {
    cc::test::TempDir dir("cc-write-atomic");
    cc::fs::write_atomic(dir.path() / "f", "old");
    stdfs::create_directory(dir.path() / "f.tmp");
    EXPECT_THROW(cc::fs::write_atomic(dir.path() / "f", "new"), cc::fs::FsError);
    EXPECT_EQ(cc::fs::read_file(dir.path() / "f"), "old");
}

}  // namespace
