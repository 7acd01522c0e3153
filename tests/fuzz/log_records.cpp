// Log records (daemon/storage/record.hpp) as recovery reads them from disk.
// Even first byte: the bytes as they are (the CRC stops most mutations, so
// this exercises the framing). Odd first byte: the rest is cut into
// [varint length][payload] pieces and each is written as a record with a
// valid CRC, so mutations reach the entry decoder and the sequence checks.
#include "daemon/storage/crc32c.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/record.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

std::string with_valid_crcs(std::string_view in) {
    std::string out;
    proto::Reader r(in);
    try {
        while (!r.done()) {
            auto payload = r.raw(std::min<size_t>(r.varint(), r.remaining()));
            proto::Writer w;
            w.fixed32(static_cast<uint32_t>(payload.size()));
            std::string len = w.take();
            uint32_t crc = cc::storage::crc32c(payload, cc::storage::crc32c(len));
            proto::Writer rec;
            rec.raw(len);
            rec.fixed32(crc);
            rec.raw(payload);
            out += rec.take();
        }
    } catch (const proto::DecodeError&) {
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    uint64_t first = 1 + data[1];
    auto rest = cc::fuzz::bytes_of(data + 2, size - 2);
    std::string records = (data[0] & 1) ? with_valid_crcs(rest) : std::string(rest);
    auto scan = cc::storage::scan_records(records, first);
    if (scan.intact_bytes > records.size()) __builtin_trap();
    // What was kept must read back the same once written again (the bytes
    // may differ: a payload with a newer writer's tail is written without it).
    std::string kept;
    for (const auto& e : scan.entries) cc::storage::append_record(kept, e);
    auto again = cc::storage::scan_records(kept, first);
    if (again.entries != scan.entries || !again.problem.empty()) __builtin_trap();
    return 0;
}
