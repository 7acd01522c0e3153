#include "daemon/collective/fresh_start.hpp"

#include <gtest/gtest.h>

#include "daemon/state/member_files.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/util/fs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace cc;
namespace fs = std::filesystem;

TEST(BackupName, isTheUtcTimestamp) {
    // 2026-11-25 18:36:05 UTC
    auto t = std::chrono::system_clock::from_time_t(1795631765);
    EXPECT_EQ(collective::backup_name(t), "cfg.backup-20261125T183605");
}

TEST(ResetForJoin, keepsTheOldCfgAsideAndStartsAFreshMember) {
    test::TempDir root;
    fs::path etc = root.path() / "etc", state = root.path() / "state";
    storage::Layout layout(state);
    fs::create_directories(etc / "cfg");
    fs::create_directories(layout.log_dir());
    cc::fs::write_atomic(etc / "cfg" / "nodes", "old nodes\n");
    cc::fs::write_atomic(etc / "cfg" / "myname", "oldname");
    cc::fs::write_atomic(layout.log_dir() / "00000000000000000001.log", "x");
    storage::HardStateFile(layout.hardstate()).save({7, "other"});
    cc::fs::write_atomic(layout.collective() / "catching-up", "x");

    proto::Membership members;
    members.members = {{"mgt1", "127.0.0.11:13001", "SHA256:a", proto::Role::Voter, false},
                       {"mgt2", "127.0.0.12:13001", "SHA256:b", proto::Role::NonVoter, false}};
    auto now = std::chrono::system_clock::from_time_t(1795631765);
    auto backup = collective::reset_for_join(etc, state, "mgt2", members, now);

    EXPECT_EQ(backup, etc / "cfg.backup-20261125T183605");
    EXPECT_TRUE(fs::exists(backup / "nodes"));
    EXPECT_FALSE(fs::exists(etc / "cfg" / "nodes"));
    EXPECT_EQ(state::load_myname(etc / "cfg" / "myname"), "mgt2");
    auto file = state::load_collective(etc / "cfg" / "collective");
    EXPECT_EQ(file.applied_index, 0u);
    EXPECT_EQ(file.membership, members);
    auto hs = storage::HardStateFile(layout.hardstate()).load();
    ASSERT_TRUE(hs);  // present: a new member, not a restored one
    EXPECT_EQ(hs->term, 0u);
    EXPECT_EQ(hs->voted_for, "");
    EXPECT_FALSE(fs::exists(layout.collective() / "catching-up"));
    EXPECT_TRUE(fs::is_empty(layout.log_dir()));

    // A second join in the same second keeps both backups.
    auto again = collective::reset_for_join(etc, state, "mgt2", members, now);
    EXPECT_EQ(again, etc / "cfg.backup-20261125T183605-2");
}

TEST(ResetForJoin, aJoinerTakingOverAVotersEntryStartsAsRestored) {
    test::TempDir root;
    fs::path etc = root.path() / "etc", state = root.path() / "state";
    proto::Membership members;
    members.members = {{"mgt1", "127.0.0.11:13001", "SHA256:a", proto::Role::Voter, false},
                       {"mgt2", "127.0.0.12:13001", "SHA256:new", proto::Role::Voter, false}};
    collective::reset_for_join(etc, state, "mgt2", members, std::chrono::system_clock::now());
    // No hard state: no vote until it has caught up with a leader.
    EXPECT_FALSE(storage::HardStateFile(storage::Layout(state).hardstate()).load());
    EXPECT_EQ(state::load_myname(etc / "cfg" / "myname"), "mgt2");
}

}  // namespace
