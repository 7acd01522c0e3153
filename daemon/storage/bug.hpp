// Our own bugs abort loudly (docs/ARCHITECTURE.md, errors): a caller that
// breaks the LogStore contract gets a message and a core dump, not a log
// silently written out of order.
#pragma once

#include <cstdlib>
#include <string>

#include "daemon/util/log.hpp"

namespace cc::storage {

[[noreturn]] inline void storage_bug(const std::string& what) {
    cc::log::error("storage contract broken: ", what, " (this is a bug in confluentd)");
    std::abort();
}

}  // namespace cc::storage
