// Which exactly-once writes (proto::SessionCommand) a domain has applied, so
// that a later copy of one is dropped: a member re-sends a write to the next
// leader when the one it sent it to is lost, and both copies may commit.
//
// Deterministic from the log alone, so every member keeps the same table and
// cfg/ stays identical: a write is recorded by the first entry that carries
// it; an entry whose seq is below the session's acked_below, or already
// recorded, is a copy. Expiry follows the log too: a domain keeps at most
// kMaxSessions sessions and, when a new one starts, forgets the one whose
// last write is oldest (a member opens one session per start, and a copy
// outlives its session's start by a few seconds at most).
//
// Each domain (cfg/nodes, cfg/nodegroups) keeps its own table in its own file
// (key "#sessions"), so the per-file replay rule covers it: a file and its
// table always reflect the same log index.
// Threading: none; owned by the database (daemon thread).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codec.hpp"

namespace cc::state {

class SessionTable {
  public:
    static constexpr size_t kMaxSessions = 64;

    // One session as files and snapshots hold it.
    struct Record {
        std::string session;
        uint64_t acked_below = 0;
        uint64_t last_index = 0;     // log index of its last recorded write
        std::vector<uint64_t> seqs;  // recorded seqs >= acked_below, ascending
        CC_PROTO_FIELDS(session, acked_below, last_index, seqs)
        bool operator==(const Record&) const = default;
    };

    // The entry at `index` carries write (session, seq): true the first time
    // (now recorded), false for a copy (nothing changes). An empty session
    // is a write without one: always true, nothing recorded.
    bool first_time(const std::string& session, uint64_t seq, uint64_t acked_below, uint64_t index);
    // Whether (session, seq) was recorded or is below its acked_below.
    bool seen(const std::string& session, uint64_t seq) const;

    bool empty() const { return sessions_.empty(); }
    size_t size() const { return sessions_.size(); }
    // Sorted by session name.
    std::vector<Record> records() const;
    // Raises std::invalid_argument (what(): one line) on a malformed record,
    // a session twice, or more than kMaxSessions.
    static SessionTable from_records(std::vector<Record> records);

    // Text form of one record in a cfg file: "SESSION ACKED_BELOW LAST_INDEX
    // [SEQ ...]", and its parser (nullopt when malformed).
    static std::string line_of(const Record& r);
    static std::optional<Record> parse_line(std::string_view line);

    bool operator==(const SessionTable&) const = default;

  private:
    struct Session {
        uint64_t acked_below = 0;
        uint64_t last_index = 0;
        std::set<uint64_t> seqs;
        bool operator==(const Session&) const = default;
    };
    std::map<std::string, Session> sessions_;
};

}  // namespace cc::state
