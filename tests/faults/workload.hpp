// Workload: concurrent clients on every member writing and reading node
// attributes through the real local API (proto/api.hpp over RUN/api.sock),
// recording every operation with its invocation and completion times and
// its outcome.
//
// Keys: each member has its own keys, shared by the clients of that member.
// The checker searches at most 64 operations per key, so a key is a series
// of nodes f<m>k<j>e<E>: each node takes kOpsPerNode operations (started in
// order), then the next one is used. Reads are answered from the member's local state (by design:
// read-your-writes on a member, reads work without quorum), so the register
// of a key is linearizable when all its operations go through one member;
// after healing every member has applied everything and reads any key.
//
// A write W with id I sets, in one command, fault.v=I (the register) and
// fault.wI=1 (a mark that stays, so that every acknowledged write can be
// looked for on every member afterwards).
//
// Outcomes: Ok (acknowledged), Failed (the daemon said it changed nothing:
// NoQuorum, StorageFailed, BadRequest), Unknown (connection lost, no answer,
// NotLeader/Timeout, which the API reports alike as Internal).
//
// Threading: start()/stop() from the test's thread; clients run on their own
// threads; history() after stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/cluster.hpp"

namespace cc::faults {

enum class Outcome : uint8_t { Ok, Failed, Unknown };

struct Op {
    uint64_t id = 0;  // writes: also the value written
    size_t member = 0;
    std::string key;
    bool write = false;
    std::string value;  // write: written; read Ok: seen ("" = never written)
    int64_t call_ns = 0;
    int64_t ret_ns = 0;
    Outcome outcome = Outcome::Unknown;
    std::string error;  // the daemon's or client's line when not Ok
};

struct WorkloadOptions {
    size_t clients_per_member = 2;
    size_t keys_per_member = 3;
    unsigned write_percent = 60;
    std::chrono::milliseconds think{5};  // between two operations of one client
    uint64_t seed = 1;
    // Nodes per key, defined up front (operations per key: kOpsPerNode times this).
    size_t nodes_per_key = 250;
};

// Operations per node, leaving room for the final reads of up to 5 members.
inline constexpr uint64_t kOpsPerNode = 40;

// Nanoseconds on the steady clock: one time line for every client.
int64_t now_ns();

class Workload {
  public:
    Workload(Cluster& cluster, WorkloadOptions options);
    ~Workload();

    // Defines the nodes (through member 0, which must be able to write) and
    // starts the clients.
    void start();
    void stop();

    // While disabled, a member's clients start no new operation.
    void set_enabled(size_t member, bool enabled);

    // Every node used so far, all members.
    std::vector<std::string> keys() const;
    // One write through `member` outside the clients (a probe), recorded in
    // the history like theirs; returns it.
    Op write_once(size_t member);
    std::vector<Op> history() const;
    // Appends operations made outside the clients (final reads).
    void record(Op op);
    uint64_t next_id() { return next_id_++; }

    // Counts so far (any thread).
    uint64_t acknowledged_writes() const { return acked_; }
    uint64_t refused_writes() const { return refused_; }  // Outcome::Failed
    // Time (now_ns) of the latest acknowledged write, 0 if none.
    int64_t last_ack_ns() const { return last_ack_ns_; }

  private:
    void client(size_t member, size_t index);
    Op do_write(size_t member, const std::string& key);
    Op do_read(size_t member, const std::string& key);
    // The node for the next operation on key j of `member`; empty once all are used.
    std::string next_node(size_t member, size_t j);
    std::string node(size_t member, size_t j, uint64_t e) const;

    Cluster& cluster_;
    WorkloadOptions opt_;
    std::atomic<bool> stop_{false};
    std::unique_ptr<std::atomic<bool>[]> enabled_;
    std::unique_ptr<std::atomic<uint64_t>[]> started_;  // operations per key
    std::vector<std::thread> threads_;
    mutable std::mutex mu_;
    std::vector<Op> ops_;
    std::atomic<uint64_t> next_id_{1};
    std::atomic<uint64_t> acked_{0};
    std::atomic<uint64_t> refused_{0};
    std::atomic<int64_t> last_ack_ns_{0};
};

}  // namespace cc::faults
