// The simulator's replicated state machine: a key-value map. Command bytes
// are "P <key> <value>" (put); reads go through read_index and look at the
// local map once the read's index is applied.
//
// Exactly-once puts (Sim::put_once) are entries of kind SessionCommand whose
// bytes are "S <session> <seq> <acked_below> P <key> <value>", the
// simulator's stand-in for proto::SessionCommand: each member keeps a
// cc::state::SessionTable, as the node database does, and applies only the
// first copy of a (session, seq) that the log holds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "daemon/state/session_table.hpp"
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

struct OnceCommand {
    std::string session;  // "<member>/<incarnation>", new at each start
    uint64_t seq = 0;     // 1, 2, ... within the session
    uint64_t acked_below = 0;
    std::string command;  // put_command(key, value)
};

inline std::string once_command(const OnceCommand& w) {
    return "S " + w.session + " " + std::to_string(w.seq) + " " + std::to_string(w.acked_below) +
           " " + w.command;
}

// Like apply_command: the bytes come only from the simulator.
inline OnceCommand parse_once(const std::string& data) {
    OnceCommand w;
    size_t a = data.find(' ', 2), b = data.find(' ', a + 1), c = data.find(' ', b + 1);
    w.session = data.substr(2, a - 2);
    w.seq = std::stoull(data.substr(a + 1, b - a - 1));
    w.acked_below = std::stoull(data.substr(b + 1, c - b - 1));
    w.command = data.substr(c + 1);
    return w;
}

// The key a checker uses for one exactly-once write.
inline std::string once_key(const OnceCommand& w) {
    return w.session + "#" + std::to_string(w.seq);
}

// The replicated state as snapshots carry it: the map and the session table.
struct Image {
    Kv kv;
    std::vector<cc::state::SessionTable::Record> sessions;
    CC_PROTO_FIELDS(kv, sessions)
};

inline std::string encode_state(const Kv& kv, const cc::state::SessionTable& sessions) {
    return proto::to_bytes(Image{kv, sessions.records()});
}
inline void decode_state(const std::string& bytes, Kv& kv, cc::state::SessionTable& sessions) {
    Image img = proto::from_bytes<Image>(bytes);
    kv = std::move(img.kv);
    sessions = cc::state::SessionTable::from_records(std::move(img.sessions));
}

}  // namespace sim
