// A log directory as a crash or a damaged disk leaves it, recovered at start
// (daemon/storage/recovery.hpp). The input is cut at each segment magic into
// up to four segment files, each named by the index its first record holds
// (when it decodes), so contiguous logs and every kind of gap come up.
// StorageError is the one refusal (a foreign or newer file: an administrator
// must look); anything else is repaired, and a second recovery of the
// repaired directory must find the same log and change nothing.
#include <vector>

#include "daemon/storage/layout.hpp"
#include "daemon/storage/recovery.hpp"
#include "daemon/storage/storage_error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

// The index in the first record of a segment, if its payload decodes.
uint64_t first_index_of(std::string_view segment, uint64_t fallback) {
    if (segment.size() < cc::storage::kSegmentHeaderBytes + cc::storage::kRecordHeaderBytes)
        return fallback;
    auto rec = segment.substr(cc::storage::kSegmentHeaderBytes);
    proto::Reader len(rec.substr(0, 4));
    uint32_t n = len.fixed32();
    if (rec.size() - cc::storage::kRecordHeaderBytes < n) return fallback;
    try {
        auto e = proto::from_bytes<proto::Entry>(rec.substr(cc::storage::kRecordHeaderBytes, n));
        return e.index == 0 ? fallback : e.index;
    } catch (const proto::DecodeError&) {
        return fallback;
    }
}

bool same(const cc::storage::RecoveredLog& a, const cc::storage::RecoveredLog& b) {
    if (a.state.first_index != b.state.first_index || a.state.entries != b.state.entries ||
        a.segments.size() != b.segments.size())
        return false;
    for (size_t i = 0; i < a.segments.size(); ++i) {
        const auto &x = a.segments[i], &y = b.segments[i];
        if (x.first_index != y.first_index || x.last_index != y.last_index ||
            x.last_term != y.last_term || x.bytes != y.bytes || x.path != y.path)
            return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cc::fuzz::quiet_logs();
    auto in = cc::fuzz::bytes_of(data, size);
    auto dir = cc::fuzz::fresh_dir("log");
    // Cut before every magic after the start: up to four segments.
    std::vector<std::string_view> segments;
    size_t start = 0;
    while (segments.size() < 3) {
        size_t at = in.find(cc::storage::kSegmentMagic, start + 1);
        if (at == std::string_view::npos) break;
        segments.push_back(in.substr(start, at - start));
        start = at;
    }
    segments.push_back(in.substr(start));
    uint64_t next_name = 1;
    for (auto seg : segments) {
        uint64_t first = first_index_of(seg, next_name);
        if (first >= proto::kMaxTermOrIndex) first = next_name;
        cc::fuzz::write_file(dir / cc::storage::segment_file_name(first), seg);
        next_name = first + 1000;
    }
    cc::storage::RecoveredLog once;
    try {
        once = cc::storage::recover_log(dir);
    } catch (const cc::storage::StorageError&) {
        return 0;
    }
    auto twice = cc::storage::recover_log(dir);
    if (!same(once, twice)) __builtin_trap();
    return 0;
}
