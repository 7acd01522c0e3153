#include "daemon/crypto/token.hpp"

#include <botan/base64.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include "daemon/util/check.hpp"
#include "proto/names.hpp"

namespace cc::crypto {

namespace {

std::string hmac(const Secret& secret, std::string_view first, std::string_view second) {
    auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
    mac->set_key(secret);
    mac->update(reinterpret_cast<const uint8_t*>(first.data()), first.size());
    mac->update(reinterpret_cast<const uint8_t*>(second.data()), second.size());
    auto tag = mac->final();
    return std::string(tag.begin(), tag.end());
}

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

bool valid_member_name(std::string_view name) {
    return proto::valid_name(proto::NameKind::Member, name);
}

NewInvitation make_invitation(std::string_view name) {
    CC_CHECK(valid_member_name(name), "make_invitation called with an invalid member name");
    // name + '@' + secret must be a multiple of 3 bytes for base64 without '='.
    size_t secret_bytes = kMinSecretBytes;
    while ((name.size() + 1 + secret_bytes) % 3 != 0) ++secret_bytes;
    NewInvitation out;
    out.secret = Botan::system_rng().random_vec(secret_bytes);
    out.token = encode_token(name, out.secret);
    return out;
}

std::string encode_token(std::string_view name, const Secret& secret) {
    Secret plain(name.begin(), name.end());
    plain.push_back('@');
    plain.insert(plain.end(), secret.begin(), secret.end());
    return Botan::base64_encode(plain);
}

ParsedToken parse_token(std::string_view token) {
    token = trim(token);
    // Bound the work before decoding: a name, '@' and at most kMaxSecretBytes.
    if (token.empty() || token.size() > 4 * (kMaxMemberNameBytes + 1 + kMaxSecretBytes) / 3 + 4) {
        throw InvalidTokenFormat();
    }
    Secret plain;
    try {
        plain = Botan::base64_decode(token.data(), token.size(), /*ignore_ws=*/false);
    } catch (const std::exception&) {
        throw InvalidTokenFormat();
    }
    size_t at = 0;
    while (at < plain.size() && plain[at] != '@') ++at;
    if (at == plain.size()) throw InvalidTokenFormat();
    ParsedToken out;
    out.name.assign(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(at));
    out.secret.assign(plain.begin() + static_cast<std::ptrdiff_t>(at) + 1, plain.end());
    if (!valid_member_name(out.name) || out.secret.size() < kMinSecretBytes ||
        out.secret.size() > kMaxSecretBytes) {
        throw InvalidTokenFormat();
    }
    return out;
}

std::string joiner_proof(const Secret& secret, std::string_view inviter_blob,
                         std::string_view joiner_blob) {
    return hmac(secret, inviter_blob, joiner_blob);
}

std::string inviter_proof(const Secret& secret, std::string_view inviter_blob,
                          std::string_view joiner_blob) {
    return hmac(secret, joiner_blob, inviter_blob);
}

bool proof_matches(std::string_view expected, std::string_view received) {
    if (expected.size() != received.size() || expected.empty()) return false;
    return Botan::constant_time_compare(reinterpret_cast<const uint8_t*>(expected.data()),
                                        reinterpret_cast<const uint8_t*>(received.data()),
                                        expected.size());
}

}  // namespace cc::crypto
