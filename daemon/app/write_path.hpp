// WritePath: how a write asked of this member (the local API's ApiWrite,
// and nodediscover assign through DiscoveryService) reaches the log and is
// answered. One step after the other, each a private method below:
//
//   1. wait for the data key   a secret.* write on a member that does not
//                              have the collective's key yet waits for it
//   2. refuse when dropped     the others refuse this member's key: say so
//   3. check locally           prepare the command against the node database
//                              and check its managers against the member list;
//                              a refusal is checked again once current
//   4. seal secrets            protect_secrets, before the log
//   5. propose                 through the raft driver; the outcome settled
//                              as a lone server or a member reports it
//
// Threading: daemon thread only (like the Database and the driver it uses).
#pragma once

#include <optional>
#include <string>

#include "daemon/app/data_key.hpp"
#include "daemon/app/raft_driver.hpp"
#include "daemon/collective/member_service.hpp"
#include "daemon/net/api/api_server.hpp"
#include "daemon/state/database.hpp"
#include "proto/api.hpp"

namespace cc::app {

class WritePath {
  public:
    // Every part outlives the WritePath (Daemon owns them all).
    WritePath(std::string my_name, state::Database& db, RaftDriver& driver,
              collective::MemberService& members, DataKeyKeeper& data_key);
    WritePath(const WritePath&) = delete;
    WritePath& operator=(const WritePath&) = delete;

    // Answers `w` through `reply`: at once, or once it committed or failed.
    void answer(proto::ApiWrite w, net::ApiReply reply) { attempt(std::move(w), std::move(reply)); }

  private:
    // One pass through the steps. `current`: the local state was brought up
    // to date (read_barrier) for this write.
    void attempt(proto::ApiWrite w, net::ApiReply reply, bool current = false);

    // 1. A member that just joined (or was restored) gets the data key from
    // the others a moment later; a secret.* write meanwhile waits for it
    // (3 s at most) instead of failing, then starts again. True when it
    // took the write.
    bool wait_for_key(proto::ApiWrite& w, net::ApiReply& reply, bool current);
    // 2. (In attempt()) a member the others dropped refuses at once.
    // 3. The answer refusing `command` by this member's own state: prepare()
    // (which rewrites the command into what enters the log) and, in a
    // collective, the managers it names. The common case costs nothing more.
    std::optional<proto::ApiResponse> check_locally(proto::Command& command, bool in_collective);
    // 3b. A refusal by the local checks may come from a change made on
    // another member and not known here yet ("Reads see every acknowledged
    // write", docs/ARCHITECTURE.md): the write starts again from `original`
    // once this member holds every acknowledged write.
    void recheck_when_current(proto::ApiWrite original, net::ApiReply reply);
    // 4. Sealed once, here, before the log: every member stores the same
    // bytes and none a clear value. The refusal (nothing changed), if any.
    std::optional<std::string> seal(proto::Command& command);
    // 5. Into the log; answered as the outcome settles (settle_write).
    void propose(const proto::Command& command, net::ApiReply reply, bool lone);

    const std::string my_name_;
    state::Database& db_;
    RaftDriver& driver_;
    collective::MemberService& members_;
    DataKeyKeeper& data_key_;
};

}  // namespace cc::app
