// Deterministic simulation of a collective: members running raft::Core,
// driven by the same raft::Executor as confluentd, over a simulated network
// and simulated storage (the executor's ports), with a fake clock and one
// ordered event queue. Everything random comes from one seed, and only
// ordered containers are used, so a seed replays exactly.
//
// Messages travel over connections, as with the SSH transport: a member that
// crashes never receives what was sent to its previous incarnation.
// Faults it can inject: message loss, duplication, reordering and delay;
// symmetric and asymmetric partitions; crashes (losing any unsynced log
// tail) and restarts; restored members (term, vote and log wiped, the
// member list file kept); member list changes; slow disks; storage faults
// (failed writes of the log, the hard state, a snapshot install or
// cfg/collective, which the member survives; failed fsyncs, which stop it
// at once, as confluentd stops).
// Clients write and read keys on random members; the history goes to the
// linearizability checker. The Checker runs after every step.
//
// Exactly-once writes (put_once) go through Executor::propose_once with the
// bytes of kv.hpp's OnceCommand. Each member is its own client session, as
// confluentd's RaftDriver is: a new session name at each start, seqs from 1,
// acked_below the lowest seq not answered yet; by default it answers its own
// write as soon as it applies a copy of it, as the driver does (see
// set_driver_answers). Members keep a cc::state::SessionTable, carried in
// their snapshots, and apply only a write's first copy.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/raft/core.hpp"
#include "daemon/raft/executor.hpp"
#include "tests/sim/checker.hpp"
#include "tests/sim/kv.hpp"
#include "tests/sim/linearizability.hpp"
#include "tests/sim/rng.hpp"

namespace sim {

using raft::Millis;
using raft::TimePoint;

class Sim;

// The executor's ports for one member: its simulated disk, network and clock.
class NodePorts final : public raft::Ports {
  public:
    NodePorts(Sim& sim, std::string name) : sim_(sim), name_(std::move(name)) {}
    raft::TimePoint now() override;
    void wake_at(raft::TimePoint t) override;
    void save_hard_state(const raft::HardState& hs) override;
    void log_append(std::vector<proto::Entry> entries) override;
    void log_truncate(raft::Index from) override;
    void log_compact(raft::Index up_to) override;
    void send(raft::Outbound message) override;
    void apply(const proto::Entry& entry) override;
    void install_snapshot(const raft::SnapshotInstall& snapshot) override;
    std::string snapshot_bytes() override;
    void proposal_done(const raft::ProposalResult& result) override;
    void read_done(const raft::ReadResult& result) override;
    void warn(const std::string&) override {}
    void fatal(const std::string& why) override;

  private:
    Sim& sim_;
    std::string name_;
};

struct Node {
    std::string name;
    std::unique_ptr<raft::Core> core;  // null while down
    std::unique_ptr<NodePorts> ports;
    std::unique_ptr<raft::Executor> exec;
    uint64_t gen = 0;  // bumped at each crash: stale events are dropped
    // Durable storage.
    std::optional<raft::HardState> hard;
    raft::SnapshotMeta snap;
    Kv snap_kv;
    cc::state::SessionTable snap_sessions;  // exactly-once writes in the snapshot
    std::vector<proto::Entry> durable;      // synced log after snap.index
    std::vector<proto::Entry> written;      // the log file as written, synced or not
    proto::Membership collective;           // cfg/collective: survives a restore
    // Volatile.
    Kv kv;
    cc::state::SessionTable sessions;  // exactly-once writes applied
    // This incarnation's session: its name, next seq, and the writes not
    // answered yet (by seq, whose lowest is the acked_below sent; by id).
    std::string session;
    uint64_t next_seq = 1;
    std::map<uint64_t, raft::ProposalId> open_seqs;
    std::map<raft::ProposalId, uint64_t> once_seqs;
    uint64_t ticks = 0;  // timer wake-ups handled, over every incarnation
    raft::Index applied = 0;
    bool sync_pending = false;
    TimePoint wake{};
    raft::Index seen_commit = 0;
    bool wiped = false;                         // restored member, until it caught up
    std::map<raft::ProposalId, size_t> writes;  // pending: index into history
    std::map<raft::ReadId, size_t> reads;
};

struct Faults {
    double loss = 0;
    double duplicate = 0;
    double long_delay = 0;  // chance of a 20-200 ms delay (reordering)
    Millis max_sync_delay{4};
    std::set<std::pair<std::string, std::string>> blocked;  // directed links
    // Storage faults, per durable operation.
    double write_fail = 0;  // ENOSPC/EIO: the operation fails, nothing changes
    double sync_fail = 0;   // a failed fsync: the member stops (and crashes)
    double slow_sync = 0;   // a sync takes 50-400 ms
};

class Sim {
  public:
    Sim(uint64_t seed, raft::Config base,
        raft::Executor::Mutation mutation = raft::Executor::Mutation::None);

    // Adds a member that is started at once with `collective` as its member
    // list file.
    void add_node(const std::string& name, const proto::Membership& collective);
    void crash(const std::string& name);
    // `name`'s process ends: crashed, and every other member's transport
    // sees its links close (Core::lost_link), as when it is killed.
    void kill(const std::string& name);
    void restart(const std::string& name, bool wipe);
    void heal();  // no partitions, loss or duplication

    // Client operations on a member; the outcome lands in history().
    // Each returns the operation's id (0 when the member is down).
    uint64_t put(const std::string& on, const std::string& key);
    // An exactly-once put (Executor::propose_once) of this member's session.
    uint64_t put_once(const std::string& on, const std::string& key);
    // The entry bytes of put_once `id` ("" for other operations).
    std::string once_data(uint64_t id) const {
        auto it = once_.find(id);
        return it == once_.end() ? "" : it->second;
    }
    // Proposes `data` (a put_once's bytes) once more on `on`, as a new
    // proposal: one more copy in the log, as a core that re-sends a write
    // makes. Its answer lands in answer() only. Returns its id (0: down).
    uint64_t propose_copy(const std::string& on, const std::string& data);
    uint64_t get(const std::string& on, const std::string& key);
    void propose_membership(const std::string& on, proto::Membership next);
    void transfer(const std::string& on, const std::string& to);

    // Runs events in time order until `t` or a failure.
    void run_until(TimePoint t);
    void at(TimePoint t, std::function<void()> f);

    // On (the default): a member answers its own put_once as confluentd's
    // RaftDriver does: Done once it applies a copy of the write (then
    // Executor::forget_proposal), and Done for the core's Unknown when its
    // table holds the write. Off: only the core's own results count.
    void set_driver_answers(bool on) { driver_answers_ = on; }
    // Link keepalives, as the SSH transport sends them: every `interval`,
    // each member that is up hears (Executor::heard_from) from every member
    // that is up and whose link to it is not blocked. Zero (the default): none.
    void set_keepalive(Millis interval);

    TimePoint now() const { return now_; }
    Rng& rng() { return rng_; }
    Faults& faults() { return faults_; }
    Checker& checker() { return checker_; }
    std::map<std::string, Node>& nodes() { return nodes_; }
    // Client history for the linearizability check: failed operations left
    // out, writes without an answer optional.
    std::vector<KvOp> history() const;
    std::optional<std::string> leader() const;  // a current leader, if any is up
    uint64_t events() const { return events_; }
    // Entry term and time of each acknowledged write, by op id.
    const std::map<uint64_t, std::pair<raft::Term, TimePoint>>& acks() const { return acks_; }

    struct Answer {
        raft::Outcome code;
        TimePoint at;
        std::string value;  // reads: the value seen ("" = absent)
    };
    // The answer to an operation, once it came.
    std::optional<Answer> answer(uint64_t id) const {
        auto it = answers_.find(id);
        return it == answers_.end() ? std::nullopt : std::optional(it->second);
    }

    // Storage faults that stopped a member (failed fsyncs), and durable
    // writes that failed and were survived.
    uint64_t fatal_stops() const { return fatal_stops_; }
    uint64_t failed_writes() const { return failed_writes_; }

  private:
    friend class NodePorts;
    void after(Node& n);
    void send(const std::string& from, const raft::Outbound& m);
    // The durability rule, checked on every message a member sends.
    void check_durable(const Node& n, const raft::Outbound& m);
    bool storage_fails();
    void schedule_sync(Node& n);
    void schedule_wake(Node& n, TimePoint t);
    void maybe_snapshot(Node& n);
    void complete_write(Node& n, raft::ProposalResult r);
    void apply_once(Node& n, const proto::Entry& e);
    void keepalive();
    void complete_read(Node& n, const raft::ReadResult& r);

    raft::Config base_;
    raft::Executor::Mutation mutation_;
    Rng rng_;
    TimePoint now_{};
    uint64_t seq_ = 0;
    uint64_t events_ = 0;
    uint64_t clock_ = 0;  // logical time of the history
    uint64_t next_id_ = 1;
    std::map<std::pair<TimePoint, uint64_t>, std::function<void()>> queue_;
    std::map<std::string, Node> nodes_;
    Faults faults_;
    Checker checker_;
    std::vector<KvOp> history_;
    std::map<uint64_t, std::pair<raft::Term, TimePoint>> acks_;
    std::map<uint64_t, Answer> answers_;
    bool trace_ = false;        // env SIM_TRACE: print every write's answer
    std::set<size_t> dropped_;  // history indexes of definitely failed operations
    uint64_t fatal_stops_ = 0;
    uint64_t failed_writes_ = 0;
    std::map<uint64_t, std::string> once_;  // put_once id -> its entry bytes
    bool driver_answers_ = true;
    Millis keepalive_{0};
    bool keepalive_armed_ = false;
};

}  // namespace sim
