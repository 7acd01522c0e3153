// Terms and log indexes of 2^62 or more are refused where they enter from
// outside (proto decoders, the state files), so the core's term + 1 and
// to_toml_int never meet one (it aborts beyond int64 as our own bug).
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/record.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"
#include "proto/codec.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

constexpr uint64_t kLimit = proto::kMaxTermOrIndex;

TEST(TermBound, hardstateWithATermOf2To62OrMoreIsCorruptNotAnAbortLater) {
    TempDir dir;
    HardStateFile f(dir.path() / "hardstate");
    for (uint64_t bad : {kLimit, uint64_t{9223372036854775807u}}) {
        std::ofstream(f.path()) << "format = 1\nterm = " << bad << "\n";
        try {
            f.load();
            ADD_FAILURE() << "loaded term " << bad;
        } catch (const StorageError& e) {
            EXPECT_NE(std::string(e.what()).find("term must be a non-negative integer below 2^62"),
                      std::string::npos)
                << e.what();
        }
    }
    // The largest accepted term saves and loads (and term + 1 would too).
    f.save({kLimit - 1, "mgt2", false});
    EXPECT_EQ(f.load()->term, kLimit - 1);
}

TEST(TermBound, snapshotMetaWithAnIndexOf2To62OrMoreIsCorrupt) {
    TempDir dir;
    SnapshotMetaFile f(dir.path() / "snapshot-meta");
    std::ofstream(f.path()) << "format = 1\nindex = " << kLimit << "\nterm = 1\n";
    EXPECT_THROW(f.load(), StorageError);
    std::ofstream(f.path()) << "format = 1\nindex = 5\nterm = 1\nmembership_index = " << kLimit
                            << "\n";
    EXPECT_THROW(f.load(), StorageError);
}

TEST(TermBound, logRecordWithAnIndexOf2To62OrMoreEndsTheScan) {
    std::string records;
    append_record(records, proto::Entry{1, 1, proto::EntryKind::Noop, {}});
    append_record(records, proto::Entry{kLimit, 2, proto::EntryKind::Noop, {}});
    auto scan = scan_records(records, 1);
    EXPECT_EQ(scan.entries.size(), 1u);
    EXPECT_NE(scan.problem.find("does not decode"), std::string::npos) << scan.problem;
}

}  // namespace
}  // namespace cc::storage::test
