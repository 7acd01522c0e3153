// The durability rule (daemon/raft/executor.hpp) through the real driver:
// for every durable write a member makes (hard state, snapshot install,
// cfg/collective, the log), a failed write means no message, acknowledgement
// or answer that depends on it leaves the member, and a retry once the write
// can succeed carries on. The member is a follower of a three-member list
// {m1 (self), m2, m3}, driven by the messages a leader m2 (or a candidate)
// would send; every message it sends is captured.
//
// A failed write is injected the real way: cc::fs::write_atomic writes
// `<path>.tmp` and renames it, so a directory named `<path>.tmp` makes the
// open fail (EISDIR) before anything on disk changed; removing the directory
// lets the retry succeed. (The tests run as root, so permissions cannot be
// used to refuse a write.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/app/raft_driver.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/storage/memory_log_store.hpp"
#include "daemon/util/fs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using cc::app::WriteOutcome;
using proto::Outcome;

// Makes the next cc::fs::write_atomic(path, ...) fail, until unblock(path).
void block(const fs::path& path) {
    auto tmp = path;
    tmp += ".tmp";
    fs::create_directory(tmp);
}
void unblock(const fs::path& path) {
    auto tmp = path;
    tmp += ".tmp";
    fs::remove(tmp);
}

proto::Membership three_members() {
    return {{{"m1", "127.0.0.1:13001", "", proto::Role::Voter},
             {"m2", "127.0.0.1:13002", "", proto::Role::Voter},
             {"m3", "127.0.0.1:13003", "", proto::Role::Voter}}};
}

// The trick itself, on each file a member writes: the write fails with a
// cc::fs::FsError (not a SyncError: nothing reached the disk), the file keeps
// its old contents, and once unblocked the same write succeeds.
TEST(BlockedWriteTest, tmpDirectory_failsEachFileWriteUntilRemoved) {
    cc::test::TempDir tmp("cc-block");
    const fs::path dir = tmp.path();
    cc::storage::HardStateFile hs(dir / "hardstate");
    cc::storage::SnapshotMetaFile meta(dir / "snapshot-meta");
    cc::state::Database db;
    proto::Command c = proto::DefineNodes{"n1", {}};
    ASSERT_FALSE(db.prepare(c).has_value());
    db.apply(c, 3);

    hs.save({1, "", false});
    block(hs.path());
    EXPECT_THROW(hs.save({2, "m2", false}), std::exception);
    EXPECT_EQ(hs.load(), (cc::storage::HardState{1, "", false}));
    unblock(hs.path());
    hs.save({2, "m2", false});
    EXPECT_EQ(hs.load(), (cc::storage::HardState{2, "m2", false}));

    block(meta.path());
    EXPECT_THROW(meta.save({3, 1, three_members(), 0}), std::exception);
    EXPECT_FALSE(meta.load().has_value());
    unblock(meta.path());
    meta.save({3, 1, three_members(), 0});
    EXPECT_EQ(meta.load()->index, 3u);

    block(dir / "collective");
    EXPECT_THROW(cc::state::save_collective(dir / "collective", {3, three_members()}),
                 cc::fs::FsError);
    EXPECT_FALSE(fs::exists(dir / "collective"));
    unblock(dir / "collective");
    cc::state::save_collective(dir / "collective", {3, three_members()});
    EXPECT_EQ(cc::state::load_collective(dir / "collective").applied_index, 3u);

    block(dir / "nodes");
    EXPECT_THROW(db.save(dir, true), cc::fs::FsError);
    EXPECT_FALSE(fs::exists(dir / "nodes"));
    unblock(dir / "nodes");
    db.save(dir, true);
    EXPECT_TRUE(cc::state::Database::load(dir).node_exists("n1"));
}

// A follower m1 of {m1, m2, m3}, booted at term 1 with an empty log. Its
// election timeout is long so that it never campaigns by itself: every
// message it sends answers one the test delivered.
class FollowerDriverTest : public ::testing::Test {
  protected:
    void SetUp() override {
        cfg = dir / "cfg";
        fs::create_directories(cfg);
        hard_state = cc::storage::HardStateFile(dir / "hardstate");
        meta = cc::storage::SnapshotMetaFile(dir / "snapshot-meta");
        hard_state.save({1, "", false});
        boot();
    }
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
        raft::BootState b;
        b.hard_state = raft::HardState{1, "", false};
        b.initial_membership = three_members();
        b.snapshot.membership = three_members();
        raft::Config rc;
        rc.self = "m1";
        rc.election_timeout_min = std::chrono::seconds(60);
        rc.election_timeout_max = std::chrono::seconds(120);
        driver = std::make_unique<cc::app::RaftDriver>(
            io, rc, b, db, *log, hard_state, meta, cc::app::RaftDriver::Files{cfg},
            [this](const std::string& to, proto::RaftMessage m) {
                sent.emplace_back(to, std::move(m));
            });
        driver->start();
        settle();
    }

    // Runs what is ready now (the storage callbacks posted by the log store),
    // not the timers.
    void settle() {
        io.restart();
        io.poll();
    }
    // Runs the io_context (timers too) until pred holds, at most `limit`.
    template <class P>
    bool run_until(P pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!pred() && std::chrono::steady_clock::now() < deadline) {
            io.restart();
            io.run_one_for(std::chrono::milliseconds(20));
        }
        return pred();
    }
    void deliver(const std::string& from, proto::RaftMessage m) {
        driver->receive(from, std::move(m));
        settle();
    }

    // Every message of type T sent so far (to anyone).
    template <class T>
    std::vector<T> sent_of() const {
        std::vector<T> out;
        for (const auto& [to, m] : sent)
            if (auto* x = std::get_if<T>(&m)) out.push_back(*x);
        return out;
    }
    std::vector<proto::VoteResponse> granted_votes() const {
        std::vector<proto::VoteResponse> out;
        for (const auto& v : sent_of<proto::VoteResponse>())
            if (v.granted) out.push_back(v);
        return out;
    }
    // Successful append responses that acknowledge the log through `index`.
    size_t acks_through(uint64_t index) const {
        size_t n = 0;
        for (const auto& r : sent_of<proto::AppendResponse>())
            if (r.success && r.match_index >= index) ++n;
        return n;
    }
    size_t done_snapshot_acks() const {
        size_t n = 0;
        for (const auto& a : sent_of<proto::SnapshotAck>())
            if (a.done) ++n;
        return n;
    }

    // A snapshot of a collective at `index` (term 2) whose state holds n1..n3,
    // as the leader m2 sends it in one chunk.
    proto::SnapshotChunk snapshot_chunk(uint64_t index) {
        cc::state::Database other;
        proto::Command c = proto::DefineNodes{"n[1-3]", {{"a", "1"}}};
        EXPECT_FALSE(other.prepare(c).has_value());
        other.apply(c, index - 1);
        other.note_index(index);
        return proto::SnapshotChunk{2,    index, 2, three_members(), 0, other.snapshot_bytes(),
                                    true, 0};
    }

    // A failed write of `blocked` during a snapshot install: nothing of the
    // snapshot is acknowledged or taken; once the write can succeed, the
    // leader's resent chunk installs it.
    void expect_install_waits_for(const fs::path& blocked) {
        const uint64_t index = 10;
        auto chunk = snapshot_chunk(index);
        block(blocked);
        deliver("m2", chunk);
        EXPECT_EQ(done_snapshot_acks(), 0u);
        EXPECT_FALSE(db.node_exists("n1"));
        EXPECT_EQ(db.applied_index(proto::Domain::Nodes), 0u);
        EXPECT_EQ(driver->status().applied_index, 0u);
        EXPECT_EQ(driver->status().snapshot_index, 0u);
        EXPECT_EQ(driver->status().commit_index, 0u);
        EXPECT_FALSE(meta.load().has_value());
        // Written after the node files: a failure there leaves it unwritten.
        if (blocked == cfg / "nodes" || blocked == cfg / "nodegroups") {
            EXPECT_FALSE(fs::exists(cfg / "collective"));
        }
        // The leader sends it again (after its own timeout): still refused.
        deliver("m2", chunk);
        EXPECT_EQ(done_snapshot_acks(), 0u);
        EXPECT_FALSE(db.node_exists("n1"));
        EXPECT_FALSE(meta.load().has_value());

        unblock(blocked);
        deliver("m2", chunk);
        auto acks = sent_of<proto::SnapshotAck>();
        ASSERT_EQ(done_snapshot_acks(), 1u);
        EXPECT_EQ(acks.back().index, index);
        EXPECT_EQ(acks.back().term, 2u);
        EXPECT_TRUE(db.node_exists("n1"));
        EXPECT_EQ(driver->status().applied_index, index);
        EXPECT_EQ(driver->status().snapshot_index, index);
        auto files = cc::state::Database::load(cfg);
        EXPECT_TRUE(files.node_exists("n3"));
        EXPECT_EQ(files.applied_index(proto::Domain::Nodes), index);
        EXPECT_EQ(files.applied_index(proto::Domain::NodeGroups), index);
        auto collective = cc::state::load_collective(cfg / "collective");
        EXPECT_EQ(collective.applied_index, index);
        EXPECT_EQ(collective.membership, three_members());
        auto m = meta.load();
        ASSERT_TRUE(m.has_value());
        EXPECT_EQ(m->index, index);
        EXPECT_EQ(m->term, 2u);
        EXPECT_EQ(m->membership, three_members());
    }

    cc::test::TempDir tmp{"cc-follower"};
    const fs::path dir = tmp.path();
    fs::path cfg;
    boost::asio::io_context io;
    cc::state::Database db;
    cc::storage::MemoryDisk disk;
    std::unique_ptr<cc::storage::MemoryLogStore> log;
    // Real files in `dir` (set in SetUp, before the driver holds them).
    cc::storage::HardStateFile hard_state{fs::path()};
    cc::storage::SnapshotMetaFile meta{fs::path()};
    std::unique_ptr<cc::app::RaftDriver> driver;
    std::vector<std::pair<std::string, proto::RaftMessage>> sent;
};

// ---- hard state (term and vote) ----

TEST_F(FollowerDriverTest, hardStateWriteFails_noVoteLeavesUntilSaved) {
    const proto::VoteRequest request{2, 0, 0, false, false};  // our log is empty: up to date
    block(hard_state.path());
    deliver("m2", request);
    // The core granted the vote in memory, but it is not durable: nothing of
    // term 2 (nothing at all) leaves.
    EXPECT_TRUE(sent.empty());
    EXPECT_FALSE(driver->hard_state_durable());
    EXPECT_EQ(hard_state.load(), (cc::storage::HardState{1, "", false}));

    // The candidate retransmits: the core still holds the vote it recorded,
    // which must not be granted while unsaved.
    deliver("m2", request);
    EXPECT_TRUE(granted_votes().empty());
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(hard_state.load(), (cc::storage::HardState{1, "", false}));

    // Nor does anything else leave meanwhile: m2 won with m3's vote, and its
    // first heartbeat would be acknowledged otherwise.
    deliver("m2", proto::AppendRequest{2, 0, 0, {}, 0, 1});
    EXPECT_TRUE(sent.empty());

    unblock(hard_state.path());
    deliver("m2", request);
    auto votes = granted_votes();
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_EQ(votes[0].term, 2u);
    EXPECT_FALSE(votes[0].pre_vote);
    EXPECT_EQ(sent.back().first, "m2");
    EXPECT_TRUE(driver->hard_state_durable());
    EXPECT_EQ(hard_state.load(), (cc::storage::HardState{2, "m2", false}));
    // Every message sent is of a term whose hard state is durable.
    for (const auto& [to, m] : sent) EXPECT_LE(proto::term_of(m), hard_state.load()->term);
}

// ---- snapshot install (cfg/nodes, cfg/collective, snapshot-meta) ----

TEST_F(FollowerDriverTest, snapshotInstallNodesWriteFails_noAckUntilInstalled) {
    expect_install_waits_for(cfg / "nodes");
}

TEST_F(FollowerDriverTest, snapshotInstallNodeGroupsWriteFails_noAckUntilInstalled) {
    expect_install_waits_for(cfg / "nodegroups");
}

TEST_F(FollowerDriverTest, snapshotInstallCollectiveWriteFails_noAckUntilInstalled) {
    expect_install_waits_for(cfg / "collective");
}

TEST_F(FollowerDriverTest, snapshotInstallMetaWriteFails_noAckUntilInstalled) {
    expect_install_waits_for(meta.path());
}

// ---- cfg/collective (a committed member list) ----

TEST_F(FollowerDriverTest, membershipApplyFails_ackedButAppliedOnlyOnceWritten) {
    proto::Membership changed = three_members();
    changed.members[2].address = "127.0.0.1:13033";
    proto::Entry e{2, 1, proto::EntryKind::Membership, proto::to_bytes(changed)};
    block(cfg / "collective");
    deliver("m2", proto::AppendRequest{2, 0, 0, {e}, 1, 1});
    // The log holds it durably: acknowledging it is right.
    EXPECT_EQ(acks_through(1), 1u);
    EXPECT_EQ(disk.entries.count(1), 1u);
    EXPECT_EQ(driver->status().commit_index, 1u);
    // But it is not applied while cfg/collective cannot be written.
    EXPECT_EQ(driver->status().applied_index, 0u);
    EXPECT_EQ(db.applied_index(proto::Domain::Nodes), 0u);
    EXPECT_FALSE(fs::exists(cfg / "collective"));
    // A heartbeat does not apply it either (the retry waits for its time).
    deliver("m2", proto::AppendRequest{2, 1, 2, {}, 1, 2});
    EXPECT_EQ(driver->status().applied_index, 0u);
    EXPECT_FALSE(fs::exists(cfg / "collective"));

    unblock(cfg / "collective");
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(run_until([&] { return driver->status().applied_index == 1; },
                          std::chrono::milliseconds(1500) + raft::Executor::kApplyRetry / 2))
        << "not applied within the retry interval";
    EXPECT_LE(std::chrono::steady_clock::now() - t0,
              raft::Executor::kApplyRetry + std::chrono::milliseconds(500));
    EXPECT_EQ(db.applied_index(proto::Domain::Nodes), 1u);
    EXPECT_EQ(cc::state::load_collective(cfg / "collective"),
              (cc::state::CollectiveFile{1, changed}));
}

// ---- the log ----

TEST_F(FollowerDriverTest, logAppendFails_entriesAreNotAcknowledged) {
    proto::Entry e1{2, 1, proto::EntryKind::Noop, {}};
    proto::Entry e2{2, 2, proto::EntryKind::Noop, {}};
    proto::Entry e3{2, 3, proto::EntryKind::Noop, {}};
    deliver("m2", proto::AppendRequest{2, 0, 0, {e1}, 0, 1});
    ASSERT_EQ(acks_through(1), 1u);

    disk.full = true;
    deliver("m2", proto::AppendRequest{2, 1, 2, {e2, e3}, 1, 2});
    EXPECT_EQ(acks_through(2), 0u);
    EXPECT_EQ(disk.entries.size(), 1u);
    // The core forgot them: they are asked for again, not taken as held.
    EXPECT_EQ(driver->status().last_index, 1u);
    // A heartbeat that names them as the leader's prev gets no success either.
    deliver("m2", proto::AppendRequest{2, 3, 2, {}, 1, 3});
    EXPECT_EQ(acks_through(2), 0u);

    disk.full = false;
    deliver("m2", proto::AppendRequest{2, 1, 2, {e2, e3}, 3, 4});
    EXPECT_EQ(acks_through(3), 1u);
    EXPECT_EQ(disk.entries.size(), 3u);
    EXPECT_EQ(driver->status().applied_index, 3u);
}

TEST_F(FollowerDriverTest, logAppendFails_firstEntriesAreNotAcknowledged) {
    proto::Entry e1{2, 1, proto::EntryKind::Noop, {}};
    disk.full = true;
    deliver("m2", proto::AppendRequest{2, 0, 0, {e1}, 1, 1});
    EXPECT_EQ(acks_through(1), 0u);
    EXPECT_TRUE(disk.entries.empty());
    EXPECT_EQ(driver->status().last_index, 0u);
    EXPECT_EQ(driver->status().applied_index, 0u);

    disk.full = false;
    deliver("m2", proto::AppendRequest{2, 0, 0, {e1}, 1, 2});
    EXPECT_EQ(acks_through(1), 1u);
    EXPECT_EQ(driver->status().applied_index, 1u);
}

// ---- a committed entry this build cannot decode ----

TEST_F(FollowerDriverTest, undecodableCommand_keepsAckingAndVotingButRefusesWrites) {
    // A variant index far past the last alternative: a newer build's command.
    const std::string newer("\x7f", 1);
    EXPECT_THROW(proto::from_bytes<proto::Command>(newer), proto::DecodeError);
    proto::Entry e1{2, 1, proto::EntryKind::Command, newer};
    deliver("m2", proto::AppendRequest{2, 0, 0, {e1}, 1, 1});
    EXPECT_EQ(acks_through(1), 1u);
    EXPECT_EQ(driver->status().commit_index, 1u);
    EXPECT_EQ(driver->status().applied_index, 0u);
    ASSERT_TRUE(driver->cannot_apply().has_value());
    EXPECT_NE(driver->cannot_apply()->find("newer build"), std::string::npos)
        << *driver->cannot_apply();

    // It keeps storing and acknowledging later entries, without applying them.
    proto::Entry e2{2, 2, proto::EntryKind::Noop, {}};
    proto::Command later = proto::DefineNodes{"n1", {}};
    proto::Entry e3{2, 3, proto::EntryKind::Command, proto::to_bytes(later)};
    deliver("m2", proto::AppendRequest{2, 1, 2, {e2, e3}, 3, 2});
    EXPECT_EQ(acks_through(3), 1u);
    EXPECT_EQ(driver->status().commit_index, 3u);
    EXPECT_EQ(driver->status().applied_index, 0u);
    EXPECT_FALSE(db.node_exists("n1"));

    // It votes (a leadership transfer to m3, so m2's lease does not hold the
    // vote back), for a candidate whose log is as long as its own.
    deliver("m3", proto::VoteRequest{3, 3, 2, false, true});
    auto votes = granted_votes();
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_EQ(votes[0].term, 3u);
    EXPECT_EQ(hard_state.load(), (cc::storage::HardState{3, "m3", false}));

    // Writes are refused at once.
    std::optional<WriteOutcome> out;
    driver->propose(proto::DefineNodes{"n9", {}}, [&](WriteOutcome o) { out = std::move(o); });
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->outcome, Outcome::NeedsNewerBuild);
    EXPECT_NE(out->reason.find("newer build"), std::string::npos) << out->reason;
    EXPECT_FALSE(db.node_exists("n9"));
}

}  // namespace
