// Cheap self-checks run after every event. A failure is our bug: abort.
// (The simulator checks the cross-member properties: one leader per term,
// log matching, leader completeness, state machine safety.)
#include "daemon/raft/state.hpp"
#include "daemon/util/check.hpp"

namespace raft::detail {

void State::check_invariants() const {
    CC_CHECK(applied <= commit);
    CC_CHECK(applied <= persisted);
    CC_CHECK(applied >= log.snapshot().index);
    CC_CHECK(persisted <= log.last_index());
    CC_CHECK(commit <= log.last_index());
    CC_CHECK(log.last_term() <= hs.term);
    CC_CHECK(role != Role::Leader || leader == cfg.self);
    CC_CHECK(!(role == Role::Leader && hs.catching_up));
    for (const auto& e : ready.entries) CC_CHECK(e.index > handed || ready.truncate_from);
}

}  // namespace raft::detail
