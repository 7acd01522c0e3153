// The LogStore contract (daemon/storage/log_store.hpp), run against both the
// file store and its in-memory twin: whatever the driver relies on must hold
// for both, so tests written against the twin say something about the disk.
#include <gtest/gtest.h>

#include <memory>

#include "daemon/storage/file_log_store.hpp"
#include "daemon/storage/memory_log_store.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

// Small segments, so that every test also crosses segment boundaries.
struct FileBackend {
    TempDir dir;
    std::unique_ptr<LogStore> open(LogCallbacks cb) {
        return FileLogStore::open(dir.path() / "log", std::move(cb), LogOptions{1024});
    }
};

struct MemoryBackend {
    MemoryDisk disk;
    std::unique_ptr<LogStore> open(LogCallbacks cb) {
        return std::make_unique<MemoryLogStore>(disk, std::move(cb));
    }
};

template <class Backend>
class LogStoreContract : public ::testing::Test {
  protected:
    // Closes the current store (a clean shutdown) and opens the same log again.
    LogStore& reopen() {
        store_.reset();
        recorder_ = std::make_unique<Recorder>();
        store_ = backend_.open(recorder_->callbacks());
        return *store_;
    }
    LogStore& store() { return store_ ? *store_ : reopen(); }
    Recorder& recorder() { return *recorder_; }

    Backend backend_;
    std::unique_ptr<Recorder> recorder_;
    std::unique_ptr<LogStore> store_;
};

using Backends = ::testing::Types<FileBackend, MemoryBackend>;
class BackendNames {
  public:
    template <class T>
    static std::string GetName(int) {
        return std::is_same_v<T, FileBackend> ? "File" : "Memory";
    }
};
TYPED_TEST_SUITE(LogStoreContract, Backends, BackendNames);

TYPED_TEST(LogStoreContract, open_newLogIsEmpty) {
    const LogState& s = this->store().recovered();
    EXPECT_EQ(s.first_index, 0u);
    EXPECT_TRUE(s.entries.empty());
    EXPECT_EQ(s.last(), LogPosition{});
}

TYPED_TEST(LogStoreContract, append_reportsSyncedEndAndSurvivesReopen) {
    auto entries = make_entries(1, 10, 1);
    this->store().append(entries);
    this->store().flush();
    EXPECT_EQ(this->recorder().last_synced(), (LogPosition{10, 1}));
    EXPECT_TRUE(this->recorder().errors().empty());

    const LogState& s = this->reopen().recovered();
    EXPECT_EQ(s.first_index, 1u);
    EXPECT_EQ(s.entries, entries);
    EXPECT_EQ(s.last(), (LogPosition{10, 1}));
}

TYPED_TEST(LogStoreContract, append_manyBatchesAcrossSegmentsKeepOrder) {
    std::vector<proto::Entry> all;
    for (uint64_t first = 1; first <= 300; first += 7) {
        auto batch = make_entries(first, 7, 2, 90);
        all = concat(all, batch);
        this->store().append(batch);
    }
    this->store().flush();
    EXPECT_EQ(this->recorder().last_synced(), (LogPosition{all.back().index, 2}));
    EXPECT_EQ(this->reopen().recovered().entries, all);
}

TYPED_TEST(LogStoreContract, append_continuesAfterReopen) {
    this->store().append(make_entries(1, 20, 1));
    this->reopen().append(make_entries(21, 20, 2));
    this->store().flush();
    EXPECT_EQ(this->recorder().last_synced(), (LogPosition{40, 2}));
    EXPECT_EQ(this->reopen().recovered().entries,
              concat(make_entries(1, 20, 1), make_entries(21, 20, 2)));
}

TYPED_TEST(LogStoreContract, truncateSuffix_replacesConflictingEntriesAlreadyOnDisk) {
    this->store().append(make_entries(1, 60, 1));
    this->store().flush();
    this->store().truncate_suffix(25);
    this->store().append(make_entries(25, 5, 3));
    this->store().flush();
    EXPECT_EQ(this->recorder().last_synced(), (LogPosition{29, 3}));
    EXPECT_EQ(this->reopen().recovered().entries,
              concat(make_entries(1, 24, 1), make_entries(25, 5, 3)));
}

TYPED_TEST(LogStoreContract, truncateSuffix_ofEverythingLetsTheLogRestartThere) {
    this->store().append(make_entries(1, 30, 1));
    this->store().truncate_suffix(1);
    this->store().flush();
    EXPECT_TRUE(this->reopen().recovered().entries.empty());
    this->store().append(make_entries(1, 3, 2));
    this->store().flush();
    EXPECT_EQ(this->reopen().recovered().entries, make_entries(1, 3, 2));
}

TYPED_TEST(LogStoreContract, truncateSuffix_ofZeroLetsTheNextAppendStartAnywhere) {
    this->store().append(make_entries(1, 30, 1));
    this->store().truncate_suffix(0);
    this->store().append(make_entries(500, 4, 5));
    this->store().flush();
    EXPECT_EQ(this->recorder().last_synced(), (LogPosition{503, 5}));
    const LogState& s = this->reopen().recovered();
    EXPECT_EQ(s.first_index, 500u);
    EXPECT_EQ(s.entries, make_entries(500, 4, 5));
}

TYPED_TEST(LogStoreContract, truncateSuffix_pastTheEndChangesNothing) {
    this->store().append(make_entries(1, 5, 1));
    this->store().truncate_suffix(6);
    this->store().append(make_entries(6, 1, 1));
    this->store().flush();
    EXPECT_EQ(this->reopen().recovered().entries, make_entries(1, 6, 1));
}

TYPED_TEST(LogStoreContract, compactPrefix_keepsEveryLaterEntry) {
    this->store().append(make_entries(1, 200, 1, 90));
    this->store().compact_prefix(120);
    this->store().flush();
    const LogState& s = this->reopen().recovered();
    ASSERT_FALSE(s.entries.empty());
    EXPECT_GT(s.first_index, 1u) << "nothing was compacted";
    EXPECT_LE(s.first_index, 121u) << "an entry after the compaction point was lost";
    EXPECT_EQ(s.entries.front().index, s.first_index);
    EXPECT_EQ(s.last(), (LogPosition{200, 1}));
    EXPECT_EQ(s.entries.size(), 200 - s.first_index + 1);
}

TYPED_TEST(LogStoreContract, compactPrefix_ofEverythingThenAppendAfterTheSnapshot) {
    this->store().append(make_entries(1, 10, 1));
    this->store().compact_prefix(50);  // a snapshot from the leader, past our log
    this->store().append(make_entries(51, 5, 4));
    this->store().flush();
    EXPECT_EQ(this->recorder().last_synced(), (LogPosition{55, 4}));
    const LogState& s = this->reopen().recovered();
    EXPECT_EQ(s.first_index, 51u);
    EXPECT_EQ(s.entries, make_entries(51, 5, 4));
}

TYPED_TEST(LogStoreContract, syncCount_growsWithDurableBatches) {
    uint64_t before = this->store().sync_count();
    this->store().append(make_entries(1, 3, 1));
    this->store().flush();
    EXPECT_GT(this->store().sync_count(), before);
}

template <class Backend>
class LogStoreBug : public LogStoreContract<Backend> {};
TYPED_TEST_SUITE(LogStoreBug, Backends, BackendNames);

TYPED_TEST(LogStoreBug, append_thatLeavesAGapAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            this->store().append(make_entries(1, 3, 1));
            this->store().append(make_entries(5, 1, 1));
            this->store().flush();
        },
        "internal check failed: .*append at index 5 but the log continues at 4");
}

TYPED_TEST(LogStoreBug, append_ofNonContiguousEntriesAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto entries = make_entries(1, 3, 1);
    entries[2].index = 7;
    EXPECT_DEATH(this->store().append(entries),
                 "internal check failed: .*non-contiguous entries 2 then 7");
}

}  // namespace
}  // namespace cc::storage::test
