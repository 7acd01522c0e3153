// The node database: managed nodes, node groups and their attributes, the
// replicated state machine that applies proto::Command, and the cfg/nodes and
// cfg/nodegroups files it is kept in.
//
// Model (as confluent): nodes and groups carry string attributes. A node's
// `groups` attribute is an ordered comma list; every node is also in the
// implicit group `everything` (listed last). A node shows its own value of an
// attribute, else the value of the first of its groups that sets it. An own
// empty value masks inherited ones. Group membership is derived from the nodes'
// `groups` attributes; a group named there but never defined exists implicitly
// (see README.md for the rules).
//
// Replay rule: each domain (proto::Domain) records the log index its state
// reflects. apply() of an index at or below the command's domain index is a
// no-op, so on restart each file is loaded and the log after *its* index is
// replayed onto it.
//
// Threading: not thread-safe; call only from the daemon thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/util/fs.hpp"
#include "proto/commands.hpp"

namespace cc::state {

// A noderange that is malformed or names unknown nodes; what() is one line for
// the user, e.g. "invalid noderange 'n[1-': missing ']'" or "Unknown node n5".
struct NoderangeError : std::runtime_error {
    NoderangeError(proto::ResultCode c, const std::string& message)
        : std::runtime_error(message), code(c) {}
    proto::ResultCode code;  // BadRequest (syntax) or NotFound (unknown names)
};

// An attribute value as shown to users, with where it comes from (nodeattrib -b).
struct ShownAttribute {
    std::string name;
    std::string value;           // empty when unset or masked
    std::string inherited_from;  // group name, or empty for the node's own value
    bool operator==(const ShownAttribute&) const = default;
};

class Database {
  public:
    Database();  // empty, both domains at index 0
    ~Database();
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    // A copy of the whole state, cheap: it shares every entity's attributes
    // with this one until either changes them (copy-on-write). Make and
    // destroy copies on the thread that owns this database; another thread
    // may read a copy (the cfg writer renders from one).
    Database copy() const;

    // ---- files (cfg/nodes, cfg/nodegroups) ----

    // Loads both files from `cfg_dir`; a missing file is an empty domain at
    // index 0. A corrupt file raises ConfigFileError (path, line, reason).
    static Database load(const std::filesystem::path& cfg_dir);
    // Writes the files whose domain changed since load/last save (all when
    // `all`), atomically. Raises cc::fs::FsError.
    void save(const std::filesystem::path& cfg_dir, bool all = false);
    bool dirty(proto::Domain d) const;
    // The TOML text of one domain's file.
    std::string render(proto::Domain d) const;
    // The same text in pieces, in order (for cc::fs::write_atomic_stream).
    void render_to(proto::Domain d, const cc::fs::Emit& emit) const;
    // The index of the file last written or loaded for `d` (compaction bound).
    uint64_t saved_index(proto::Domain d) const;

    // ---- replicated state machine ----

    // Called by the proposer before a command goes into the log: fills in
    // `pinned` / `create_if_missing` from the full view (see proto/commands.hpp)
    // and returns a failure result when the command would fail now, so the API
    // can answer without a log entry.
    std::optional<proto::CommandResult> prepare(proto::Command& c) const;
    // Applies a committed command. Deterministic given the domain's state;
    // never throws on any decoded command. On failure nothing changes.
    proto::CommandResult apply(const proto::Command& c, uint64_t index);
    // Applies an exactly-once command: the first entry that carries its
    // (session, seq) applies it; a later copy changes nothing and says so.
    struct SessionApplied {
        proto::CommandResult result;  // the first copy's result
        bool copy = false;            // a later copy: nothing was applied
    };
    SessionApplied apply(const proto::SessionCommand& c, uint64_t index);
    // Whether domain `d` holds write (session, seq) as applied.
    bool session_applied(proto::Domain d, const std::string& session, uint64_t seq) const;
    // Notes a log entry that is not a command (noop, membership): the state
    // now reflects the log up to `index`.
    void note_index(uint64_t index);
    // The log index each domain's state reflects.
    uint64_t applied_index(proto::Domain d) const;

    // ---- snapshot (shipping state to a new or far-behind member) ----

    std::string snapshot_bytes() const;
    // Replaces the whole state; raises proto::DecodeError on bad bytes (state
    // unchanged). Both domains become dirty at `index`.
    void install_snapshot(std::string_view bytes, uint64_t index);

    // ---- queries (read-only) ----

    // Existing nodes of a noderange, natural-sorted. Raises NoderangeError.
    std::vector<std::string> expand(std::string_view noderange) const;
    // Pure name expansion (nodedefine): ranges expand, nothing need exist.
    static std::vector<std::string> expand_names(std::string_view noderange);
    bool node_exists(std::string_view node) const;
    size_t node_count() const;
    // Attributes of an existing node: `names` empty = every attribute that has
    // a value (own or inherited) plus `groups`, sorted by name; otherwise the
    // named ones in that order (empty value when unset). `groups` shows the
    // node's list followed by `everything`.
    std::vector<ShownAttribute> node_attributes(std::string_view node,
                                                const std::vector<std::string>& names = {}) const;

    // Defined and implicit groups, and `everything`, natural-sorted.
    std::vector<std::string> groups() const;
    bool group_exists(std::string_view group) const;
    // The group's own attributes (inherited_from empty), same `names` rule.
    std::vector<ShownAttribute> group_attributes(std::string_view group,
                                                 const std::vector<std::string>& names = {}) const;
    // Nodes whose `groups` attribute names the group (all nodes for
    // `everything`), natural-sorted.
    std::vector<std::string> group_members(std::string_view group) const;

    // Internal state, defined in store.hpp (opaque to users of this header).
    struct Impl;

  private:
    explicit Database(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// confluent's natural order: digit runs compare as numbers, text case-blind;
// ties broken bytewise so the order is total ("n01" before "n1").
bool natural_less(std::string_view a, std::string_view b);

}  // namespace cc::state
