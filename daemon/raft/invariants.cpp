// Cheap self-checks run after every event. A failure is our bug: abort.
// (The simulator checks the cross-member properties: one leader per term,
// log matching, leader completeness, state machine safety.)
#include "daemon/raft/check.hpp"
#include "daemon/raft/state.hpp"

namespace raft::detail {

void State::check_invariants() const {
    RAFT_CHECK(applied <= commit);
    RAFT_CHECK(applied <= persisted);
    RAFT_CHECK(applied >= log.snapshot().index);
    RAFT_CHECK(persisted <= log.last_index());
    RAFT_CHECK(commit <= log.last_index());
    RAFT_CHECK(log.last_term() <= hs.term);
    RAFT_CHECK(role != Role::Leader || leader == cfg.self);
    RAFT_CHECK(!(role == Role::Leader && hs.catching_up));
    for (const auto& e : ready.entries) RAFT_CHECK(e.index > handed || ready.truncate_from);
}

}  // namespace raft::detail
