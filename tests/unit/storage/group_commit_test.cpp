// Group commit: appends queued while a batch is being synced share one sync.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "daemon/storage/file_log_store.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

TEST(GroupCommit, appendsQueuedDuringASyncShareTheNextOne) {
    TempDir dir;
    std::mutex mu;
    std::condition_variable cv;
    int reports = 0;
    bool release = false;
    LogPosition last;
    LogCallbacks cb;
    // The first report holds the storage thread, as a slow fsync would.
    cb.on_synced = [&](LogPosition p) {
        std::unique_lock lk(mu);
        ++reports;
        last = p;
        cv.notify_all();
        cv.wait(lk, [&] { return release; });
    };
    auto store = FileLogStore::open(dir.path() / "log", cb);
    store->append(make_entries(1, 1, 1));
    {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return reports == 1; });
    }
    constexpr uint64_t kAppends = 500;
    for (uint64_t i = 2; i <= kAppends; ++i) store->append(make_entries(i, 1, 1));
    {
        std::lock_guard lk(mu);
        release = true;
    }
    cv.notify_all();
    store->flush();
    EXPECT_EQ(store->sync_count(), 2u) << "one sync for the first append, one for all the rest";
    std::lock_guard lk(mu);
    EXPECT_EQ(reports, 2);
    EXPECT_EQ(last, (LogPosition{kAppends, 1}));
}

TEST(GroupCommit, flush_waitsForEverythingQueuedBefore) {
    TempDir dir;
    Recorder rec;
    auto store = FileLogStore::open(dir.path() / "log", rec.callbacks());
    for (uint64_t i = 1; i <= 100; ++i) store->append(make_entries(i, 1, 1));
    store->flush();
    EXPECT_EQ(rec.last_synced(), (LogPosition{100, 1}));
    EXPECT_LE(store->sync_count(), 100u);
}

// append_now: an idle store writes and syncs on the caller's thread.
// Every sync counts as fast, whatever the machine's disk does meanwhile.
LogOptions any_sync_fast() {
    LogOptions o;
    o.fast_sync = std::chrono::hours(1);
    return o;
}

TEST(AppendNow, anIdleStoreSyncsOnTheCallersThread_andTheEntriesAreDurable) {
    TempDir dir;
    Recorder rec;
    std::vector<proto::Entry> all;
    {
        auto store = FileLogStore::open(dir.path() / "log", rec.callbacks(), any_sync_fast());
        auto first = make_entries(1, 1, 1);
        EXPECT_FALSE(store->append_now(first)) << "no sync timed yet: the storage thread first";
        EXPECT_EQ(first.size(), 1u) << "refused: the entries are left to the caller";
        store->append(first);
        store->flush();
        for (uint64_t i = 2; i <= 20; ++i) {
            auto e = make_entries(i, 1, 1);
            ASSERT_TRUE(store->append_now(e)) << "entry " << i;
            // Synced and reported before it returned.
            EXPECT_EQ(rec.last_synced(), (LogPosition{i, 1}));
        }
        EXPECT_EQ(store->sync_count(), 20u);
        all = make_entries(1, 20, 1);
    }
    auto again = FileLogStore::open(dir.path() / "log", Recorder().callbacks());
    EXPECT_EQ(again->recovered().entries, all);
}

TEST(AppendNow, aBusyStoreRefuses_andWhatWasQueuedBeforeStaysFirst) {
    TempDir dir;
    std::mutex mu;
    std::condition_variable cv;
    bool hold = false;
    bool held = false;
    std::vector<LogPosition> reports;
    LogCallbacks cb;
    cb.on_synced = [&](LogPosition p) {
        std::unique_lock lk(mu);
        reports.push_back(p);
        held = hold;
        cv.notify_all();
        cv.wait(lk, [&] { return !hold; });  // a slow sync, while the test says so
    };
    auto store = FileLogStore::open(dir.path() / "log", cb, any_sync_fast());
    store->append(make_entries(1, 1, 1));
    store->flush();
    {
        std::lock_guard lk(mu);
        hold = true;
    }
    store->append(make_entries(2, 1, 1));
    {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return held; });
    }
    auto e3 = make_entries(3, 1, 1);
    EXPECT_FALSE(store->append_now(e3)) << "the storage thread is in a batch";
    store->append(std::move(e3));
    auto e4 = make_entries(4, 1, 1);
    EXPECT_FALSE(store->append_now(e4)) << "an append is queued";
    store->append(std::move(e4));
    {
        std::lock_guard lk(mu);
        hold = false;
    }
    cv.notify_all();
    store->flush();
    auto e5 = make_entries(5, 1, 1);
    EXPECT_TRUE(store->append_now(e5));
    std::lock_guard lk(mu);
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back(), (LogPosition{5, 1}));
    for (size_t i = 1; i < reports.size(); ++i) EXPECT_LT(reports[i - 1].index, reports[i].index);
}

TEST(AppendNow, aSlowSyncKeepsAppendsOnTheStorageThread) {
    // Every sync slower than LogOptions::fast_sync (0 here: all of them),
    // as on a spinning or busy disk: the daemon thread is never asked to wait.
    TempDir dir;
    Recorder rec;
    LogOptions o;
    o.fast_sync = std::chrono::microseconds(0);
    auto store = FileLogStore::open(dir.path() / "log", rec.callbacks(), o);
    for (uint64_t i = 1; i <= 5; ++i) {
        auto e = make_entries(i, 1, 1);
        EXPECT_FALSE(store->append_now(e)) << "entry " << i;
        store->append(std::move(e));
        store->flush();
    }
    EXPECT_EQ(rec.last_synced(), (LogPosition{5, 1}));
}

}  // namespace
}  // namespace cc::storage::test
