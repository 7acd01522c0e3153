// What this build is, for every program's --version and confluentd's
// start-up line: the release (CMake's project version, CC_VERSION) and the
// range of peer protocol versions it speaks (proto/peer.hpp). The daemon and
// the tools print the same line, so an administrator checking a rolling
// upgrade reads one format on every member.
#pragma once

#include <string>

#include "proto/peer.hpp"

#ifndef CC_VERSION
#error "CC_VERSION comes with the cc_proto target (proto/CMakeLists.txt): link it"
#endif

namespace proto {

inline constexpr const char* kBuildVersion = CC_VERSION;
// The --version line of every program's --help.
inline constexpr const char* kVersionOptionHelp =
    "show this build's release and the peer protocol versions it speaks";

// "collective (confluent-collective) 0.1.0, peer protocol v1 to v6"
inline std::string version_line(const std::string& program) {
    return program + " (confluent-collective) " + kBuildVersion + ", peer protocol v" +
           std::to_string(kPeerVersionMin) + " to v" + std::to_string(kPeerVersionMax);
}

}  // namespace proto
