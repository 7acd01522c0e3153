#include "daemon/storage/record.hpp"

#include "daemon/storage/crc32c.hpp"
#include "daemon/storage/layout.hpp"
#include "proto/codec.hpp"

namespace cc::storage {

namespace {
uint32_t read_fixed32(std::string_view b) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(b[i])) << (8 * i);
    return v;
}
}  // namespace

void append_record(std::string& out, const proto::Entry& entry) {
    proto::Writer w;
    w.fixed32(0);  // length, patched below once the payload size is known
    w.fixed32(0);  // crc
    proto::encode(w, entry);
    std::string rec = w.take();
    auto length = static_cast<uint32_t>(rec.size() - kRecordHeaderBytes);
    for (int i = 0; i < 4; ++i) rec[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    uint32_t crc = crc32c(std::string_view(rec).substr(kRecordHeaderBytes),
                          crc32c(std::string_view(rec).substr(0, 4)));
    for (int i = 0; i < 4; ++i) rec[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    out += rec;
}

RecordScan scan_records(std::string_view records, uint64_t first_index, uint64_t stop_index) {
    RecordScan scan;
    uint64_t expected = first_index;
    size_t pos = 0;
    auto stop = [&](std::string why) {
        scan.problem = std::move(why);
        return scan;
    };
    while (pos < records.size()) {
        if (stop_index != 0 && expected == stop_index) break;
        std::string_view rest = records.substr(pos);
        if (rest.size() < kRecordHeaderBytes) return stop("short record header");
        uint32_t length = read_fixed32(rest);
        if (length == 0 || length > kMaxRecordBytes) {
            bool zeros = rest.find_first_not_of('\0') == std::string_view::npos;
            return stop(zeros ? "zero bytes instead of a record"
                              : "record length " + std::to_string(length) + " out of range");
        }
        if (rest.size() - kRecordHeaderBytes < length) return stop("record cut short");
        std::string_view payload = rest.substr(kRecordHeaderBytes, length);
        uint32_t want = read_fixed32(rest.substr(4));
        if (crc32c(payload, crc32c(rest.substr(0, 4))) != want) return stop("record CRC mismatch");
        proto::Entry e;
        try {
            e = proto::from_bytes<proto::Entry>(payload);
        } catch (const proto::DecodeError& err) {
            return stop(std::string("record does not decode: ") + err.what());
        }
        if (e.index != expected) {
            return stop("entry index " + std::to_string(e.index) + " where " +
                        std::to_string(expected) + " was expected");
        }
        scan.entries.push_back(std::move(e));
        pos += kRecordHeaderBytes + length;
        scan.intact_bytes = pos;
        ++expected;
    }
    return scan;
}

}  // namespace cc::storage
