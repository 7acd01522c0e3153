// Secrets at rest (SECURITY.md): the collective data key K, how a secret.*
// attribute value is stored under it, how K is kept on disk wrapped under a
// key derived from the member's own privkey.pem, and the one-way crypt(3)
// hashes of crypted.* attributes.
//
// Stored value of a secret.* attribute (what cfg/, log segments and snapshots
// hold):  "!enc1:" + base64(nonce[12] | ciphertext | tag[16]), ChaCha20Poly1305
// under K, associated data "confluent-collective secret v1". The version
// digit leaves room for another scheme; a value without the prefix is a clear
// value written by an older build (still readable, see SECURITY.md).
//
// Wrapped K (STATE/collective/datakey, 0600): "!wrap1:" + base64(nonce[12] |
// ciphertext(K) | tag[16]), ChaCha20Poly1305 under
// HKDF-SHA256(ikm = the PKCS#8 PEM of privkey.pem, salt "confluent-collective
// data key wrap", info "v1").
//
// Errors: a value or file that does not decode or authenticate raises
// SecretError (tampered, wrong key). Threading: no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "daemon/crypto/key.hpp"

namespace cc::crypto {

using DataKey = std::array<uint8_t, 32>;

inline constexpr std::string_view kSealedPrefix = "!enc1:";
inline constexpr std::string_view kWrappedPrefix = "!wrap1:";

struct SecretError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A fresh random K from the system RNG.
DataKey new_data_key();

// The stored form of `plain` under `key` (a fresh random nonce each call).
std::string seal_value(const DataKey& key, std::string_view plain);
// Whether `stored` is in the sealed form (any version of it).
bool is_sealed(std::string_view stored);
// The clear value of a sealed one; SecretError when it does not authenticate.
std::string open_value(const DataKey& key, std::string_view stored);

// K wrapped under the member key, and back (SecretError when tampered or
// wrapped under another member key).
std::string wrap_data_key(const MemberKey& member, const DataKey& key);
DataKey unwrap_data_key(const MemberKey& member, std::string_view wrapped);

// crypt(3) SHA-512 ("$6$<16 salt chars>$<hash>") of `password`, fresh salt.
std::string crypt_sha512(std::string_view password);
// Already a crypt(3) hash we store as given: "$6$", "$5$" or "$y$".
bool is_crypt_hash(std::string_view value);

}  // namespace cc::crypto
