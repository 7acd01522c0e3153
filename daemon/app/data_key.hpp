// DataKeyKeeper: this member's copy of the collective data key K, the key
// that encrypts secret.* values (SECURITY.md, daemon/crypto/secret_box.hpp).
//
// K lives in STATE/collective/datakey (0600), wrapped under a key derived
// from this member's privkey.pem; never in clear on disk. Where it comes from:
//   - a lone server creates it when the first secret is set, or when it
//     invites its first member (so that the collective it founds has it);
//   - a member without it (a joiner: the join wipes STATE/collective; one
//     restored from the four files; one whose collective was formed by an
//     older build) asks every connected member every 250 ms with
//     DataKeyRequest (peer protocol v5, member links only) and keeps the
//     first key a DataKeyReply brings;
//   - in a collective where no member has one (formed by an older build),
//     the leader creates it once every other member has answered that it has
//     none.
// Threading: daemon thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/crypto/secret_box.hpp"
#include "proto/peer_message.hpp"
#include "proto/raft_types.hpp"

namespace cc::app {

class DataKeyKeeper {
  public:
    struct Peers {
        std::function<bool()> in_collective;
        std::function<proto::Membership()> membership;
        std::function<uint32_t(const std::string&)> link_version;  // 0: link down
        std::function<bool()> is_leader;
        std::function<void(const std::string&, const proto::PeerMessage&)> send;
        // False when this member is pinned below peer protocol v5
        // (collective.peer_protocol_max): it can never be given K, so
        // nothing waits for it.
        bool can_ask = true;
    };
    DataKeyKeeper(boost::asio::io_context& io, std::filesystem::path etc_dir,
                  std::filesystem::path state_dir, std::string my_name, Peers peers);
    DataKeyKeeper(const DataKeyKeeper&) = delete;
    DataKeyKeeper& operator=(const DataKeyKeeper&) = delete;

    // Loads the wrapped key (a file that does not unwrap is logged and
    // treated as missing) and starts asking for it while it is missing.
    void start();
    void stop();

    // K, or nullptr while this member has none.
    const crypto::DataKey* key() const { return key_ ? &*key_ : nullptr; }
    // K for a write that sets a secret: on a lone server without one, it is
    // created now (and the member key with it, as `collective invite` would);
    // nullptr in a collective that has not given it to this member yet.
    const crypto::DataKey* key_for_write();

    // On a member that is alone in its member list (it just invited its
    // first member): creates K unless it has one, so that the collective it
    // founds has one before any joiner asks. Errors are logged.
    void found();

    void on_message(const std::string& from, const proto::PeerMessage& message);

    // Calls `then(true)` once this member has K (at once when it has), or
    // `then(false)` when `bound` passes first: a write that sets a secret
    // right after a join waits for the key rather than fail.
    void when_key(std::chrono::milliseconds bound, std::function<void(bool)> then);

    std::filesystem::path path() const;

  private:
    void tick();
    bool alone() const;
    void adopt(const crypto::DataKey& key, const std::string& how);

    boost::asio::io_context& io_;
    std::filesystem::path etc_dir_;
    std::filesystem::path state_dir_;
    std::string my_name_;
    Peers peers_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::optional<crypto::DataKey> key_;
    bool unreadable_ = false;          // a file is there but does not unwrap
    std::set<std::string> none_from_;  // members that answered "no key" this round
    struct Waiter {
        std::chrono::steady_clock::time_point until;
        std::function<void(bool)> then;
    };
    std::vector<Waiter> waiters_;
};

}  // namespace cc::app
