// The cfg writer reports an index as saved (on_saved, which the daemon hands
// to RaftDriver::files_saved, the log's compaction bound) only once every
// cfg/ file durably holds it: a failed write reports nothing for it, so the
// log is never compacted past what the files hold.
//
// A failed write is injected the real way: cc::fs::write_atomic writes
// `<path>.tmp` and renames it, so a directory named `<path>.tmp` makes the
// open fail (EISDIR); removing it lets the next round succeed.
#include "daemon/app/cfg_writer.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <filesystem>
#include <vector>

#include "daemon/util/fs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CfgWriterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        writer = std::make_unique<cc::app::CfgWriter>(io, db, dir, 10ms,
                                                      [this](uint64_t i) { saved.push_back(i); });
    }
    void TearDown() override { writer.reset(); }
    static void block(const fs::path& path) { fs::create_directory(fs::path(path) += ".tmp"); }
    static void unblock(const fs::path& path) { fs::remove(fs::path(path) += ".tmp"); }

    // Runs the io_context (where on_saved is posted) for `d`.
    void run_for(std::chrono::milliseconds d) {
        auto guard = boost::asio::make_work_guard(io);
        io.restart();
        io.run_for(d);
    }
    // Runs the io_context until pred holds, at most 10 s.
    template <class P>
    bool run_until(P pred) {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!pred() && std::chrono::steady_clock::now() < deadline) run_for(20ms);
        return pred();
    }
    uint64_t max_saved() const {
        return saved.empty() ? 0 : *std::max_element(saved.begin(), saved.end());
    }
    // A command as the daemon's Database applied it at `index`.
    void applied(proto::Command c, uint64_t index) {
        EXPECT_FALSE(db.prepare(c).has_value());
        db.apply(c, index);  // the writer reads `db` when it asks for a copy
    }

    cc::test::TempDir tmp{"cc-cfgwriter"};
    const fs::path dir = tmp.path();
    boost::asio::io_context io;
    cc::state::Database db;
    std::unique_ptr<cc::app::CfgWriter> writer;
    std::vector<uint64_t> saved;
};

TEST_F(CfgWriterTest, nodesWriteFails_savedIndexNotReportedUntilWritten) {
    block(dir / "nodes");
    writer->start();
    applied(proto::DefineNodes{"n1", {}}, 5);
    // Many rounds (every 10 ms), each failing.
    run_for(300ms);
    EXPECT_LT(max_saved(), 5u);
    EXPECT_LT(writer->saved_index(), 5u);
    EXPECT_FALSE(fs::exists(dir / "nodes"));

    unblock(dir / "nodes");
    ASSERT_TRUE(run_until([&] { return max_saved() >= 5; }));
    EXPECT_EQ(max_saved(), 5u);
    auto files = cc::state::Database::load(dir);
    EXPECT_TRUE(files.node_exists("n1"));
    EXPECT_EQ(files.applied_index(proto::Domain::Nodes), 5u);
    EXPECT_EQ(files.applied_index(proto::Domain::NodeGroups), 5u);
    writer->flush_blocking();
    EXPECT_EQ(writer->saved_index(), 5u);
}

// The second file failing after the first was written: the reported index
// is the smallest any file holds, so nothing is reported for the new index.
TEST_F(CfgWriterTest, nodeGroupsWriteFails_savedIndexNotReportedUntilWritten) {
    writer->start();
    applied(proto::DefineNodes{"n1", {}}, 3);
    ASSERT_TRUE(run_until([&] { return max_saved() >= 3; }));

    block(dir / "nodegroups");
    applied(proto::DefineNodes{"n2", {}}, 4);
    run_for(300ms);
    EXPECT_EQ(max_saved(), 3u);
    EXPECT_EQ(writer->saved_index(), 3u);
    // cfg/nodes moved on; cfg/nodegroups still holds 3.
    EXPECT_EQ(cc::state::Database::load(dir).applied_index(proto::Domain::NodeGroups), 3u);

    unblock(dir / "nodegroups");
    ASSERT_TRUE(run_until([&] { return max_saved() >= 4; }));
    EXPECT_EQ(max_saved(), 4u);
    EXPECT_TRUE(cc::state::Database::load(dir).node_exists("n2"));
}

// Shutdown with a file that cannot be written: flush_blocking says so
// rather than returning as if the files held everything.
TEST_F(CfgWriterTest, flushBlockingWriteFails_throws) {
    writer->start();
    block(dir / "nodes");
    applied(proto::DefineNodes{"n1", {}}, 2);
    EXPECT_THROW(writer->flush_blocking(), cc::fs::FsError);
    EXPECT_LT(writer->saved_index(), 2u);
    unblock(dir / "nodes");
}

}  // namespace
