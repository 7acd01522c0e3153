// Group commit: appends queued while a batch is being synced share one sync.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cc::storage::test
