#include "daemon/collective/moved_members.hpp"

#include "daemon/collective/member_list.hpp"

namespace cc::collective {

void MovedMembers::seen(const std::string& member, const std::string& address) {
    seen_[member] = address;
}

std::optional<MovedMembers::Change> MovedMembers::next(const raft::Status& status,
                                                       Clock::time_point now) {
    if (in_flight_ || now < not_before_ || status.role != raft::Role::Leader) return std::nullopt;
    for (auto it = seen_.begin(); it != seen_.end();) {
        const proto::MemberInfo* m = find_member(status.membership, it->first);
        if (m == nullptr || m->address == it->second) {
            // Deleted, or where the list already says: nothing to record.
            it = seen_.erase(it);
            continue;
        }
        proto::MemberInfo moved = *m;
        moved.address = it->second;
        // Kept until the list says so: a failed change is tried again.
        in_flight_ = true;
        return Change{it->first, m->address, it->second, with_member(status.membership, moved)};
    }
    return std::nullopt;
}

void MovedMembers::finished(bool committed, Clock::time_point now) {
    in_flight_ = false;
    if (!committed) not_before_ = now + kRetryAfter;
}

}  // namespace cc::collective
