#include "daemon/crypto/invitation_book.hpp"

#include <botan/base64.h>

#include <toml++/toml.h>
#include <sstream>

#include "daemon/util/check.hpp"
#include "daemon/util/fs.hpp"

namespace cc::crypto {

namespace {

using TimePoint = std::chrono::system_clock::time_point;

int64_t to_epoch(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Latest expiry a file may hold: year 2200, well inside the clock's range.
constexpr int64_t kMaxExpires = 7258118400;

TimePoint from_epoch(int64_t s) {
    return TimePoint(std::chrono::seconds(s));
}

const char* role_text(proto::Role role) {
    return role == proto::Role::NonVoter ? "nonvoter" : "voter";
}

}  // namespace

InvitationBook::InvitationBook(std::filesystem::path file, Clock clock)
    : file_(std::move(file)), clock_(std::move(clock)) {
    load();
}

void InvitationBook::load() {
    if (!std::filesystem::exists(file_)) return;
    std::string text = cc::fs::read_file(file_);
    auto fail = [&](const std::string& why) {
        throw InvitationFileError("corrupt invitation file " + file_.string() + ": " + why +
                                  "; delete it and invite again");
    };
    toml::table root;
    try {
        root = toml::parse(text, file_.string());
    } catch (const toml::parse_error& e) {
        std::ostringstream where;
        where << "line " << e.source().begin.line << ": " << e.description();
        fail(where.str());
    }
    const toml::table* invitations = root["invitations"].as_table();
    if (invitations == nullptr) return;
    for (const auto& [key, value] : *invitations) {
        std::string name(key.str());
        const toml::table* entry = value.as_table();
        if (entry == nullptr || !valid_member_name(name)) fail("bad entry '" + name + "'");
        auto secret = (*entry)["secret"].value<std::string>();
        auto role = (*entry)["role"].value<std::string>();
        auto expires = (*entry)["expires"].value_exact<int64_t>();
        if (!secret || !role || !expires || (*role != "voter" && *role != "nonvoter")) {
            fail("entry '" + name + "' needs secret, role (voter|nonvoter) and expires");
        }
        // The clock counts nanoseconds in 64 bits (until 2262): a later time
        // would overflow in from_epoch (found by tests/fuzz/invitation_book.cpp).
        if (*expires < 0 || *expires > kMaxExpires) {
            fail("entry '" + name + "' has expires out of range");
        }
        Pending p;
        try {
            p.secret = Botan::base64_decode(*secret, false);
        } catch (const std::exception&) {
            fail("entry '" + name + "' has a secret that is not base64");
        }
        if (p.secret.size() < kMinSecretBytes || p.secret.size() > kMaxSecretBytes) {
            fail("entry '" + name + "' has a secret of the wrong size");
        }
        p.role = *role == "nonvoter" ? proto::Role::NonVoter : proto::Role::Voter;
        p.expires = from_epoch(*expires);
        pending_.emplace(std::move(name), std::move(p));
    }
    prune(pending_);
}

void InvitationBook::save(const Table& table) const {
    toml::table invitations;
    for (const auto& [name, p] : table) {
        invitations.insert(name, toml::table{{"secret", Botan::base64_encode(p.secret)},
                                             {"role", role_text(p.role)},
                                             {"expires", to_epoch(p.expires)}});
    }
    toml::table root{{"invitations", std::move(invitations)}};
    std::ostringstream out;
    out << "# Pending collective invitations of this member (single use).\n"
        << "# Holds secrets: keep it private (mode 0600).\n"
        << root << "\n";
    cc::fs::write_atomic(file_, out.str(), 0600);
}

bool InvitationBook::prune(Table& table) const {
    auto now = clock_();
    return std::erase_if(table, [&](const auto& kv) { return kv.second.expires <= now; }) > 0;
}

std::string InvitationBook::invite(std::string_view name, proto::Role role,
                                   std::chrono::seconds ttl) {
    CC_CHECK(valid_member_name(name), "InvitationBook::invite called with an invalid name");
    CC_CHECK(ttl.count() > 0 && ttl <= kMaxInvitationTtl,
             "InvitationBook::invite called with a ttl outside 1..kMaxInvitationTtl");
    NewInvitation fresh = make_invitation(name);
    std::lock_guard lock(mu_);
    Table next = pending_;
    prune(next);
    CC_CHECK(next.size() < kMaxPendingInvitations || next.contains(name),
             "InvitationBook::invite called without room (check room_for first)");
    Pending p{std::move(fresh.secret), role, clock_() + ttl};
    next.insert_or_assign(std::string(name), std::move(p));
    save(next);  // throws before the in-memory book changes
    pending_ = std::move(next);
    return fresh.token;
}

Redemption InvitationBook::redeem(std::string_view name, std::string_view joiner_proof_bytes,
                                  std::string_view inviter_blob, std::string_view joiner_blob) {
    std::lock_guard lock(mu_);
    Redemption out;
    auto it = pending_.find(name);
    if (it == pending_.end()) {
        out.outcome = RedeemOutcome::NoInvitation;
        return out;
    }
    if (it->second.expires <= clock_()) {
        Table next = pending_;
        next.erase(std::string(name));
        save(next);
        pending_ = std::move(next);
        out.outcome = RedeemOutcome::Expired;
        return out;
    }
    const Pending& p = it->second;
    std::string expected = joiner_proof(p.secret, inviter_blob, joiner_blob);
    if (!proof_matches(expected, joiner_proof_bytes)) {
        out.outcome = RedeemOutcome::ProofMismatch;
        return out;
    }
    out.outcome = RedeemOutcome::Accepted;
    out.role = p.role;
    out.inviter_proof = inviter_proof(p.secret, inviter_blob, joiner_blob);
    Table next = pending_;
    next.erase(std::string(name));
    save(next);  // a crash before this line leaves the invitation usable, never used twice after it
    pending_ = std::move(next);
    return out;
}

bool InvitationBook::room_for(std::string_view name) const {
    std::lock_guard lock(mu_);
    Table live = pending_;
    prune(live);
    return live.size() < kMaxPendingInvitations || live.contains(name);
}

bool InvitationBook::revoke(std::string_view name) {
    std::lock_guard lock(mu_);
    Table next = pending_;
    prune(next);
    if (next.erase(std::string(name)) == 0) return false;
    save(next);  // throws before the in-memory book changes
    pending_ = std::move(next);
    return true;
}

std::vector<PendingInvitation> InvitationBook::pending() const {
    std::lock_guard lock(mu_);
    std::vector<PendingInvitation> out;
    auto now = clock_();
    for (const auto& [name, p] : pending_) {
        if (p.expires > now) out.push_back({name, p.role, p.expires});
    }
    return out;
}

bool InvitationBook::has_pending() const {
    std::lock_guard lock(mu_);
    auto now = clock_();
    for (const auto& [name, p] : pending_) {
        if (p.expires > now) return true;
    }
    return false;
}

std::vector<std::string> InvitationBook::pending_names() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    auto now = clock_();
    for (const auto& [name, p] : pending_) {
        if (p.expires > now) names.push_back(name);
    }
    return names;
}

}  // namespace cc::crypto
