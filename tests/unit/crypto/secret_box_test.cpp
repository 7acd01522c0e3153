// The stored form of secret.* values, the wrapped data key and the crypt(3)
// hashes of crypted.* values (daemon/crypto/secret_box.hpp).
#include "daemon/crypto/secret_box.hpp"

#include <gtest/gtest.h>

#include <botan/base64.h>

#include <unistd.h>
#include <filesystem>

namespace {

using namespace cc::crypto;

MemberKey fresh_member_key(const std::string& tag) {
    auto dir = std::filesystem::temp_directory_path() /
               ("cc-secret-box-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    generate_key_and_cert(dir, "mgt1");
    auto k = load_private_key(dir / kPrivateKeyFile);
    std::filesystem::remove_all(dir);
    return k;
}

// Flips one bit of the decoded payload at `at` and encodes it again.
std::string tamper(const std::string& stored, std::string_view prefix, size_t at) {
    auto raw = Botan::base64_decode(stored.substr(prefix.size()));
    raw.at(at) ^= 0x01;
    return std::string(prefix) + Botan::base64_encode(raw);
}

TEST(SecretBox, sealedValueIsVersionedTextAndOpensUnderItsKey) {
    DataKey k = new_data_key();
    std::string stored = seal_value(k, "PASSWORD");
    EXPECT_EQ(stored.rfind("!enc1:", 0), 0u) << stored;
    EXPECT_EQ(stored.find("PASSWORD"), std::string::npos);
    // 12 nonce + 8 ciphertext + 16 tag bytes.
    EXPECT_EQ(Botan::base64_decode(stored.substr(6)).size(), 36u);
    EXPECT_TRUE(is_sealed(stored));
    EXPECT_EQ(open_value(k, stored), "PASSWORD");
    // A fresh nonce each time: the same value seals differently.
    EXPECT_NE(seal_value(k, "PASSWORD"), stored);
    EXPECT_EQ(open_value(k, seal_value(k, "")), "");
}

TEST(SecretBox, clearValuesAreNotSealed) {
    EXPECT_FALSE(is_sealed("PASSWORD"));
    EXPECT_FALSE(is_sealed(""));
    EXPECT_FALSE(is_sealed("!enc:abc"));
    EXPECT_FALSE(is_sealed("!enc1"));
    EXPECT_TRUE(is_sealed("!enc2:abc"));  // a later version: sealed, not clear
}

TEST(SecretBox, tamperedOrForeignCiphertextIsRefused) {
    DataKey k = new_data_key();
    std::string stored = seal_value(k, "PASSWORD");
    for (size_t at : {0u, 12u, 19u, 20u, 35u})
        EXPECT_THROW(open_value(k, tamper(stored, kSealedPrefix, at)), SecretError) << at;
    EXPECT_THROW(open_value(new_data_key(), stored), SecretError);
    EXPECT_THROW(open_value(k, stored.substr(0, stored.size() - 4)), SecretError);
    EXPECT_THROW(open_value(k, "!enc1:%%%"), SecretError);
    EXPECT_THROW(open_value(k, "!enc1:AAAA"), SecretError);
    EXPECT_THROW(open_value(k, "PASSWORD"), SecretError);
}

TEST(SecretBox, dataKeyUnwrapsOnlyUnderTheMemberKeyThatWrappedIt) {
    MemberKey mine = fresh_member_key("a");
    MemberKey other = fresh_member_key("b");
    DataKey k = new_data_key();
    std::string wrapped = wrap_data_key(mine, k);
    EXPECT_EQ(wrapped.rfind("!wrap1:", 0), 0u);
    const std::string b64 = Botan::base64_encode(k.data(), k.size());
    EXPECT_EQ(wrapped.find(b64.substr(0, 20)), std::string::npos);
    EXPECT_EQ(unwrap_data_key(mine, wrapped), k);
    EXPECT_THROW(unwrap_data_key(other, wrapped), SecretError);
    EXPECT_THROW(unwrap_data_key(mine, tamper(wrapped, kWrappedPrefix, 20)), SecretError);
    EXPECT_THROW(unwrap_data_key(mine, seal_value(k, "x")), SecretError);
}

TEST(SecretBox, cryptIsSha512WithAFreshSalt) {
    std::string h = crypt_sha512("rootpw");
    EXPECT_EQ(h.rfind("$6$", 0), 0u) << h;
    EXPECT_EQ(h.find("rootpw"), std::string::npos);
    EXPECT_NE(crypt_sha512("rootpw"), h);
    EXPECT_TRUE(is_crypt_hash(h));
    EXPECT_TRUE(is_crypt_hash("$5$abc$def"));
    EXPECT_TRUE(is_crypt_hash("$y$j9T$abc$def"));
    EXPECT_FALSE(is_crypt_hash("$1$abc$def"));
    EXPECT_FALSE(is_crypt_hash("rootpw"));
}

}  // namespace
