// Where the consensus state lives, and the byte layout of the log.
//
// Directory tree under STATE (default /var/lib/confluent):
//
//   collective/
//     hardstate          current term and vote, TOML (see hard_state_file.hpp)
//     snapshot-meta      index, term and membership of the last compacted entry,
//                        TOML (see snapshot_meta_file.hpp)
//     log/
//       00000000000000000001.log    segment files, named by the index of their
//       00000000000000052311.log    first entry, 20 digits, zero-padded
//
// Segment file, format version 1:
//
//   header  8 bytes   "CCLOG" '\0' '\0' '\1'  (magic, then the version byte)
//   record  repeated  [fixed32 length][fixed32 crc][payload]
//
//   length   little-endian byte count of payload, 1 .. kMaxRecordBytes
//   crc      little-endian CRC32C (Castagnoli) of the 4 length bytes followed
//            by the payload; covering the length means a run of zero bytes is
//            never a valid record
//   payload  proto::to_bytes(proto::Entry)
//
// Entries are contiguous: each record's index is the previous one plus one,
// the first record of a segment has the index in its name, and each segment
// starts right after the last entry of the one before. A segment is closed
// and a new one started once it reaches LogOptions::segment_bytes, so
// compaction can delete whole files.
//
// Recovery (FileLogStore::open): the first record that is short, fails its
// CRC, does not decode or breaks the index sequence (including a first record
// that does not match the file name) ends the log; it and everything after
// it, later segments included, is cut off with one WARN line per file, except
// zeros after the last record of the newest segment: that is the space
// SegmentFiles preallocates, cut without a warning. A
// segment header that is short or zero is a torn creation and is cut the same
// way. A segment missing between two others, or a header with a foreign magic
// or a newer version, is an error: that is no crash leftover, and an
// administrator must look.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cc::storage {

inline constexpr std::string_view kSegmentMagic{"CCLOG\0\0\1", 8};
inline constexpr size_t kSegmentHeaderBytes = 8;
inline constexpr size_t kRecordHeaderBytes = 8;
// A larger length field is treated as corruption (entries are far smaller).
inline constexpr uint32_t kMaxRecordBytes = 64u * 1024 * 1024;

// Paths of the consensus state below STATE (e.g. /var/lib/confluent).
struct Layout {
    explicit Layout(std::filesystem::path state_dir) : state(std::move(state_dir)) {}
    std::filesystem::path state;
    std::filesystem::path collective() const { return state / "collective"; }
    std::filesystem::path log_dir() const { return collective() / "log"; }
    std::filesystem::path hardstate() const { return collective() / "hardstate"; }
    std::filesystem::path snapshot_meta() const { return collective() / "snapshot-meta"; }
};

// "00000000000000000001.log" for first index 1.
std::string segment_file_name(uint64_t first_index);
// The first index encoded in a segment file name; nothing if the name is not one.
std::optional<uint64_t> parse_segment_file_name(std::string_view name);

}  // namespace cc::storage
