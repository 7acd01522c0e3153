#include <gtest/gtest.h>

#include "daemon/storage/crc32c.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/record.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace cc::storage::test {
namespace {

TEST(Crc32c, matchesTheStandardCheckValues) {
    EXPECT_EQ(crc32c(""), 0u);
    EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value (RFC 3720)
    EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
    EXPECT_EQ(crc32c("56789", crc32c("1234")), crc32c("123456789"));
    EXPECT_EQ(crc32c_portable("123456789"), 0xE3069283u);
}

// crc32c uses the CPU's instruction where it can: it must sum every length
// and alignment as the table-driven form does.
TEST(Crc32c, theInstructionAndTheTablesAgree) {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(i * 37 + 11));
    for (size_t from = 0; from < 9; ++from)
        for (size_t len = 0; from + len <= bytes.size(); len += 7) {
            std::string_view s(bytes.data() + from, len);
            ASSERT_EQ(crc32c(s, 0x1234u), crc32c_portable(s, 0x1234u)) << from << "+" << len;
        }
}

TEST(SegmentFileName, roundTripsAndRejectsOtherNames) {
    EXPECT_EQ(segment_file_name(1), "00000000000000000001.log");
    EXPECT_EQ(parse_segment_file_name(segment_file_name(52311)), 52311u);
    EXPECT_EQ(parse_segment_file_name(segment_file_name(UINT64_MAX)), UINT64_MAX);
    EXPECT_FALSE(parse_segment_file_name("00000000000000000000.log"));
    EXPECT_FALSE(parse_segment_file_name("0000000000000000001.log"));
    EXPECT_FALSE(parse_segment_file_name("00000000000000000001.log.tmp"));
    EXPECT_FALSE(parse_segment_file_name("0000000000000000000x.log"));
    EXPECT_FALSE(parse_segment_file_name("hardstate"));
}

std::string records_of(const std::vector<proto::Entry>& entries) {
    std::string out;
    for (const auto& e : entries) append_record(out, e);
    return out;
}

TEST(ScanRecords, readsBackWhatWasAppended) {
    auto entries = make_entries(7, 5, 2);
    std::string bytes = records_of(entries);
    RecordScan scan = scan_records(bytes, 7);
    EXPECT_EQ(scan.entries, entries);
    EXPECT_EQ(scan.intact_bytes, bytes.size());
    EXPECT_EQ(scan.problem, "");
}

TEST(ScanRecords, stopsBeforeTheRequestedIndex) {
    auto entries = make_entries(1, 5, 1);
    std::string bytes = records_of(entries);
    RecordScan scan = scan_records(bytes, 1, 4);
    ASSERT_EQ(scan.entries.size(), 3u);
    EXPECT_EQ(scan.intact_bytes, records_of(make_entries(1, 3, 1)).size());
    EXPECT_EQ(scan.problem, "");
}

TEST(ScanRecords, namesWhatIsWrongWithTheFirstBadRecord) {
    auto two = records_of(make_entries(1, 2, 1));
    auto good = records_of(make_entries(1, 1, 1));
    EXPECT_EQ(scan_records(two.substr(0, good.size() + 3), 1).problem, "short record header");
    EXPECT_EQ(scan_records(two.substr(0, two.size() - 1), 1).problem, "record cut short");
    EXPECT_EQ(scan_records(good + std::string(100, '\0'), 1).problem,
              "zero bytes instead of a record");
    std::string flipped = two;
    flipped[good.size() + 12] ^= 0x20;
    EXPECT_EQ(scan_records(flipped, 1).problem, "record CRC mismatch");
    EXPECT_EQ(scan_records(two, 2).problem, "entry index 1 where 2 was expected");
    std::string huge = good + std::string("\xff\xff\xff\x7f", 4) + std::string(8, 'x');
    EXPECT_EQ(scan_records(huge, 1).problem, "record length 2147483647 out of range");
    auto r = scan_records(flipped, 1);
    EXPECT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.intact_bytes, good.size());
}

}  // namespace
}  // namespace cc::storage::test
