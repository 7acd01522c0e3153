// The checks of verify.hpp have teeth: histories that lose or invent writes
// are rejected, outcomes are honoured as the API states them.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/faults/verify.hpp"

namespace {

using namespace cc::faults;

Op write(uint64_t id, int64_t call, int64_t ret, Outcome o = Outcome::Ok) {
    Op op;
    op.id = id;
    op.key = "k";
    op.write = true;
    op.value = std::to_string(id);
    op.call_ns = call;
    op.ret_ns = ret;
    op.outcome = o;
    return op;
}

Op read(uint64_t id, int64_t call, int64_t ret, std::string value) {
    Op op;
    op.id = id;
    op.key = "k";
    op.value = std::move(value);
    op.call_ns = call;
    op.ret_ns = ret;
    op.outcome = Outcome::Ok;
    return op;
}

TEST(CheckHistory, readAfterAcknowledgedWrite_mustSeeIt) {
    EXPECT_EQ(check_history({write(1, 0, 10), read(2, 20, 30, "1")}), "yes");
    EXPECT_NE(check_history({write(1, 0, 10), read(2, 20, 30, "")}), "yes");
}

TEST(CheckHistory, lostAcknowledgedWrite_isAViolation) {
    // 2 was acknowledged after 1, yet a later read sees 1.
    auto verdict = check_history({write(1, 0, 10), write(3, 20, 30), read(4, 40, 50, "1")});
    EXPECT_NE(verdict.find("violation"), std::string::npos) << verdict;
}

TEST(CheckHistory, unknownWrite_mayOrMayNotTakeEffect) {
    EXPECT_EQ(check_history({write(1, 0, 10, Outcome::Unknown), read(2, 20, 30, "1")}), "yes");
    EXPECT_EQ(check_history({write(1, 0, 10, Outcome::Unknown), read(2, 20, 30, "")}), "yes");
    // But not before it was sent.
    EXPECT_NE(check_history({read(2, 0, 5, "1"), write(1, 10, 20, Outcome::Unknown)}), "yes");
}

TEST(CheckHistory, writeRefusedAsDefinite_mustNeverShowUp) {
    EXPECT_NE(check_history({write(1, 0, 10, Outcome::Failed), read(2, 20, 30, "1")}), "yes");
}

TEST(CfgFiles, listsEveryFileButMyname) {
    auto dir = std::filesystem::temp_directory_path() / "cc-faults-cfg-test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "sub");
    std::ofstream(dir / "myname") << "mgt1";
    std::ofstream(dir / "nodes") << "a";
    std::ofstream(dir / "sub" / "x") << "b";
    auto files = cfg_files(dir);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].first, "nodes");
    EXPECT_EQ(files[0].second, "a");
    EXPECT_EQ(files[1].first, "sub/x");
    std::filesystem::remove_all(dir);
}

}  // namespace
