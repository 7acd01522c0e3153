// Crash and corruption on real segment files: what open() keeps, what it
// cuts (and says so in one WARN line), and what it refuses.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/storage/file_log_store.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/record.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::vector<fs::path> segments_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

class Recovery : public ::testing::Test {
  protected:
    fs::path log() const { return dir_.path() / "log"; }
    fs::path segment(uint64_t first) const { return log() / segment_file_name(first); }

    // Writes entries through the real store and shuts it down cleanly.
    void write(const std::vector<proto::Entry>& entries, uint64_t segment_bytes = 1 << 20) {
        auto store = FileLogStore::open(log(), {}, LogOptions{segment_bytes});
        store->append(entries);
    }

    // Opens the log, returns what it recovered and what it logged on stderr.
    LogState open(std::string* logged = nullptr) {
        ::testing::internal::CaptureStderr();
        LogState s;
        try {
            s = FileLogStore::open(log(), {})->recovered();
        } catch (...) {
            ::testing::internal::GetCapturedStderr();
            throw;
        }
        std::string out = ::testing::internal::GetCapturedStderr();
        if (logged) *logged = out;
        return s;
    }

    // Segment 1 as written with entries 1..5 of term 1, and the offset at
    // which its last record starts (the record the damage tests hit).
    struct FiveEntries {
        std::string bytes;
        size_t last_record_at;
    };
    FiveEntries write_five_entries() {
        auto entries = make_entries(1, 5, 1);
        write(entries);
        std::string last;
        append_record(last, entries.back());
        std::string bytes = read_bytes(segment(1));
        return {bytes, bytes.size() - last.size()};
    }

    // After a repair the log must take new entries and keep them.
    void expect_appends_after_repair(uint64_t next, const std::vector<proto::Entry>& kept) {
        write(make_entries(next, 2, 9));
        EXPECT_EQ(open().entries, concat(kept, make_entries(next, 2, 9)));
    }

    TempDir dir_;
};

size_t count_lines(const std::string& s) {
    return std::count(s.begin(), s.end(), '\n');
}

TEST_F(Recovery, open_cutsATornLastRecordAtEveryByteOffset) {
    const auto [original, start] = write_five_entries();
    const auto kept = make_entries(1, 4, 1);
    for (size_t n = start; n < original.size(); ++n) {
        write_bytes(segment(1), original.substr(0, n));
        std::string logged;
        LogState s = open(&logged);
        EXPECT_EQ(s.entries, kept) << "cut at " << n;
        EXPECT_EQ(fs::file_size(segment(1)), start) << "cut at " << n;
        if (n == start) {
            EXPECT_EQ(logged, "") << "a clean end needs no warning";
            continue;
        }
        EXPECT_EQ(count_lines(logged), 1u) << logged;
        EXPECT_NE(logged.find("WARN"), std::string::npos) << logged;
        EXPECT_NE(logged.find(segment(1).string()), std::string::npos) << logged;
        EXPECT_NE(logged.find("dropped " + std::to_string(n - start) + " bytes from offset " +
                              std::to_string(start)),
                  std::string::npos)
            << logged;
        EXPECT_NE(logged.find(n - start < 8 ? "short record header" : "record cut short"),
                  std::string::npos)
            << logged;
        EXPECT_EQ(open(&logged).entries, kept);
        EXPECT_EQ(logged, "") << "the repair was not made durable";
    }
    expect_appends_after_repair(5, kept);
}

TEST_F(Recovery, open_cutsTheLastRecordWhenAnyOfItsBytesFlips) {
    const auto [original, start] = write_five_entries();
    for (size_t p = start; p < original.size(); ++p) {
        for (char mask : {'\x01', '\x80'}) {
            std::string bad = original;
            bad[p] ^= mask;
            write_bytes(segment(1), bad);
            std::string logged;
            EXPECT_EQ(open(&logged).entries, make_entries(1, 4, 1)) << "flip at " << p;
            EXPECT_EQ(fs::file_size(segment(1)), start) << "flip at " << p;
            EXPECT_NE(logged.find("offset " + std::to_string(start)), std::string::npos) << logged;
        }
    }
    expect_appends_after_repair(5, make_entries(1, 4, 1));
}

TEST_F(Recovery, open_cutsAtAFlippedMiddleRecordAndDropsEverythingAfterIt) {
    auto entries = make_entries(1, 60, 1, 60);
    write(entries, 1024);
    auto files = segments_in(log());
    ASSERT_GE(files.size(), 4u);
    // Flip a payload byte of the third record of the first segment.
    std::string bytes = read_bytes(segment(1));
    std::string two;
    append_record(two, entries[0]);
    append_record(two, entries[1]);
    bytes[kSegmentHeaderBytes + two.size() + 12] ^= 0x10;
    write_bytes(segment(1), bytes);

    std::string logged;
    LogState s = open(&logged);
    EXPECT_EQ(s.entries, make_entries(1, 2, 1, 60));
    EXPECT_EQ(segments_in(log()), std::vector<fs::path>{segment(1)});
    EXPECT_EQ(fs::file_size(segment(1)), kSegmentHeaderBytes + two.size());
    EXPECT_NE(logged.find("record CRC mismatch"), std::string::npos) << logged;
    EXPECT_EQ(count_lines(logged), files.size()) << "one line per file touched:\n" << logged;
    for (size_t k = 1; k < files.size(); ++k) {
        EXPECT_NE(logged.find(files[k].string() + ": removed"), std::string::npos) << logged;
    }
    expect_appends_after_repair(3, make_entries(1, 2, 1, 60));
}

TEST_F(Recovery, open_cutsZerosAfterTheLastRecordOfTheNewestSegmentQuietly) {
    // The space preallocated for the next appends, as a crash leaves it.
    auto entries = make_entries(1, 5, 1);
    write(entries);
    auto size = fs::file_size(segment(1));
    write_bytes(segment(1), read_bytes(segment(1)) + std::string(4096, '\0'));
    std::string logged;
    EXPECT_EQ(open(&logged).entries, entries);
    EXPECT_EQ(fs::file_size(segment(1)), size);
    EXPECT_EQ(logged.find("WARN"), std::string::npos) << logged;
    expect_appends_after_repair(6, entries);
}

TEST_F(Recovery, open_cutsZerosAfterTheLastRecordOfAnOlderSegmentAsDamage) {
    // A finished segment ends at its last record: zeros there mean its last
    // records were lost, and every later segment goes with them.
    auto entries = make_entries(1, 40, 1, 60);
    write(entries, 1024);
    auto files = segments_in(log());
    ASSERT_GE(files.size(), 3u);
    write_bytes(files[0], read_bytes(files[0]) + std::string(4096, '\0'));
    std::string logged;
    auto kept = open(&logged).entries;
    EXPECT_LT(kept.size(), entries.size());
    EXPECT_NE(logged.find("zero bytes instead of a record"), std::string::npos) << logged;
    for (size_t k = 1; k < files.size(); ++k) {
        EXPECT_FALSE(fs::exists(files[k])) << files[k];
        EXPECT_NE(logged.find(files[k].string() + ": removed"), std::string::npos) << logged;
    }
}

TEST_F(Recovery, open_removesTheNewestSegmentQuietlyWhenItHoldsOnlyPreallocatedZeros) {
    auto entries = make_entries(1, 5, 1);
    write(entries);
    write_bytes(segment(6), std::string(kSegmentMagic) + std::string(8192, '\0'));
    std::string logged;
    EXPECT_EQ(open(&logged).entries, entries);
    EXPECT_FALSE(fs::exists(segment(6)));
    EXPECT_EQ(logged.find("WARN"), std::string::npos) << logged;
    expect_appends_after_repair(6, entries);
}

TEST_F(Recovery, theSegmentBeingWrittenIsPreallocatedAndAStopCutsItToItsRecords) {
    auto entries = make_entries(1, 5, 1);
    auto store = FileLogStore::open(log(), {}, LogOptions{1 << 20, 64 * 1024});
    store->append(entries);
    store->flush();
    EXPECT_EQ(fs::file_size(segment(1)), kSegmentHeaderBytes + 64 * 1024);  // preallocated
    store.reset();
    std::string records;
    for (const auto& e : entries) append_record(records, e);
    EXPECT_EQ(fs::file_size(segment(1)), kSegmentHeaderBytes + records.size());
    EXPECT_EQ(open().entries, entries);
}

TEST_F(Recovery, aFinishedSegmentEndsAtItsLastRecordWhileTheNextIsWritten) {
    auto entries = make_entries(1, 60, 1, 60);
    auto store = FileLogStore::open(log(), {}, LogOptions{1024, 512});
    store->append(entries);
    store->flush();
    auto files = segments_in(log());
    ASSERT_GE(files.size(), 3u);
    for (size_t k = 0; k + 1 < files.size(); ++k) {
        std::string bytes = read_bytes(files[k]);
        auto first = *parse_segment_file_name(files[k].filename().string());
        auto scan = scan_records(std::string_view(bytes).substr(kSegmentHeaderBytes), first);
        EXPECT_TRUE(scan.problem.empty()) << files[k] << ": " << scan.problem;
        EXPECT_EQ(bytes.size(), kSegmentHeaderBytes + scan.intact_bytes) << files[k];
    }
    // A crash now (no clean stop): the newest segment's zeros are cut quietly.
    std::string logged;
    auto copy = dir_.path() / "copy";
    fs::copy(log(), copy);
    store.reset();
    fs::remove_all(log());
    fs::rename(copy, log());
    EXPECT_EQ(open(&logged).entries, entries);
    EXPECT_EQ(logged.find("WARN"), std::string::npos) << logged;
}

TEST_F(Recovery, open_removesASegmentFileOfZeros) {
    auto entries = make_entries(1, 5, 1);
    write(entries);
    write_bytes(segment(6), std::string(4096, '\0'));
    std::string logged;
    EXPECT_EQ(open(&logged).entries, entries);
    EXPECT_FALSE(fs::exists(segment(6)));
    EXPECT_NE(logged.find("zero bytes instead of the segment header"), std::string::npos) << logged;
    expect_appends_after_repair(6, entries);
}

TEST_F(Recovery, open_ofALogThatIsOnlyZerosIsEmpty) {
    write(make_entries(1, 5, 1));
    write_bytes(segment(1), std::string(fs::file_size(segment(1)), '\0'));
    LogState s = open();
    EXPECT_TRUE(s.entries.empty());
    EXPECT_EQ(s.first_index, 0u);
    EXPECT_TRUE(segments_in(log()).empty());
    expect_appends_after_repair(1, {});
}

TEST_F(Recovery, open_cutsAnIndexGapInsideASegment) {
    std::string bytes(kSegmentMagic);
    for (uint64_t i : {1, 2, 4, 5}) append_record(bytes, make_entries(i, 1, 1)[0]);
    fs::create_directories(log());
    write_bytes(segment(1), bytes);
    std::string logged;
    EXPECT_EQ(open(&logged).entries, make_entries(1, 2, 1));
    EXPECT_NE(logged.find("entry index 4 where 3 was expected"), std::string::npos) << logged;
}

TEST_F(Recovery, open_refusesALogWithAMissingSegment) {
    write(make_entries(1, 60, 1, 60), 1024);
    auto files = segments_in(log());
    ASSERT_GE(files.size(), 3u);
    fs::remove(files[1]);
    try {
        open();
        FAIL() << "a missing segment was accepted";
    } catch (const StorageError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(files[1].string() + " is missing"), std::string::npos) << what;
        EXPECT_NE(what.find("restore it from a backup"), std::string::npos) << what;
    }
    EXPECT_EQ(segments_in(log()).size(), files.size() - 1) << "nothing may be cut";
}

TEST_F(Recovery, open_refusesForeignAndNewerSegments) {
    write(make_entries(1, 3, 1));
    std::string bytes = read_bytes(segment(1));
    write_bytes(segment(1), "NOTALOG!" + bytes.substr(kSegmentHeaderBytes));
    EXPECT_THROW(
        {
            try {
                open();
            } catch (const StorageError& e) {
                EXPECT_NE(std::string(e.what()).find("is not a confluent log segment"),
                          std::string::npos)
                    << e.what();
                throw;
            }
        },
        StorageError);
    bytes[7] = 2;
    write_bytes(segment(1), bytes);
    EXPECT_THROW(
        {
            try {
                open();
            } catch (const StorageError& e) {
                EXPECT_NE(std::string(e.what()).find("format version 2, newer"), std::string::npos)
                    << e.what();
                throw;
            }
        },
        StorageError);
}

TEST_F(Recovery, truncateSuffix_acrossASegmentBoundaryRemovesWholeFilesAndCutsOne) {
    write(make_entries(1, 80, 1, 60), 1024);
    auto files = segments_in(log());
    ASSERT_GE(files.size(), 4u);
    uint64_t third = *parse_segment_file_name(files[2].filename().string());
    {
        auto store = FileLogStore::open(log(), {}, LogOptions{1024});
        store->truncate_suffix(third + 2);
        store->flush();
        EXPECT_EQ(segments_in(log()), std::vector<fs::path>(files.begin(), files.begin() + 3));
        store->truncate_suffix(third);
        store->flush();
        EXPECT_EQ(segments_in(log()), std::vector<fs::path>(files.begin(), files.begin() + 2));
        store->append(make_entries(third, 30, 2, 60));
    }
    EXPECT_EQ(open().entries,
              concat(make_entries(1, third - 1, 1, 60), make_entries(third, 30, 2, 60)));
}

TEST_F(Recovery, compactPrefix_removesOnlyWholeSegmentsCoveredBySnapshot) {
    write(make_entries(1, 80, 1, 60), 1024);
    auto files = segments_in(log());
    ASSERT_GE(files.size(), 4u);
    uint64_t third = *parse_segment_file_name(files[2].filename().string());
    uint64_t fourth = *parse_segment_file_name(files[3].filename().string());
    {
        auto store = FileLogStore::open(log(), {}, LogOptions{1024});
        store->compact_prefix(fourth - 2);  // the third segment still holds fourth - 1
    }
    EXPECT_EQ(segments_in(log()), std::vector<fs::path>(files.begin() + 2, files.end()));
    LogState s = open();
    EXPECT_EQ(s.first_index, third);
    EXPECT_EQ(s.entries, make_entries(third, 80 - third + 1, 1, 60));
}

TEST_F(Recovery, append_withATinySegmentLimitPutsOneEntryPerSegment) {
    write(make_entries(1, 5, 1), 1);
    EXPECT_EQ(segments_in(log()).size(), 5u);
    EXPECT_EQ(segments_in(log()).back(), segment(5));
    EXPECT_EQ(open().entries, make_entries(1, 5, 1));
}

}  // namespace
}  // namespace cc::storage::test
