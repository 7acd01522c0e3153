#include "daemon/storage/log_store.hpp"

#include "daemon/util/check.hpp"

namespace cc::storage {

std::ostream& operator<<(std::ostream& os, const LogPosition& p) {
    return os << "index " << p.index << " term " << p.term;
}

LogPosition LogState::last() const {
    if (entries.empty()) return {};
    return {entries.back().index, entries.back().term};
}

void check_contiguous(const std::vector<proto::Entry>& entries) {
    for (size_t k = 1; k < entries.size(); ++k) {
        CC_CHECK(entries[k].index == entries[k - 1].index + 1, "append of non-contiguous entries ",
                 entries[k - 1].index, " then ", entries[k].index);
    }
}

}  // namespace cc::storage
