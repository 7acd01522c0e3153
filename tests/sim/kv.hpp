// The simulator's replicated state machine: a key-value map. Command bytes
// are "P <key> <value>" (put); reads go through read_index and look at the
// local map once the read's index is applied.
#pragma once

#include <map>
#include <string>

#include "proto/codec.hpp"

namespace sim {

using Kv = std::map<std::string, std::string>;

inline std::string put_command(const std::string& key, const std::string& value) {
    return "P " + key + " " + value;
}

// Commands come only from the simulator, so a malformed one is a test bug.
inline void apply_command(Kv& kv, const std::string& command) {
    auto a = command.find(' ', 2);
    kv[command.substr(2, a - 2)] = command.substr(a + 1);
}

inline std::string encode_kv(const Kv& kv) {
    return proto::to_bytes(kv);
}
inline Kv decode_kv(const std::string& bytes) {
    return proto::from_bytes<Kv>(bytes);
}

}  // namespace sim
