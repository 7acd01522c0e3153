// `collective show` output, built from the daemon's status answer.
//
// Plain (the reference page, byte for byte):
//   Quorum: True
//   Leader: mgt1
//   Active collective members:
//       mgt2
//       mgt3 (nonvoting)
//   Offline collective members:       <- only when some member is offline
//       mgt4
// The leader is not repeated under the active members; names are in natural
// order; 4-space indent.
//
// Verbose (-v) adds, after the plain lines, what an operator needs at 3 a.m.:
// term, commit and applied index, how many more voters may fail before
// quorum is lost, and one line per member with role, state, address, lag
// (entries behind the leader's log) and last contact (known on the leader;
// "-" elsewhere).
//
// JSON (--json): one object with the same facts, for scripts.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "proto/api.hpp"

namespace cc::collective {

std::string format_show(const proto::ApiStatus& s);
std::string format_show_verbose(const proto::ApiStatus& s);
std::string format_show_json(const proto::ApiStatus& s);

// JSON string literal of `text` (quotes included), escaping as RFC 8259 requires.
std::string json_string(const std::string& text);

}  // namespace cc::collective
