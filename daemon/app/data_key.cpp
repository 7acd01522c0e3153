#include "daemon/app/data_key.hpp"

#include "daemon/storage/layout.hpp"
#include "daemon/util/fs.hpp"
#include "daemon/util/host_name.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {

constexpr auto kAskEvery = std::chrono::milliseconds(250);

crypto::MemberKey member_key(const std::filesystem::path& etc_dir) {
    return crypto::load_private_key(etc_dir / crypto::kPrivateKeyFile);
}

}  // namespace

DataKeyKeeper::DataKeyKeeper(boost::asio::io_context& io, std::filesystem::path etc_dir,
                             std::filesystem::path state_dir, std::string my_name, Peers peers)
    : io_(io),
      etc_dir_(std::move(etc_dir)),
      state_dir_(std::move(state_dir)),
      my_name_(std::move(my_name)),
      peers_(std::move(peers)),
      timer_(io) {}

std::filesystem::path DataKeyKeeper::path() const {
    return storage::Layout(state_dir_).collective() / "datakey";
}

void DataKeyKeeper::start() {
    if (std::filesystem::exists(path())) {
        try {
            key_ = crypto::unwrap_data_key(member_key(etc_dir_), cc::fs::read_file(path()));
        } catch (const std::exception& e) {
            unreadable_ = true;
            cc::log::error("cannot use ", path().string(), ": ", e.what(),
                           "; secret.* values cannot be read or set until a member gives "
                           "this one the collective's data key");
        }
    }
    tick();
}

void DataKeyKeeper::stop() {
    *alive_ = false;
    timer_.cancel();
}

void DataKeyKeeper::adopt(const crypto::DataKey& key, const std::string& how) {
    // Written before it is used: a secret sealed under a key this member
    // could lose at a restart would be unreadable here.
    cc::fs::write_atomic(path(), crypto::wrap_data_key(member_key(etc_dir_), key) + "\n", 0600);
    key_ = key;
    unreadable_ = false;
    cc::log::info("this member has the collective's data key (", how, ")");
    auto waiting = std::move(waiters_);
    waiters_.clear();
    for (auto& w : waiting) w.then(true);
}

void DataKeyKeeper::when_key(std::chrono::milliseconds bound, std::function<void(bool)> then) {
    if (key_) return then(true);
    if (!peers_.can_ask || alone()) return then(false);
    waiters_.push_back({std::chrono::steady_clock::now() + bound, std::move(then)});
}

bool DataKeyKeeper::alone() const {
    if (!peers_.in_collective()) return true;
    for (const auto& m : peers_.membership().members)
        if (m.name != my_name_) return false;
    return true;
}

void DataKeyKeeper::found() {
    if (key_ || unreadable_ || !alone()) return;
    try {
        key_for_write();
    } catch (const std::exception& e) {
        cc::log::error("cannot create the collective's data key: ", e.what());
    }
}

const crypto::DataKey* DataKeyKeeper::key_for_write() {
    if (key_ || !alone() || unreadable_) return key();
    if (!crypto::key_exists(etc_dir_)) {
        crypto::generate_key_and_cert(etc_dir_, cc::util::short_host_name());
        cc::log::info("generated this member's key and certificate in ", etc_dir_.string());
    }
    adopt(crypto::new_data_key(), "created for the first secret");
    return key();
}

void DataKeyKeeper::tick() {
    if (!*alive_) return;
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < waiters_.size();) {
        if (waiters_[i].until > now) {
            ++i;
            continue;
        }
        auto then = std::move(waiters_[i].then);
        waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
        then(false);
    }
    try {
        if (!key_ && alone()) {
            // A lone server that has a member key (it invites): K now, so that
            // the collective it founds has one from the start.
            if (!unreadable_ && crypto::key_exists(etc_dir_))
                adopt(crypto::new_data_key(), "created on this server");
        } else if (!key_) {
            const auto members = peers_.membership();
            bool all_none = members.members.size() > 1;
            for (const auto& m : members.members)
                if (m.name != my_name_ && !none_from_.count(m.name)) all_none = false;
            if (all_none && peers_.is_leader()) {
                adopt(crypto::new_data_key(), "created by the leader: no member had one");
            } else {
                none_from_.clear();
                for (const auto& m : members.members)
                    if (m.name != my_name_ &&
                        peers_.link_version(m.name) >= proto::kPeerVersionSecrets)
                        peers_.send(m.name, proto::DataKeyRequest{});
            }
        }
    } catch (const std::exception& e) {
        cc::log::error("the collective's data key: ", e.what());
    }
    if (key_) return;
    // A lone server only waits for its member key (an invitation).
    timer_.expires_after(peers_.in_collective() ? kAskEvery : std::chrono::seconds(1));
    timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (!ec && *alive) tick();
    });
}

void DataKeyKeeper::on_message(const std::string& from, const proto::PeerMessage& message) {
    if (std::holds_alternative<proto::DataKeyRequest>(message)) {
        proto::DataKeyReply reply;
        if (key_) reply.key.assign(key_->begin(), key_->end());
        peers_.send(from, reply);
        if (key_) cc::log::info("gave the collective's data key to ", from);
        return;
    }
    const auto* reply = std::get_if<proto::DataKeyReply>(&message);
    if (!reply || key_ || !peers_.in_collective()) return;
    if (reply->key.empty()) {
        none_from_.insert(from);
        return;
    }
    crypto::DataKey k;
    if (reply->key.size() != k.size()) {
        cc::log::warn(from, " sent a data key of ", reply->key.size(), " bytes; ignored");
        return;
    }
    std::copy(reply->key.begin(), reply->key.end(), k.begin());
    try {
        adopt(k, "received from " + from);
    } catch (const std::exception& e) {
        cc::log::error("cannot store the collective's data key: ", e.what());
    }
}

}  // namespace cc::app
