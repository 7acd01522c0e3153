// Internal: a fast reader for exactly the TOML subset that cfg/nodes and
// cfg/nodegroups are written in (comments, `applied_index = N`, `[name]`
// headers, `key = "string"` lines). toml++ builds a full document tree, which
// costs ~1.3 s and ~300 MiB for 100,000 nodes; this reader streams into the
// domain directly. On anything outside the subset (hand edits, errors) it
// returns false and the caller parses with toml++, which accepts all of TOML
// and reports errors with their line.
#pragma once

#include <string_view>

#include "daemon/state/store.hpp"

namespace cc::state {

// Fills `dom` (must be empty) and its indexes; false when the text is outside
// the subset or breaks a name/value rule (then `dom` is left cleared).
bool read_domain_fast(std::string_view text, Database::Impl& db, Domain& dom,
                      std::string_view kind);

}  // namespace cc::state
