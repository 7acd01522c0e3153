#include "daemon/collective/dropped_member.hpp"

#include "daemon/util/log.hpp"

namespace cc::collective {

void DroppedMember::refused_by(const std::string& by, const std::string& leader,
                               Clock::time_point now) {
    if (!leader.empty()) {
        first_refusal_.clear();
        line_.reset();
        return;
    }
    auto first = first_refusal_.emplace(by, now).first->second;
    if (line_ || now - first < kPersist) return;
    line_ = "this member (" + my_name_ + ") is no longer in the collective: " + by +
            " refused its key (deleted, or dropped by collective recover); it takes no writes; "
            "wipe it and invite it again: on " +
            my_name_ + " run 'collective join " + by + " -i $(ssh " + by + " collective invite " +
            my_name_ + ")'";
    cc::log::error(*line_);
}

std::optional<std::string> DroppedMember::reason(const std::string& leader) {
    if (!leader.empty()) {
        first_refusal_.clear();
        line_.reset();
    }
    return line_;
}

}  // namespace cc::collective
