// Invitation tokens and the mutual join proof (docs/ARCHITECTURE.md, "Trust, join
// and member addresses").
//
// Token: base64(NAME + "@" + SECRET), SECRET being 64..66 random bytes from
// the system RNG, the count chosen so that the base64 needs no '=' padding
// (92 characters for "mgt2"). The token starts with base64(NAME).
//
// Proofs bind the secret to both keys (SSH wire-format key blobs, which are
// self-delimiting so the concatenation is unambiguous):
//   joiner proof  = HMAC-SHA256(SECRET, blob(inviter) || blob(joiner))
//   inviter proof = HMAC-SHA256(SECRET, blob(joiner)  || blob(inviter))
// Compare them only with proof_matches (constant time).
//
// Secrets are never logged; Secret wipes its memory when destroyed.
// Threading: free functions without shared state; safe from any thread.
#pragma once

#include <botan/secmem.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cc::crypto {

using Secret = Botan::secure_vector<uint8_t>;

inline constexpr size_t kMinSecretBytes = 64;
inline constexpr size_t kMaxSecretBytes = 1024;  // generous for newer versions, bounded for input
inline constexpr size_t kMaxMemberNameBytes = 255;  // proto::kMaxNameBytes

// Raised by parse_token on anything that is not a well-formed token.
// what() is the user-facing text "Invalid token format".
struct InvalidTokenFormat : std::runtime_error {
    InvalidTokenFormat() : std::runtime_error("Invalid token format") {}
};

// The one name rule for members (proto/names.hpp): 1..255 characters of
// [A-Za-z0-9._-], not starting with '-' (no '@', no spaces).
bool valid_member_name(std::string_view name);

struct NewInvitation {
    std::string token;
    Secret secret;
};

// Fresh secret and its token. Aborts (our bug) on an invalid name: callers
// validate user input with valid_member_name first.
NewInvitation make_invitation(std::string_view name);

// The token for a given name and secret (deterministic; used by make_invitation).
std::string encode_token(std::string_view name, const Secret& secret);

struct ParsedToken {
    std::string name;
    Secret secret;
};

// Splits a token into name and secret. Surrounding whitespace is ignored
// (pasted tokens often carry a newline). Throws InvalidTokenFormat.
ParsedToken parse_token(std::string_view token);

// 32-byte HMAC-SHA256 proofs, as raw bytes.
std::string joiner_proof(const Secret& secret, std::string_view inviter_blob,
                         std::string_view joiner_blob);
std::string inviter_proof(const Secret& secret, std::string_view inviter_blob,
                          std::string_view joiner_blob);

// Constant-time equality of two proofs (false when lengths differ).
bool proof_matches(std::string_view expected, std::string_view received);

}  // namespace cc::crypto
