#include "daemon/storage/recovery.hpp"

#include <algorithm>
#include <map>

#include "daemon/storage/file_io.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/record.hpp"
#include "daemon/util/log.hpp"

namespace cc::storage {
namespace {

bool all_zero(std::string_view b) {
    return b.find_first_not_of('\0') == std::string_view::npos;
}

// Why the header is a crash leftover (torn), or throws if the file is not ours.
// Returns an empty string for a good header.
std::string check_header(const std::filesystem::path& path, std::string_view bytes) {
    std::string_view head = bytes.substr(0, kSegmentHeaderBytes);
    if (head == kSegmentMagic) return {};
    if (all_zero(head)) return "zero bytes instead of the segment header";
    if (head.size() < kSegmentHeaderBytes && kSegmentMagic.starts_with(head)) {
        return "segment header cut short";
    }
    if (head.size() == kSegmentHeaderBytes && head.substr(0, 7) == kSegmentMagic.substr(0, 7)) {
        throw StorageError(path.string() + " is a log segment of format version " +
                               std::to_string(static_cast<uint8_t>(head[7])) +
                               ", newer than this confluentd understands: upgrade confluentd",
                           path);
    }
    throw StorageError(path.string() +
                           " is not a confluent log segment (bad header): move it out of " +
                           path.parent_path().string(),
                       path);
}

std::map<uint64_t, std::filesystem::path> list_segments(const std::filesystem::path& dir) {
    std::map<uint64_t, std::filesystem::path> found;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (auto first = parse_segment_file_name(it->path().filename().string())) {
            found.emplace(*first, it->path());
        }
    }
    if (ec)
        throw StorageError("cannot list " + dir.string() + ": " + ec.message(), dir, ec.value());
    return found;
}

}  // namespace

RecoveredLog recover_log(const std::filesystem::path& dir) {
    RecoveredLog out;
    auto files = list_segments(dir);
    bool changed = false;
    bool cut = false;  // a damaged record was met: every later segment goes
    std::string cut_at;
    uint64_t next = 0;  // index the next segment must start with (0: any)
    for (const auto& [first, path] : files) {
        if (cut) {
            std::error_code ec;
            auto size = std::filesystem::file_size(path, ec);
            remove_file(path);
            cc::log::warn("log segment ", path.string(), ": removed (", size,
                          " bytes) because the log was cut before it, at ", cut_at);
            changed = true;
            continue;
        }
        if (next != 0 && first != next) {
            std::string why = first > next ? "is missing" : "overlaps the one before";
            throw StorageError("log segment " + dir.string() + "/" + segment_file_name(next) + " " +
                                   why + " (next file is " + path.filename().string() +
                                   "): restore it from a backup, or remove " + dir.string() +
                                   " so that this member catches up from the leader",
                               path);
        }
        std::string bytes = read_whole_file(path);
        std::string problem = check_header(path, bytes);
        RecordScan scan;
        size_t keep = 0;
        if (problem.empty()) {
            scan = scan_records(std::string_view(bytes).substr(kSegmentHeaderBytes), first);
            problem = scan.problem;
            keep = kSegmentHeaderBytes + scan.intact_bytes;
        }
        if (!problem.empty()) {
            // Zeros after the last record of the newest segment are the space
            // preallocated for its next appends (SegmentFiles), not damage.
            const bool preallocated = first == files.rbegin()->first &&
                                      keep >= kSegmentHeaderBytes &&
                                      all_zero(std::string_view(bytes).substr(keep));
            cut = true;
            cut_at = path.string() + " offset " + std::to_string(keep);
            std::string ends = !scan.entries.empty()
                                   ? "at index " + std::to_string(scan.entries.back().index)
                               : !out.state.entries.empty()
                                   ? "at index " + std::to_string(out.state.entries.back().index)
                                   : "empty";
            if (preallocated) {
                cc::log::debug("log segment ", path.string(), ": cut ", bytes.size() - keep,
                               " preallocated bytes after offset ", keep);
            } else {
                cc::log::warn("log segment ", path.string(), ": dropped ", bytes.size() - keep,
                              " bytes from offset ", keep, " (", problem, "); the log is now ",
                              ends);
            }
            changed = true;
            if (scan.entries.empty()) {
                remove_file(path);
                continue;
            }
            truncate_file(path, keep);
        } else if (scan.entries.empty()) {
            remove_file(path);  // created just before a crash, nothing in it yet
            changed = true;
            continue;
        }
        if (out.state.entries.empty()) out.state.first_index = first;
        SegmentInfo seg{first, scan.entries.back().index, scan.entries.back().term, keep, path};
        next = seg.last_index + 1;
        out.segments.push_back(seg);
        std::move(scan.entries.begin(), scan.entries.end(), std::back_inserter(out.state.entries));
    }
    if (changed) sync_directory(dir);
    return out;
}

}  // namespace cc::storage
