// The linearizability checker itself: it must reject what is not
// linearizable, or the simulator's final check proves nothing.
#include <gtest/gtest.h>

#include "tests/sim/linearizability.hpp"

namespace {

using sim::kNever;
using sim::KvOp;
using sim::LinVerdict;

KvOp put(uint64_t id, std::string v, uint64_t call, uint64_t ret) {
    return {id, "k", true, std::move(v), call, ret, ret != kNever};
}
KvOp get(uint64_t id, std::string v, uint64_t call, uint64_t ret) {
    return {id, "k", false, std::move(v), call, ret, true};
}

TEST(Linearizability, acceptsASequentialHistory) {
    auto r = sim::check_linearizable(
        {put(1, "a", 1, 2), get(2, "a", 3, 4), put(3, "b", 5, 6), get(4, "b", 7, 8)});
    EXPECT_EQ(r.verdict, LinVerdict::Linearizable);
}

TEST(Linearizability, rejectsAStaleRead) {
    auto r = sim::check_linearizable({put(1, "a", 1, 2), put(2, "b", 3, 4), get(3, "a", 5, 6)});
    EXPECT_EQ(r.verdict, LinVerdict::Violation);
    EXPECT_NE(r.detail.find("key k"), std::string::npos);
}

TEST(Linearizability, rejectsAReadOfAValueNeverWritten) {
    auto r = sim::check_linearizable({get(1, "zz", 1, 2)});
    EXPECT_EQ(r.verdict, LinVerdict::Violation);
}

TEST(Linearizability, concurrentOperationsMayTakeEitherOrder) {
    auto r = sim::check_linearizable({put(1, "a", 1, 10), get(2, "a", 2, 3), get(3, "", 4, 5)});
    EXPECT_EQ(r.verdict, LinVerdict::Violation) << "a then absent is impossible: no delete";
    r = sim::check_linearizable({put(1, "a", 1, 10), get(3, "", 2, 3), get(2, "a", 4, 5)});
    EXPECT_EQ(r.verdict, LinVerdict::Linearizable);
}

TEST(Linearizability, unknownWritesMayApplyLateOrNever) {
    // A timed-out write seen much later, and another never seen at all.
    auto r = sim::check_linearizable(
        {put(1, "a", 1, kNever), put(2, "b", 2, 3), get(3, "b", 4, 5), get(4, "a", 6, 7)});
    EXPECT_EQ(r.verdict, LinVerdict::Linearizable);
    r = sim::check_linearizable({put(1, "a", 1, kNever), get(2, "", 2, 3)});
    EXPECT_EQ(r.verdict, LinVerdict::Linearizable);
    // But not before it was called.
    r = sim::check_linearizable({get(1, "a", 1, 2), put(2, "a", 3, kNever)});
    EXPECT_EQ(r.verdict, LinVerdict::Violation);
}

}  // namespace
