#include <gtest/gtest.h>

#include <botan/base64.h>

#include "daemon/crypto/token.hpp"

namespace {

using cc::crypto::Secret;

std::string blob(char fill) {
    return std::string(4, '\0') + std::string(130, fill);
}

TEST(MakeInvitation, tokenIsBase64OfNameAtSecretWithoutPadding) {
    auto inv = cc::crypto::make_invitation("mgt2");
    EXPECT_EQ(inv.token.size(), 92u);
    EXPECT_EQ(inv.token.find('='), std::string::npos);
    EXPECT_EQ(inv.token.substr(0, 6), "bWd0Mk");  // base64("mgt2@") starts like the reference page
    EXPECT_GE(inv.secret.size(), 64u);
    EXPECT_LE(inv.secret.size(), 66u);
    auto parsed = cc::crypto::parse_token(inv.token);
    EXPECT_EQ(parsed.name, "mgt2");
    EXPECT_EQ(parsed.secret, inv.secret);
}

TEST(MakeInvitation, everyNameLengthGetsAnUnpaddedToken) {
    for (std::string name : {"a", "ab", "abc", "mgt10", "management-server-7"}) {
        auto inv = cc::crypto::make_invitation(name);
        EXPECT_EQ(inv.token.find('='), std::string::npos) << name;
        EXPECT_EQ((name.size() + 1 + inv.secret.size()) % 3, 0u) << name;
        EXPECT_EQ(cc::crypto::parse_token(inv.token).name, name);
    }
}

TEST(MakeInvitation, secretsAreFresh) {
    EXPECT_NE(cc::crypto::make_invitation("mgt2").secret,
              cc::crypto::make_invitation("mgt2").secret);
}

TEST(ParseToken, toleratesSurroundingWhitespaceFromAPaste) {
    auto inv = cc::crypto::make_invitation("mgt3");
    EXPECT_EQ(cc::crypto::parse_token("  " + inv.token + "\n").name, "mgt3");
}

TEST(ParseToken, rejectsGarbledTokensWithOneClearMessage) {
    auto inv = cc::crypto::make_invitation("mgt2");
    Secret short_secret(63, 7);
    Secret no_at(70, 'x');
    std::vector<std::string> bad = {
        "",
        "this-is-not-a-token!!",
        inv.token.substr(0, 50),                               // truncated (not base64 length)
        inv.token.substr(0, 88),                               // valid base64, secret too short
        cc::crypto::encode_token("mgt2", short_secret),        // secret below 64 bytes
        Botan::base64_encode(no_at),                           // no '@'
        cc::crypto::encode_token("bad name", Secret(64, 1)),   // invalid name
        cc::crypto::encode_token("", Secret(64, 1)),           // empty name
        std::string(100000, 'A'),                              // huge
        inv.token.substr(0, 40) + " " + inv.token.substr(40),  // whitespace inside
    };
    for (const auto& token : bad) {
        try {
            cc::crypto::parse_token(token);
            ADD_FAILURE() << "accepted: " << token.substr(0, 100);
        } catch (const cc::crypto::InvalidTokenFormat& e) {
            EXPECT_STREQ(e.what(), "Invalid token format");
        }
    }
}

TEST(ValidMemberName, acceptsHostNamesOnly) {
    EXPECT_TRUE(cc::crypto::valid_member_name("mgt1"));
    EXPECT_TRUE(cc::crypto::valid_member_name("mgt-1.example_x"));
    EXPECT_FALSE(cc::crypto::valid_member_name(""));
    EXPECT_FALSE(cc::crypto::valid_member_name("a@b"));
    EXPECT_FALSE(cc::crypto::valid_member_name("a b"));
    EXPECT_FALSE(cc::crypto::valid_member_name(std::string(256, 'a')));
}

TEST(Proofs, bothSidesAgreeAndDirectionsDiffer) {
    auto inv = cc::crypto::make_invitation("mgt2");
    auto i = blob('I'), j = blob('J');
    auto jp = cc::crypto::joiner_proof(inv.secret, i, j);
    auto ip = cc::crypto::inviter_proof(inv.secret, i, j);
    EXPECT_EQ(jp.size(), 32u);
    EXPECT_EQ(ip.size(), 32u);
    EXPECT_NE(jp, ip);  // a joiner's proof can never be replayed as the inviter's
    EXPECT_TRUE(cc::crypto::proof_matches(cc::crypto::joiner_proof(inv.secret, i, j), jp));
    EXPECT_TRUE(cc::crypto::proof_matches(cc::crypto::inviter_proof(inv.secret, i, j), ip));
}

TEST(Proofs, tamperingWithAnyInputBreaksTheMatch) {
    auto inv = cc::crypto::make_invitation("mgt2");
    auto i = blob('I'), j = blob('J');
    auto good = cc::crypto::joiner_proof(inv.secret, i, j);
    Secret other_secret = inv.secret;
    other_secret[10] ^= 1;
    auto other_i = i, other_j = j;
    other_i[50] ^= 1;
    other_j[77] ^= 1;
    EXPECT_FALSE(cc::crypto::proof_matches(good, cc::crypto::joiner_proof(other_secret, i, j)));
    EXPECT_FALSE(cc::crypto::proof_matches(good, cc::crypto::joiner_proof(inv.secret, other_i, j)));
    EXPECT_FALSE(cc::crypto::proof_matches(good, cc::crypto::joiner_proof(inv.secret, i, other_j)));
    EXPECT_FALSE(cc::crypto::proof_matches(good, cc::crypto::joiner_proof(inv.secret, j, i)));
    auto flipped = good;
    flipped[31] = char(flipped[31] ^ 0x80);
    EXPECT_FALSE(cc::crypto::proof_matches(good, flipped));
    EXPECT_FALSE(cc::crypto::proof_matches(good, good.substr(0, 31)));
    EXPECT_FALSE(cc::crypto::proof_matches(good, ""));
    EXPECT_FALSE(cc::crypto::proof_matches("", ""));
}

}  // namespace
