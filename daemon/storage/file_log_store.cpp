#include "daemon/storage/file_log_store.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "daemon/storage/segment_files.hpp"
#include "daemon/util/check.hpp"
#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"

namespace cc::storage {

namespace {
struct Op {
    enum class Kind { Append, TruncateSuffix, CompactPrefix } kind;
    std::vector<proto::Entry> entries;  // Append
    uint64_t index = 0;                 // TruncateSuffix, CompactPrefix
};
}  // namespace

struct FileLogStore::Impl {
    Impl(const std::filesystem::path& dir, LogCallbacks cb, LogOptions options, RecoveredLog rec)
        : callbacks(std::move(cb)),
          recovered(std::move(rec.state)),
          fast_sync(options.fast_sync),
          files(dir, options, std::move(rec.segments)) {}

    // Daemon thread side.
    void enqueue(Op op);
    bool run_now(Op& op);
    void flush();
    void stop();

    // Storage thread side.
    void run();
    void run_batch(std::deque<Op>& batch);
    void apply(Op& op);

    const LogCallbacks callbacks;
    LogState recovered;  // daemon thread only
    std::atomic<uint64_t> syncs{0};

    std::mutex mu;
    std::condition_variable work_cv;  // queue gained an op, or stopping
    std::condition_variable done_cv;  // a batch finished
    std::deque<Op> queue;
    uint64_t queued = 0;  // ops ever queued
    uint64_t done = 0;    // ops applied, synced and reported
    bool busy = false;    // a batch runs (on the storage thread or in run_now)
    bool stopping = false;
    std::thread thread;

    const std::chrono::microseconds fast_sync;  // LogOptions::fast_sync
    std::atomic<bool> last_sync_fast{false};

    // Owned by whichever thread set busy.
    SegmentFiles files;
    bool failed = false;                 // drop appends that do not fit until one does
    std::optional<StorageError> broken;  // a sync failed: refuse everything
};

void FileLogStore::Impl::enqueue(Op op) {
    {
        std::lock_guard lk(mu);
        CC_CHECK(!stopping, "log operation queued after shutdown began");
        queue.push_back(std::move(op));
        ++queued;
    }
    work_cv.notify_one();
}

bool FileLogStore::Impl::run_now(Op& op) {
    uint64_t mine = 0;
    {
        std::lock_guard lk(mu);
        if (busy || stopping || !queue.empty() || !last_sync_fast.load()) return false;
        busy = true;
        mine = ++queued;
    }
    std::deque<Op> batch;
    batch.push_back(std::move(op));
    run_batch(batch);
    {
        std::lock_guard lk(mu);
        busy = false;
        done = std::max(done, mine);  // ops queued meanwhile come after it
    }
    done_cv.notify_all();
    work_cv.notify_one();  // the storage thread waits for busy to clear
    return true;
}

void FileLogStore::Impl::flush() {
    std::unique_lock lk(mu);
    uint64_t target = queued;
    done_cv.wait(lk, [&] { return done >= target; });
}

void FileLogStore::Impl::stop() {
    {
        std::lock_guard lk(mu);
        stopping = true;
    }
    work_cv.notify_one();
    thread.join();
}

void FileLogStore::Impl::run() {
    for (;;) {
        std::deque<Op> batch;
        uint64_t batch_end = 0;
        {
            std::unique_lock lk(mu);
            work_cv.wait(lk, [&] { return !busy && (stopping || !queue.empty()); });
            if (queue.empty()) return;  // stopping, and everything is done
            batch.swap(queue);
            batch_end = queued;
            busy = true;
        }
        run_batch(batch);
        {
            std::lock_guard lk(mu);
            busy = false;
            done = batch_end;
        }
        done_cv.notify_all();
    }
}

void FileLogStore::Impl::apply(Op& op) {
    switch (op.kind) {
        case Op::Kind::Append: {
            auto& e = op.entries;
            if (e.empty()) return;
            uint64_t next = files.next_index();
            if (next != 0 && e.front().index != next) {
                // Only an append queued before a reported failure may miss the log's end.
                CC_CHECK(failed, "append at index ", e.front().index, " but the log continues at ",
                         next);
                cc::log::debug("log: dropped append of entries ", e.front().index, "..",
                               e.back().index, " queued before an earlier failure was reported");
                return;
            }
            files.append(e);
            failed = false;
            return;
        }
        case Op::Kind::TruncateSuffix:
            files.truncate_suffix(op.index);
            return;
        case Op::Kind::CompactPrefix:
            files.compact_prefix(op.index);
            return;
    }
}

void FileLogStore::Impl::run_batch(std::deque<Op>& batch) {
    if (broken) {
        if (callbacks.on_error) callbacks.on_error(*broken, files.next_index());
        return;
    }
    std::vector<StorageError> errors;
    for (auto& op : batch) {
        try {
            apply(op);
        } catch (const StorageError& e) {
            errors.push_back(e);
            failed = true;
        }
    }
    try {
        auto start = std::chrono::steady_clock::now();
        if (files.sync()) {
            ++syncs;
            last_sync_fast = std::chrono::steady_clock::now() - start < fast_sync;
        }
    } catch (const StorageError& e) {
        // After a failed fsync the kernel may have dropped the dirty pages:
        // only a restart, which verifies every record, knows what is on disk.
        broken.emplace(std::string(e.what()) +
                           "; the log's durable state is unknown: check the disk, then restart "
                           "confluentd",
                       e.path, e.error_number);
        if (callbacks.on_error) callbacks.on_error(*broken, files.next_index());
        return;
    }
    for (const auto& e : errors) {
        if (callbacks.on_error) callbacks.on_error(e, files.next_index());
    }
    if (callbacks.on_synced && files.last().index != 0) callbacks.on_synced(files.last());
}

std::unique_ptr<FileLogStore> FileLogStore::open(const std::filesystem::path& log_dir,
                                                 LogCallbacks callbacks, LogOptions options) {
    try {
        cc::fs::ensure_dir(log_dir, 0700);
    } catch (const cc::fs::FsError& e) {
        throw StorageError(e.what(), log_dir);
    }
    auto impl =
        std::make_unique<Impl>(log_dir, std::move(callbacks), options, recover_log(log_dir));
    impl->thread = std::thread([p = impl.get()] { p->run(); });
    return std::unique_ptr<FileLogStore>(new FileLogStore(std::move(impl)));
}

FileLogStore::FileLogStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileLogStore::~FileLogStore() {
    impl_->stop();
}

void FileLogStore::release_recovered() {
    std::vector<proto::Entry>().swap(impl_->recovered.entries);
}

const LogState& FileLogStore::recovered() const {
    return impl_->recovered;
}

void FileLogStore::append(std::vector<proto::Entry> entries) {
    check_contiguous(entries);
    impl_->enqueue(Op{Op::Kind::Append, std::move(entries)});
}

bool FileLogStore::append_now(std::vector<proto::Entry>& entries) {
    check_contiguous(entries);
    Op op{Op::Kind::Append, std::move(entries)};
    if (impl_->run_now(op)) return true;
    entries = std::move(op.entries);
    return false;
}

void FileLogStore::truncate_suffix(uint64_t from_index) {
    impl_->enqueue(Op{Op::Kind::TruncateSuffix, {}, from_index});
}

void FileLogStore::compact_prefix(uint64_t up_to_index) {
    impl_->enqueue(Op{Op::Kind::CompactPrefix, {}, up_to_index});
}

void FileLogStore::flush() {
    impl_->flush();
}

uint64_t FileLogStore::sync_count() const {
    return impl_->syncs.load();
}

}  // namespace cc::storage
