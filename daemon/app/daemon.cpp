#include "daemon/app/daemon.hpp"

#include <malloc.h>
#include "daemon/util/host_name.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <csignal>

#include "daemon/app/api_answers.hpp"
#include "daemon/app/managers.hpp"
#include "daemon/app/sd_notify.hpp"
#include "daemon/crypto/key.hpp"
#include "daemon/state/config_error.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"
#include "proto/build_version.hpp"
#include "proto/peer.hpp"

namespace cc::app {

namespace asio = boost::asio;

namespace {

// How long the API waits for the replay of the log at start-up before it
// serves whatever state it has (a member whose collective has no quorum).
constexpr auto kReplayBound = std::chrono::seconds(5);

// "file:line: reason", the way compilers and editors point at a line.
std::string file_line_reason(const state::ConfigFileError& e) {
    std::string what = e.what();
    std::string line = e.line_number ? std::to_string(e.line_number) : "";
    std::string prefix = e.path.string() + (line.empty() ? "" : " line " + line) + ": ";
    if (what.rfind(prefix, 0) != 0) return what;
    return e.path.string() + (line.empty() ? "" : ":" + line) + ": " + what.substr(prefix.size());
}

std::string own_fingerprint(const std::filesystem::path& etc_dir) {
    try {
        if (!crypto::key_exists(etc_dir)) return {};
        return crypto::load_private_key(etc_dir / crypto::kPrivateKeyFile).fingerprint;
    } catch (const std::exception& e) {
        cc::log::warn("cannot read this member's key: ", e.what());
        return {};
    }
}

}  // namespace

Daemon::Daemon(asio::io_context& io, Config config)
    : io_(io),
      config_(std::move(config)),
      hard_state_(storage::Layout(config_.state_dir).hardstate()),
      snapshot_meta_(storage::Layout(config_.state_dir).snapshot_meta()),
      signals_(io, SIGTERM, SIGINT),
      ready_deadline_(io) {
    const auto cfg = config_.cfg_dir();
    const storage::Layout layout(config_.state_dir);
    try {
        cc::fs::ensure_dir(cfg, 0755);
        cc::fs::ensure_dir(layout.log_dir(), 0700);
        cc::fs::ensure_dir(config_.run_dir, 0755);
        lock_ = std::make_unique<InstanceLock>(config_.state_dir);
    } catch (const std::exception& e) {
        throw StartupError(e.what());
    }

    // 1. The configuration files.
    std::optional<state::CollectiveFile> collective;
    try {
        my_name_ = std::filesystem::exists(cfg / "myname") ? state::load_myname(cfg / "myname")
                                                           : cc::util::short_host_name();
        if (std::filesystem::exists(cfg / "collective"))
            collective = state::load_collective(cfg / "collective");
        db_ = state::Database::load(cfg);
    } catch (const state::ConfigFileError& e) {
        throw StartupError(file_line_reason(e));
    } catch (const cc::fs::FsError& e) {
        throw StartupError(e.what());
    }
    in_collective_ = collective.has_value();
    cc::log::set_member(my_name_);

    // 2. Consensus state: term and vote, compaction point, the log.
    raft::BootState boot;
    try {
        auto hs = hard_state_.load();
        if (hs) {
            boot.hard_state = raft::HardState{hs->term, hs->voted_for, hs->catching_up};
        } else if (!in_collective_) {
            boot.hard_state = raft::HardState{};  // a new lone server starts from term 0
        }
        if (auto meta = snapshot_meta_.load())
            boot.snapshot = raft::SnapshotMeta{meta->index, meta->term, meta->membership,
                                               meta->membership_index};
        storage::LogCallbacks callbacks;
        callbacks.on_synced = [this, alive = alive_](storage::LogPosition last) {
            asio::post(io_, [this, alive, last] {
                if (*alive && driver_) driver_->on_synced(last);
            });
        };
        callbacks.on_error = [this, alive = alive_](const storage::StorageError& e,
                                                    uint64_t next_index) {
            asio::post(io_, [this, alive, msg = std::string(e.what()), next_index] {
                if (*alive && driver_) driver_->on_storage_error(msg, next_index);
            });
        };
        log_ = storage::FileLogStore::open(layout.log_dir(), std::move(callbacks));
    } catch (const std::exception& e) {
        throw StartupError(e.what());
    }
    const auto& recovered = log_->recovered();
    for (const auto& e : recovered.entries)
        if (e.index > boot.snapshot.index) boot.log.push_back(e);
    uint64_t last = boot.log.empty() ? boot.snapshot.index : boot.log.back().index;

    uint64_t files_min = std::min(db_.applied_index(proto::Domain::Nodes),
                                  db_.applied_index(proto::Domain::NodeGroups));
    uint64_t files_max = std::max(db_.applied_index(proto::Domain::Nodes),
                                  db_.applied_index(proto::Domain::NodeGroups));
    if (collective) {
        files_min = std::min(files_min, collective->applied_index);
        files_max = std::max(files_max, collective->applied_index);
    }
    bool files_ahead = false;
    if (files_max > last) {
        // The files are ahead of the log (state dir lost or replaced): new
        // entries must come after what the files hold, or applying them would
        // be skipped as already seen.
        cc::log::warn("the log in ", layout.log_dir().string(), " ends at index ", last,
                      " but the cfg files hold index ", files_max,
                      "; the log continues after the files");
        if (!recovered.entries.empty()) log_->truncate_suffix(0);
        uint64_t term = boot.hard_state ? boot.hard_state->term : 0;
        // A restored member (four files put back) never leads before it has
        // caught up, so it starts from what *every* file holds: the leader
        // then sends what the oldest one lacks (cfg/collective alone is
        // usually far ahead of a missing nodes file).
        uint64_t point = (!boot.hard_state && in_collective_) ? files_min : files_max;
        boot.snapshot.index = point;
        boot.snapshot.term = term;
        if (collective) {
            // cfg/collective is never older than snapshot-meta's list.
            boot.snapshot.membership = collective->membership;
            boot.snapshot.membership_index = collective->applied_index;
        }
        boot.log.clear();
        last = point;
        files_min = point;
        files_ahead = true;
    }
    // cfg/collective names the entry its list came from, however old, so
    // only the node files can really miss changes.
    const uint64_t node_files_min = std::min(db_.applied_index(proto::Domain::Nodes),
                                             db_.applied_index(proto::Domain::NodeGroups));
    if (!files_ahead && node_files_min < boot.snapshot.index)
        cc::log::warn("the cfg files hold index ", node_files_min,
                      " but the log starts after index ", boot.snapshot.index,
                      "; changes in between are not in these files");
    boot.applied = std::clamp(files_min, boot.snapshot.index, last);
    replay_target_ = last;
    log_->release_recovered();  // boot.log holds what the core needs

    std::string fingerprint = own_fingerprint(config_.etc_dir);
    if (!fingerprint.empty()) cc::log::info("this member's key fingerprint is ", fingerprint);
    collective::ServiceOptions so;
    so.etc_dir = config_.etc_dir;
    so.state_dir = config_.state_dir;
    so.my_name = my_name_;
    so.listen = config_.listen;
    so.port = config_.port;
    so.advertise = config_.advertise;
    so.invitation_ttl = config_.invitation_ttl;
    so.peer_protocol_max = config_.peer_protocol_max;
    so.limits.handshake_timeout = config_.login_grace_time;
    so.limits.startups.max_unauthenticated = config_.max_startups;
    so.limits.startups.max_unauthenticated_per_source = config_.max_startups_per_source;
    try {
        members_ = std::make_unique<collective::MemberService>(
            io_, so, static_cast<collective::ConsensusAccess&>(*this));
    } catch (const std::exception& e) {
        throw StartupError(e.what());
    }
    // A lone server's own entry carries no key yet: `collective invite`
    // records the key (and so cfg/collective) through the log.
    proto::MemberInfo self{my_name_, members_->self_address(), "", proto::Role::Voter};
    boot.initial_membership.members = {self};
    if (collective) boot.initial_membership = collective->membership;
    if (boot.snapshot.membership.members.empty()) {
        boot.snapshot.membership = boot.initial_membership;
        boot.snapshot.membership_index = collective ? collective->applied_index : 0;
    }
    if (files_ahead) {
        // Recorded, so that the next start finds the log continuing from it.
        try {
            snapshot_meta_.save({boot.snapshot.index, boot.snapshot.term, boot.snapshot.membership,
                                 boot.snapshot.membership_index});
        } catch (const std::exception& e) {
            throw StartupError(e.what());
        }
    }

    cc::log::info("starting ", proto::version_line("confluentd"), ": cfg files at index ",
                  files_min, ", log holds ", boot.log.size(), " entries up to index ", last, ", ",
                  db_.node_count(), " nodes",
                  in_collective_ ? "" : " (no collective: serving as a collective of one)");

    cfg_writer_ = std::make_unique<CfgWriter>(io_, db_, cfg, config_.cfg_flush_interval,
                                              [this](uint64_t index) {
                                                  if (driver_ && !stopping_)
                                                      driver_->files_saved(index);
                                              });
    raft::Config rc;
    rc.self = my_name_;
    rc.validate_command = [this](proto::EntryKind& kind, std::string& bytes,
                                 const proto::Membership& members) {
        return check_command_kind(kind, bytes, members);
    };
    driver_ = std::make_unique<RaftDriver>(
        io_, rc, std::move(boot), db_, *log_, hard_state_, snapshot_meta_, RaftDriver::Files{cfg},
        [this](const std::string& to, proto::RaftMessage m) { members_->send(to, m); },
        cfg_writer_.get());
    reassigner_ =
        std::make_unique<Reassigner>(io_, db_, *driver_, my_name_, config_.reassign_grace);
    data_key_ = std::make_unique<DataKeyKeeper>(
        io_, config_.etc_dir, config_.state_dir, my_name_,
        DataKeyKeeper::Peers{[this] { return members_->in_collective(); },
                             [this] { return driver_->membership(); },
                             [this](const std::string& m) { return members_->link_version(m); },
                             [this] { return driver_->status().role == raft::Role::Leader; },
                             [this](const std::string& to, const proto::PeerMessage& msg) {
                                 members_->send_peer(to, msg, true);
                             },
                             config_.peer_protocol_max >= proto::kPeerVersionSecrets});
    writes_ = std::make_unique<WritePath>(my_name_, db_, *driver_, *members_, *data_key_);
    members_->on_data_key = [this](const std::string& from, proto::PeerMessage m) {
        data_key_->on_message(from, m);
    };
    power_ = std::make_unique<PowerService>(
        io_, db_, *data_key_, my_name_,
        PowerService::Peers{[this] { return members_->in_collective(); },
                            [this] { return driver_->membership(); },
                            [this](const std::string& m) { return members_->link_version(m); },
                            [this](const std::string& to, const proto::PeerMessage& msg) {
                                // PowerService checks the link's version
                                // before a request; a reply goes to a member
                                // that speaks the family (it asked).
                                members_->send_peer(to, msg, true);
                            }});
    driver_->set_use_sessions([this] {
        return members_->in_collective() &&
               all_members_speak(driver_->membership(), proto::kPeerVersionSessions);
    });
    driver_->set_idle([this] { return !members_->peers_waiting(); });
    members_->on_alive = [this](const std::string& from) { driver_->heard_from(from); };
    members_->on_link_lost = [this](const std::string& member) { driver_->lost_link(member); };
    members_->on_routed = [this](const std::string& from, proto::PeerMessage m) {
        if (auto* q = std::get_if<proto::NodeRequest>(&m))
            // A member that just joined may still be getting the data key
            // that decrypts the BMC credentials (at once when it has it).
            data_key_->when_key(std::chrono::seconds(3),
                                [this, from, q = std::move(*q)](bool) mutable {
                                    power_->on_request(from, std::move(q));
                                });
        else if (auto* a = std::get_if<proto::NodeReply>(&m))
            power_->on_reply(from, std::move(*a));
    };
    members_->on_joined = [this](collective::JoinedCollective j) {
        joined_ = std::move(j);
        // Let the answer to the join reach the CLI before the API closes.
        ready_deadline_.expires_after(std::chrono::milliseconds(200));
        ready_deadline_.async_wait([this](boost::system::error_code) {
            shutdown("joining the collective as " + joined_->name);
        });
    };
}

Daemon::~Daemon() {
    *alive_ = false;
    api_.reset();
    if (power_) power_->stop();
    if (data_key_) data_key_->stop();
    if (reassigner_) reassigner_->stop();
    if (members_) members_->stop();
    if (driver_) driver_->stop();
}

void Daemon::start() {
    std::signal(SIGPIPE, SIG_IGN);
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
        if (ec) return;
        // Only a real stop says STOPPING=1: the restart after a join keeps
        // the process (and systemd's view of it) running.
        notify_service_manager("STOPPING=1");
        shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    });
    driver_->set_on_applied([this](uint64_t) {
        members_->members_maybe_changed();
        if (!api_ && replayed()) open_api();
    });
    try {
        members_->start();
    } catch (const std::exception& e) {
        throw StartupError(e.what());
    }
    driver_->start();
    cfg_writer_->start();
    reassigner_->start();
    data_key_->start();
    if (!api_ && replayed()) {
        open_api();
        return;
    }
    ready_deadline_.expires_after(kReplayBound);
    ready_deadline_.async_wait([this](boost::system::error_code ec) {
        if (ec || api_ || stopping_) return;
        cc::log::warn("the log is not replayed up to index ", replay_target_,
                      " yet (no quorum?); serving the local state meanwhile");
        open_api();
    });
}

bool Daemon::replayed() const {
    auto s = driver_->status();
    // A lone server also waits for its own leadership, so that the first
    // write after start-up does not meet "no quorum".
    return s.applied_index >= replay_target_ && (in_collective_ || s.role == raft::Role::Leader);
}

void Daemon::open_api() {
    if (stopping_) return;
    ready_deadline_.cancel();
    try {
        api_ = std::make_unique<net::ApiServer>(io_, config_.api_socket(), *this);
    } catch (const std::exception& e) {
        cc::log::error(e.what(), "; stopping");
        failure_ = "the API socket cannot be opened";
        shutdown(*failure_);
        return;
    }
    api_->start();
    // Loading and replaying leave freed heap behind (a 27 MB cfg/nodes read
    // whole, the parse): give it back now rather than hold it for good.
    ::malloc_trim(0);
    cc::log::info("ready: serving the local API on ", config_.api_socket().string(), " (",
                  db_.node_count(), " nodes, applied index ", driver_->status().applied_index, ")");
    // systemd (Type=notify) counts the service started from here on.
    notify_service_manager("READY=1");
}

void Daemon::shutdown(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    cc::log::info("stopping on ", why);
    signals_.cancel();
    ready_deadline_.cancel();
    if (api_) api_->stop();
    power_->stop();
    data_key_->stop();
    reassigner_->stop();
    members_->stop();
    driver_->stop();
    log_->flush();
    try {
        cfg_writer_->flush_blocking();
        cc::log::info("configuration files written up to index ", cfg_writer_->saved_index());
    } catch (const std::exception& e) {
        cc::log::error(e.what(), "; the log still holds every change and is replayed at start");
    }
    io_.stop();
}

void Daemon::handle(proto::ApiRequest request, net::ApiReply reply) {
    std::visit(
        [&](auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, proto::ApiWrite>) {
                writes_->answer(std::move(r), std::move(reply));
            } else if constexpr (std::is_same_v<T, proto::ApiNodeQuery>) {
                when_current(
                    [this, r = std::move(r), reply = std::move(reply)] { reply(answer_nodes(r)); });
            } else if constexpr (std::is_same_v<T, proto::ApiGroupQuery>) {
                when_current([this, r = std::move(r), reply = std::move(reply)] {
                    reply(answer_groups(r));
                });
            } else if constexpr (std::is_same_v<T, proto::ApiStatusQuery>) {
                reply(answer_status(r.verbose));
            } else if constexpr (std::is_same_v<T, proto::ApiInvite>) {
                members_->invite(r, [this, reply = std::move(reply)](proto::ApiResponse a) {
                    // The founder's data key exists before any joiner can ask.
                    data_key_->found();
                    reply(std::move(a));
                });
            } else if constexpr (std::is_same_v<T, proto::ApiJoin>) {
                members_->join(r, std::move(reply));
            } else if constexpr (std::is_same_v<T, proto::ApiInviteList>) {
                reply(members_->invitation_list());
            } else if constexpr (std::is_same_v<T, proto::ApiInviteRevoke>) {
                reply(members_->revoke_invitation(r));
            } else if constexpr (std::is_same_v<T, proto::ApiRecover>) {
                members_->recover(r, std::move(reply));
            } else if constexpr (is_discovery_request_v<T>) {
                discovery_->handle(r,
                                   DiscoveryContext{db_, my_name_, members_->in_collective(),
                                                    driver_->cannot_apply().value_or(""),
                                                    [this](proto::ApiWrite w, net::ApiReply rp) {
                                                        writes_->answer(std::move(w),
                                                                        std::move(rp));
                                                    }},
                                   std::move(reply));
            } else if constexpr (std::is_same_v<T, proto::ApiNodeOperation>) {
                when_current([this, r = std::move(r), reply = std::move(reply)]() mutable {
                    if (auto refused = stale_reads())
                        reply(*refused);
                    else
                        data_key_->when_key(std::chrono::seconds(3),
                                            [this, r, reply = std::move(reply)](bool) mutable {
                                                power_->handle(r, std::move(reply));
                                            });
                });
            } else {
                static_assert(std::is_same_v<T, proto::ApiDeleteMember>);
                members_->delete_member(r, std::move(reply));
            }
        },
        request);
}

void Daemon::when_current(std::function<void()> then) {
    if (!members_->in_collective()) return then();
    driver_->read_barrier(std::move(then));
}

// A leader commits a command only if it decodes here, names only members as
// managers (daemon/app/managers.hpp), and every voter speaks
// the peer protocol version its kind needs (a voter not seen since this
// daemon started counts as the oldest version): no member then meets a
// committed entry it cannot apply, whatever builds a rolling upgrade mixes.
std::optional<std::string> Daemon::check_command_kind(proto::EntryKind& kind, std::string& bytes,
                                                      const proto::Membership& members) const {
    proto::Command c;
    try {
        if (kind == proto::EntryKind::SessionCommand) {
            auto sc = proto::from_bytes<proto::SessionCommand>(bytes);
            c = std::move(sc.command);
            // A member below v4 cannot decode the exactly-once form: it gets a
            // plain command (no protection against a re-sent copy while the
            // collective is being upgraded).
            if (!all_members_speak(members, proto::kPeerVersionSessions)) {
                kind = proto::EntryKind::Command;
                bytes = proto::to_bytes(c);
            }
        } else {
            c = proto::from_bytes<proto::Command>(bytes);
        }
    } catch (const proto::DecodeError& e) {
        return std::string("the leader (") + my_name_ + ") cannot decode this change (" + e.what() +
               "): it comes from a newer build; upgrade " + my_name_ +
               " before using it; nothing was changed";
    }
    // The proposer checked this against its own view; the member list may
    // have changed since (a member deleted).
    if (members_->in_collective())
        if (auto why = check_managers(c, members)) return *why + "; nothing was changed";
    const uint32_t need = proto::min_peer_version(c);
    if (need <= proto::kPeerVersionMin) return std::nullopt;
    for (const auto& m : members.members) {
        if (m.role != proto::Role::Voter || m.name == my_name_) continue;
        uint32_t v = members_->peer_version(m.name);
        if (v >= need) continue;
        return "this change needs peer protocol v" + std::to_string(need) + ", but " + m.name +
               (v ? " speaks v" + std::to_string(v)
                  : " has not been seen since the leader started") +
               ": upgrade " + m.name + " (or bring it back) first; nothing was changed";
    }
    return std::nullopt;
}

bool Daemon::all_members_speak(const proto::Membership& members, uint32_t version) const {
    if (!members_->in_collective()) return true;
    // Asked twice per write: answered anew only when a link came or went
    // (what peer_version answers changes only then) or the list changed.
    const uint64_t changes = members_->link_changes();
    auto& c = speaks_cache_;
    if (c && c->version == version && c->link_changes == changes && c->members == members)
        return c->answer;
    bool answer = true;
    for (const auto& m : members.members) {
        if (m.name == my_name_) continue;
        // Not seen since this member started: assumed current. Were it an
        // older build, it would stop applying at the first entry it cannot
        // decode (and say it needs a newer build), never apply it wrongly.
        uint32_t v = members_->peer_version(m.name);
        if (v != 0 && v < version) answer = false;
    }
    c = SpeaksCache{version, changes, members, answer};
    return answer;
}

// Reads are served from what this member applied; one that cannot apply a
// committed entry would answer from stale state, so it refuses.
std::optional<proto::ApiError> Daemon::stale_reads() const {
    if (const auto& why = driver_->cannot_apply())
        return proto::ApiError{proto::Outcome::NeedsNewerBuild, *why};
    return std::nullopt;
}

proto::ApiResponse Daemon::answer_nodes(const proto::ApiNodeQuery& q) const {
    if (auto refused = stale_reads()) return *refused;
    return query_nodes(db_, q);
}

proto::ApiResponse Daemon::answer_groups(const proto::ApiGroupQuery& q) const {
    if (auto refused = stale_reads()) return *refused;
    return query_groups(db_, q);
}

proto::ApiResponse Daemon::answer_status(bool verbose) const {
    auto s = members_->status();
    s.cannot_apply = driver_->cannot_apply().value_or("");
    if (auto since = driver_->leader_since(); since && !s.leader.empty())
        s.leader_for_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(raft::Clock::now() - *since)
                .count();
    if (verbose) s.ownership = reassigner_->ownership_report(s.offline);
    return s;
}

raft::Status Daemon::consensus_status() const {
    return driver_->status();
}

const proto::Membership& Daemon::latest_membership() const {
    return driver_->membership();
}

void Daemon::change_members(proto::Membership members,
                            std::function<void(collective::ChangeOutcome)> done) {
    driver_->propose_membership(
        std::move(members),
        [done = std::move(done), lone = !members_->in_collective()](WriteOutcome o) {
            o = settle_write(std::move(o), lone);
            done(collective::ChangeOutcome{o.outcome, o.index, std::move(o.reason)});
        });
}

std::vector<std::string> Daemon::nodes_managed_by(const std::string& member) const {
    return cc::app::nodes_managed_by(db_, member);
}

std::variant<raft::RecoveryPlan, std::string> Daemon::recovery_plan() const {
    return driver_->recovery_plan();
}

std::optional<std::string> Daemon::force_recover(proto::Membership survivors) {
    return driver_->force_recover(std::move(survivors));
}

void Daemon::deliver(const std::string& from, proto::RaftMessage message) {
    driver_->receive(from, std::move(message));
}

}  // namespace cc::app
