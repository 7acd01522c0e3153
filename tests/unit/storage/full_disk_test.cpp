// A full disk: the append fails with a clear one-line reason, the log on disk
// stays valid, and once space is freed the resent entries are taken.
// The real store runs on a 256 KiB tmpfs mounted by the test (needs root).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "daemon/storage/file_log_store.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/memory_log_store.hpp"
#include "tests/support/skip_or_fail.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

namespace fs = std::filesystem;

class FullDisk : public ::testing::TestWithParam<uint64_t> {
  protected:
    void SetUp() override {
        if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=256k") != 0) {
            int err = errno;
            if (err == EPERM) {
                SKIP_OR_FAIL("cannot mount a tmpfs (EPERM): run as root to test a full disk");
            }
            FAIL() << "mount tmpfs on " << dir_.path() << ": " << std::strerror(err);
        }
        mounted_ = true;
    }
    void TearDown() override {
        store_.reset();
        if (mounted_ && ::umount(dir_.path().c_str()) != 0) {
            ADD_FAILURE() << "umount " << dir_.path() << ": " << std::strerror(errno);
        }
    }
    fs::path log() const { return dir_.path() / "log"; }
    void open() {
        store_.reset();
        recorder_ = std::make_unique<Recorder>();
        store_ = FileLogStore::open(log(), recorder_->callbacks(), LogOptions{GetParam()});
    }

    TempDir dir_;
    bool mounted_ = false;
    std::unique_ptr<Recorder> recorder_;
    std::unique_ptr<FileLogStore> store_;
};

TEST_P(FullDisk, append_failsWithTheReasonAndWorksAgainOnceSpaceIsFreed) {
    const fs::path filler = dir_.path() / "filler";
    std::ofstream(filler, std::ios::binary) << std::string(96 * 1024, 'f');
    open();
    uint64_t next = 1;
    std::vector<proto::Entry> acknowledged;
    while (recorder_->errors().empty() && next < 1000) {
        auto e = make_entries(next, 1, 1, 1000);
        store_->append(e);
        store_->flush();
        if (recorder_->last_synced().index == next) {
            acknowledged = concat(acknowledged, e);
            ++next;
        }
    }
    ASSERT_EQ(recorder_->errors().size(), 1u) << "the disk never filled up";
    ASSERT_GT(acknowledged.size(), 10u);
    const std::string error = recorder_->errors()[0];
    EXPECT_EQ(error.rfind("cannot append to " + log().string() + "/", 0), 0u) << error;
    EXPECT_NE(error.find(".log: No space left on device"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(recorder_->next_after_error(), next);

    // An append queued before the driver heard of the failure is dropped.
    store_->append(make_entries(next + 1, 1, 1, 1000));
    store_->flush();
    EXPECT_EQ(recorder_->last_synced().index, next - 1);

    open();  // restart while the disk is still full
    EXPECT_EQ(store_->recovered().entries, acknowledged);

    fs::remove(filler);
    store_->append(make_entries(next, 20, 2, 1000));
    store_->flush();
    EXPECT_EQ(recorder_->last_synced(), (LogPosition{next + 19, 2}));
    EXPECT_TRUE(recorder_->errors().empty()) << recorder_->errors()[0];
    open();
    EXPECT_EQ(store_->recovered().entries, concat(acknowledged, make_entries(next, 20, 2, 1000)));
}

// One large segment, and small ones so that creating a segment fails too.
INSTANTIATE_TEST_SUITE_P(SegmentSizes, FullDisk, ::testing::Values(64u << 20, 8u << 10));

TEST(MemoryFullDisk, append_failsLikeENOSPCAndWorksAgainOnceSpaceIsFreed) {
    MemoryDisk disk;
    Recorder rec;
    MemoryLogStore store(disk, rec.callbacks());
    store.append(make_entries(1, 5, 1));
    disk.full = true;
    store.append(make_entries(6, 1, 1));
    store.append(make_entries(7, 1, 1));  // queued before the failure was heard of
    ASSERT_EQ(rec.errors().size(), 1u);
    EXPECT_EQ(rec.errors()[0], "cannot append to memory log: No space left on device");
    EXPECT_EQ(rec.next_after_error(), 6u);
    EXPECT_EQ(rec.last_synced(), (LogPosition{5, 1}));
    disk.full = false;
    store.append(make_entries(6, 2, 2));
    EXPECT_EQ(rec.last_synced(), (LogPosition{7, 2}));
    EXPECT_EQ(MemoryLogStore(disk, {}).recovered().entries,
              concat(make_entries(1, 5, 1), make_entries(6, 2, 2)));
}

}  // namespace
}  // namespace cc::storage::test
