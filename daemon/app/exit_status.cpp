#include "daemon/app/exit_status.hpp"

#include <unistd.h>

#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

void exit_on_lost_durability(const std::string& why) {
    cc::log::error("fsync failed: ", why,
                   "; what reached the disk is unknown, so confluentd stops now (exit status ",
                   kExitDurabilityLost, "); check the disk, then start it again");
    ::_exit(kExitDurabilityLost);
}

void install_sync_failure_handler() {
    cc::fs::set_sync_failure_handler(
        [](const std::string& line) { exit_on_lost_durability(line); });
}

}  // namespace cc::app
