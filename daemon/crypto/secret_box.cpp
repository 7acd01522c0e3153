#include "daemon/crypto/secret_box.hpp"

#include <crypt.h>

#include <botan/aead.h>
#include <botan/base64.h>
#include <botan/kdf.h>
#include <botan/system_rng.h>

#include <memory>

namespace cc::crypto {

namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kValueAd = "confluent-collective secret v1";
constexpr std::string_view kWrapAd = "confluent-collective data key v1";

const uint8_t* bytes(std::string_view s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

// prefix + base64(nonce | ct | tag)
std::string seal(const uint8_t* key, std::string_view ad, std::string_view prefix,
                 std::string_view plain) {
    auto aead = Botan::AEAD_Mode::create_or_throw("ChaCha20Poly1305", Botan::ENCRYPTION);
    aead->set_key(key, 32);
    aead->set_associated_data(bytes(ad), ad.size());
    auto nonce = Botan::system_rng().random_vec(kNonceBytes);
    aead->start(nonce);
    Botan::secure_vector<uint8_t> buf(plain.begin(), plain.end());
    aead->finish(buf);
    Botan::secure_vector<uint8_t> out(nonce.begin(), nonce.end());
    out.insert(out.end(), buf.begin(), buf.end());
    return std::string(prefix) + Botan::base64_encode(out);
}

Botan::secure_vector<uint8_t> open(const uint8_t* key, std::string_view ad, std::string_view prefix,
                                   std::string_view stored, const char* what) {
    if (stored.substr(0, prefix.size()) != prefix)
        throw SecretError(std::string(what) + " is not in the " + std::string(prefix) + " form");
    Botan::secure_vector<uint8_t> raw;
    try {
        raw = Botan::base64_decode(std::string(stored.substr(prefix.size())));
    } catch (const std::exception&) {
        throw SecretError(std::string(what) + " is not valid base64");
    }
    if (raw.size() < kNonceBytes + kTagBytes)
        throw SecretError(std::string(what) + " is too short");
    auto aead = Botan::AEAD_Mode::create_or_throw("ChaCha20Poly1305", Botan::DECRYPTION);
    aead->set_key(key, 32);
    aead->set_associated_data(bytes(ad), ad.size());
    aead->start(raw.data(), kNonceBytes);
    Botan::secure_vector<uint8_t> buf(raw.begin() + kNonceBytes, raw.end());
    try {
        aead->finish(buf);
    } catch (const std::exception&) {
        throw SecretError(std::string(what) +
                          " does not authenticate (tampered, or sealed under another key)");
    }
    return buf;
}

Botan::secure_vector<uint8_t> wrapping_key(const MemberKey& member) {
    auto kdf = Botan::KDF::create_or_throw("HKDF(SHA-256)");
    const std::string_view salt = "confluent-collective data key wrap";
    const std::string_view info = "v1";
    return kdf->derive_key(32, bytes(member.pem), member.pem.size(), bytes(salt), salt.size(),
                           bytes(info), info.size());
}

}  // namespace

DataKey new_data_key() {
    DataKey k;
    Botan::system_rng().randomize(k.data(), k.size());
    return k;
}

std::string seal_value(const DataKey& key, std::string_view plain) {
    return seal(key.data(), kValueAd, kSealedPrefix, plain);
}

bool is_sealed(std::string_view stored) {
    // "!enc" + version digits + ':'; only version 1 opens today.
    if (stored.substr(0, 4) != "!enc") return false;
    size_t i = 4;
    while (i < stored.size() && stored[i] >= '0' && stored[i] <= '9') ++i;
    return i > 4 && i < stored.size() && stored[i] == ':';
}

std::string open_value(const DataKey& key, std::string_view stored) {
    auto plain = open(key.data(), kValueAd, kSealedPrefix, stored, "the stored secret");
    return std::string(plain.begin(), plain.end());
}

std::string wrap_data_key(const MemberKey& member, const DataKey& key) {
    auto wk = wrapping_key(member);
    return seal(wk.data(), kWrapAd, kWrappedPrefix,
                std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

DataKey unwrap_data_key(const MemberKey& member, std::string_view wrapped) {
    auto wk = wrapping_key(member);
    auto raw = open(wk.data(), kWrapAd, kWrappedPrefix, wrapped, "the wrapped data key");
    DataKey k;
    if (raw.size() != k.size()) throw SecretError("the wrapped data key has the wrong length");
    std::copy(raw.begin(), raw.end(), k.begin());
    return k;
}

std::string crypt_sha512(std::string_view password) {
    static constexpr char kAlphabet[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string setting = "$6$";
    auto rnd = Botan::system_rng().random_vec(16);
    for (uint8_t b : rnd) setting += kAlphabet[b % 64];
    auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
    data->initialized = 0;
    const std::string pw(password);
    const char* out = crypt_r(pw.c_str(), setting.c_str(), data.get());
    if (!out || out[0] == '*') throw SecretError("crypt(3) SHA-512 is not available");
    return out;
}

bool is_crypt_hash(std::string_view value) {
    return value.rfind("$6$", 0) == 0 || value.rfind("$5$", 0) == 0 || value.rfind("$y$", 0) == 0;
}

}  // namespace cc::crypto
