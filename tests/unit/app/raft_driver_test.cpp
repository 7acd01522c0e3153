// The raft driver with the in-memory log store and a real node database:
// writes are answered after they are applied, storage failures fail writes
// and change nothing, compaction records its point before cutting the log.
#include "daemon/app/raft_driver.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/post.hpp>

#include "daemon/storage/memory_log_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using cc::app::WriteOutcome;
using proto::Outcome;

class RaftDriverTest : public ::testing::Test {
  protected:
    void SetUp() override { boot(); }
    void TearDown() override { driver.reset(); }
    void boot() {
        cc::storage::LogCallbacks cb;
        // As the daemon does: storage callbacks are handed to the daemon thread.
        cb.on_synced = [this](cc::storage::LogPosition p) {
            boost::asio::post(io, [this, p] { driver->on_synced(p); });
        };
        cb.on_error = [this](const cc::storage::StorageError& e, uint64_t next) {
            boost::asio::post(
                io, [this, m = std::string(e.what()), next] { driver->on_storage_error(m, next); });
        };
        log = std::make_unique<cc::storage::MemoryLogStore>(disk, cb);
        proto::Membership members{{{"m1", "127.0.0.1:13001", "", proto::Role::Voter}}};
        raft::BootState b;
        b.hard_state = raft::HardState{};
        b.initial_membership = members;
        b.snapshot.membership = members;
        raft::Config rc;
        rc.self = "m1";
        driver = std::make_unique<cc::app::RaftDriver>(io, rc, b, db, *log, hard_state, meta,
                                                       cc::app::RaftDriver::Files{dir},
                                                       cc::app::RaftDriver::SendFn{});
        driver->start();
        run_until([&] { return driver->status().role == raft::Role::Leader; });
    }
    // Runs the io_context until pred holds (bounded, the core's own timers
    // drive the election).
    template <class P>
    void run_until(P pred) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!pred() && std::chrono::steady_clock::now() < deadline)
            io.run_one_for(std::chrono::milliseconds(50));
        ASSERT_TRUE(pred());
    }
    WriteOutcome write(proto::Command c) {
        std::optional<WriteOutcome> out;
        EXPECT_FALSE(db.prepare(c).has_value());
        driver->propose(c, [&](WriteOutcome o) {
            out = std::move(o);
            // Read-your-writes: the change is in the database when answered.
            applied_when_answered = db.applied_index(proto::domain_of(c));
        });
        run_until([&] { return out.has_value(); });
        return out.value_or(WriteOutcome{});
    }

    cc::test::TempDir tmp{"cc-driver"};
    const fs::path dir = tmp.path();
    boost::asio::io_context io;
    cc::state::Database db;
    cc::storage::MemoryDisk disk;
    std::unique_ptr<cc::storage::MemoryLogStore> log;
    cc::storage::HardStateFile hard_state{fs::temp_directory_path() / "unused"};
    cc::storage::SnapshotMetaFile meta{fs::temp_directory_path() / "unused"};
    std::unique_ptr<cc::app::RaftDriver> driver;
    uint64_t applied_when_answered = 0;
};

TEST_F(RaftDriverTest, write_isAnsweredAfterItIsDurableAndApplied) {
    auto o = write(proto::DefineNodes{"n[1-2]", {{"a", "1"}}});
    ASSERT_EQ(o.outcome, Outcome::Done) << o.reason;
    EXPECT_EQ(o.result.lines,
              (std::vector<proto::ResultLine>{{"n1", "created"}, {"n2", "created"}}));
    EXPECT_GE(applied_when_answered, o.index);
    EXPECT_TRUE(db.node_exists("n2"));
    EXPECT_TRUE(disk.entries.count(o.index));
}

TEST_F(RaftDriverTest, fullDisk_failsTheWriteAndChangesNothing) {
    ASSERT_EQ(write(proto::DefineNodes{"n1", {}}).outcome, Outcome::Done);
    disk.full = true;
    auto o = write(proto::SetNodeAttributes{"n1", {{"a", "2"}}, std::nullopt});
    EXPECT_EQ(o.outcome, Outcome::StorageFailed);
    EXPECT_FALSE(o.reason.empty());
    EXPECT_EQ(db.node_attributes("n1", {"a"}).at(0).value, "");
    // Space comes back: after the lone member leads again, writes work.
    disk.full = false;
    run_until([&] { return driver->status().role == raft::Role::Leader; });
    o = write(proto::SetNodeAttributes{"n1", {{"a", "3"}}, std::nullopt});
    EXPECT_EQ(o.outcome, Outcome::Done) << o.reason;
    EXPECT_EQ(db.node_attributes("n1", {"a"}).at(0).value, "3");
}

TEST_F(RaftDriverTest, filesSaved_recordsTheCompactionPointThenCutsTheLog) {
    meta = cc::storage::SnapshotMetaFile(dir / "snapshot-meta");
    driver.reset();
    disk = {};
    boot();
    ASSERT_EQ(write(proto::DefineNodes{"n1", {}}).outcome, Outcome::Done);
    // Below the threshold nothing happens.
    driver->files_saved(db.applied_index(proto::Domain::Nodes));
    EXPECT_FALSE(meta.load().has_value());
    for (uint64_t i = 0; i < cc::app::RaftDriver::kCompactEvery; ++i)
        ASSERT_EQ(
            write(proto::SetNodeAttributes{"n1", {{"a", std::to_string(i)}}, std::nullopt}).outcome,
            Outcome::Done);
    uint64_t saved = db.applied_index(proto::Domain::Nodes);
    // snapshot-meta cannot be written (a directory named like its temporary
    // file makes cc::fs::write_atomic fail): nothing is compacted, the log
    // keeps every entry.
    auto meta_tmp = fs::path(meta.path()) += ".tmp";
    fs::create_directory(meta_tmp);
    driver->files_saved(saved);
    EXPECT_FALSE(meta.load().has_value());
    EXPECT_EQ(driver->status().snapshot_index, 0u);
    ASSERT_FALSE(disk.entries.empty());
    EXPECT_EQ(disk.entries.begin()->first, 1u);
    EXPECT_GE(disk.entries.size(), saved);
    // Writes go on meanwhile.
    ASSERT_EQ(write(proto::SetNodeAttributes{"n1", {{"a", "y"}}, std::nullopt}).outcome,
              Outcome::Done);
    fs::remove(meta_tmp);
    driver->files_saved(saved);
    auto m = meta.load();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->index, saved);
    EXPECT_EQ(m->membership.members.at(0).name, "m1");
    EXPECT_TRUE(disk.entries.empty() || disk.entries.begin()->first > saved);
    EXPECT_EQ(driver->status().snapshot_index, saved);
    // The log carries on after the cut.
    EXPECT_EQ(write(proto::SetNodeAttributes{"n1", {{"a", "x"}}, std::nullopt}).outcome,
              Outcome::Done);
}

}  // namespace
