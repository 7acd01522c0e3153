#include <gtest/gtest.h>
#include <sys/stat.h>

#include "daemon/crypto/invitation_book.hpp"
#include "daemon/util/fs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using cc::crypto::InvitationBook;
using cc::crypto::RedeemOutcome;
using namespace std::chrono_literals;

struct FakeClock {
    std::chrono::system_clock::time_point now{std::chrono::seconds(1'800'000'000)};
    InvitationBook::Clock fn() {
        return [this] { return now; };
    }
};

const std::string kInviter = std::string(4, '\0') + "inviter-key-blob";
const std::string kJoiner = std::string(4, '\0') + "joiner-key-blob";

std::string proof_for(const std::string& token, const std::string& inviter = kInviter,
                      const std::string& joiner = kJoiner) {
    auto t = cc::crypto::parse_token(token);
    return cc::crypto::joiner_proof(t.secret, inviter, joiner);
}

class InvitationBookTest : public ::testing::Test {
  protected:
    cc::test::TempDir dir;
    FakeClock clock;
    std::filesystem::path file() const { return dir.path() / "invitations"; }
};

TEST_F(InvitationBookTest, redeemIsSingleUseAndReturnsTheInviterProof) {
    InvitationBook book(file(), clock.fn());
    auto token = book.invite("mgt2", proto::Role::NonVoter);
    EXPECT_TRUE(book.has_pending());
    auto r = book.redeem("mgt2", proof_for(token), kInviter, kJoiner);
    ASSERT_EQ(r.outcome, RedeemOutcome::Accepted);
    EXPECT_EQ(r.role, proto::Role::NonVoter);
    auto t = cc::crypto::parse_token(token);
    EXPECT_TRUE(cc::crypto::proof_matches(cc::crypto::inviter_proof(t.secret, kInviter, kJoiner),
                                          r.inviter_proof));
    EXPECT_EQ(book.redeem("mgt2", proof_for(token), kInviter, kJoiner).outcome,
              RedeemOutcome::NoInvitation);
    EXPECT_FALSE(book.has_pending());
}

TEST_F(InvitationBookTest, failedProofDoesNotUseUpTheInvitation) {
    InvitationBook book(file(), clock.fn());
    auto token = book.invite("mgt2", proto::Role::Voter);
    auto wrong_key = proof_for(token, kInviter, kJoiner + "x");
    EXPECT_EQ(book.redeem("mgt2", wrong_key, kInviter, kJoiner).outcome,
              RedeemOutcome::ProofMismatch);
    EXPECT_EQ(book.redeem("mgt2", "", kInviter, kJoiner).outcome, RedeemOutcome::ProofMismatch);
    EXPECT_EQ(book.redeem("mgt3", proof_for(token), kInviter, kJoiner).outcome,
              RedeemOutcome::NoInvitation);
    EXPECT_EQ(book.redeem("mgt2", proof_for(token), kInviter, kJoiner).outcome,
              RedeemOutcome::Accepted);
}

TEST_F(InvitationBookTest, invitationsExpireAfterTheirTtl) {
    InvitationBook book(file(), clock.fn());
    auto token = book.invite("mgt2", proto::Role::Voter, 60s);
    clock.now += 59s;
    EXPECT_EQ(book.pending_names(), std::vector<std::string>{"mgt2"});
    clock.now += 1s;
    EXPECT_FALSE(book.has_pending());
    EXPECT_EQ(book.redeem("mgt2", proof_for(token), kInviter, kJoiner).outcome,
              RedeemOutcome::Expired);
    EXPECT_EQ(book.redeem("mgt2", proof_for(token), kInviter, kJoiner).outcome,
              RedeemOutcome::NoInvitation);
}

TEST_F(InvitationBookTest, defaultTtlIsOneHour) {
    InvitationBook book(file(), clock.fn());
    book.invite("mgt2", proto::Role::Voter);
    clock.now += 3599s;
    EXPECT_TRUE(book.has_pending());
    clock.now += 1s;
    EXPECT_FALSE(book.has_pending());
}

TEST_F(InvitationBookTest, reinviteReplacesTheOldToken) {
    InvitationBook book(file(), clock.fn());
    auto old_token = book.invite("mgt2", proto::Role::Voter);
    auto new_token = book.invite("mgt2", proto::Role::NonVoter);
    EXPECT_NE(old_token, new_token);
    EXPECT_EQ(book.redeem("mgt2", proof_for(old_token), kInviter, kJoiner).outcome,
              RedeemOutcome::ProofMismatch);
    auto r = book.redeem("mgt2", proof_for(new_token), kInviter, kJoiner);
    EXPECT_EQ(r.outcome, RedeemOutcome::Accepted);
    EXPECT_EQ(r.role, proto::Role::NonVoter);
}

TEST_F(InvitationBookTest, survivesARestartAndKeepsTheFilePrivate) {
    std::string token2, token3;
    {
        InvitationBook book(file(), clock.fn());
        token2 = book.invite("mgt2", proto::Role::Voter);
        token3 = book.invite("mgt3", proto::Role::NonVoter);
        ASSERT_EQ(book.redeem("mgt2", proof_for(token2), kInviter, kJoiner).outcome,
                  RedeemOutcome::Accepted);
    }
    struct stat st {};
    ASSERT_EQ(::stat(file().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto text = cc::fs::read_file(file());
    EXPECT_EQ(text.find(token3), std::string::npos);  // the token itself is never stored

    InvitationBook again(file(), clock.fn());
    EXPECT_EQ(again.pending_names(), std::vector<std::string>{"mgt3"});
    EXPECT_EQ(again.redeem("mgt2", proof_for(token2), kInviter, kJoiner).outcome,
              RedeemOutcome::NoInvitation);
    auto r = again.redeem("mgt3", proof_for(token3), kInviter, kJoiner);
    EXPECT_EQ(r.outcome, RedeemOutcome::Accepted);
    EXPECT_EQ(r.role, proto::Role::NonVoter);
}

TEST_F(InvitationBookTest, corruptFileIsReportedWithItsName) {
    cc::fs::write_atomic(file(), "[invitations.mgt2]\nsecret = 12\n", 0600);
    try {
        InvitationBook book(file(), clock.fn());
        ADD_FAILURE() << "corrupt file accepted";
    } catch (const cc::crypto::InvitationFileError& e) {
        EXPECT_NE(std::string(e.what()).find(file().string()), std::string::npos) << e.what();
    }
    cc::fs::write_atomic(file(), "[invitations\n", 0600);
    EXPECT_THROW(InvitationBook(file(), clock.fn()), cc::crypto::InvitationFileError);
}

TEST_F(InvitationBookTest, missingFileIsAnEmptyBook) {
    InvitationBook book(dir.path() / "absent", clock.fn());
    EXPECT_FALSE(book.has_pending());
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "absent"));
}

}  // namespace

namespace {

TEST_F(InvitationBookTest, pendingListsNameRoleAndExpiryOfLiveInvitations) {
    InvitationBook book(file(), clock.fn());
    book.invite("mgt3", proto::Role::NonVoter, 60s);
    book.invite("mgt2", proto::Role::Voter, 120s);
    auto p = book.pending();
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "mgt2");
    EXPECT_EQ(p[0].role, proto::Role::Voter);
    EXPECT_EQ(p[0].expires, clock.now + 120s);
    EXPECT_EQ(p[1].name, "mgt3");
    EXPECT_EQ(p[1].role, proto::Role::NonVoter);
    clock.now += 60s;
    p = book.pending();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].name, "mgt2");
}

TEST_F(InvitationBookTest, revokeDropsTheInvitationForGoodAndSaysWhenNoneIsPending) {
    InvitationBook book(file(), clock.fn());
    auto token = book.invite("mgt2", proto::Role::Voter);
    EXPECT_TRUE(book.revoke("mgt2"));
    EXPECT_FALSE(book.revoke("mgt2"));
    EXPECT_FALSE(book.revoke("mgt9"));
    EXPECT_EQ(book.redeem("mgt2", proof_for(token), kInviter, kJoiner).outcome,
              RedeemOutcome::NoInvitation);
    // Persisted: a restart does not bring it back.
    InvitationBook again(file(), clock.fn());
    EXPECT_FALSE(again.has_pending());
    // An expired one is not pending either.
    again.invite("mgt3", proto::Role::Voter, 10s);
    clock.now += 10s;
    EXPECT_FALSE(again.revoke("mgt3"));
}

TEST_F(InvitationBookTest, roomForIsBoundedButReinvitingAPendingNameIsAlwaysAllowed) {
    InvitationBook book(file(), clock.fn());
    for (size_t i = 0; i < cc::crypto::kMaxPendingInvitations; ++i) {
        auto name = "n" + std::to_string(i);
        ASSERT_TRUE(book.room_for(name)) << i;
        book.invite(name, proto::Role::Voter, 60s);
    }
    EXPECT_FALSE(book.room_for("one-more"));
    EXPECT_TRUE(book.room_for("n0"));  // replaces, does not add
    book.invite("n0", proto::Role::Voter, 120s);
    EXPECT_EQ(book.pending().size(), cc::crypto::kMaxPendingInvitations);
    // Room again once one is revoked, or once they expire.
    ASSERT_TRUE(book.revoke("n1"));
    EXPECT_TRUE(book.room_for("one-more"));
    book.invite("one-more", proto::Role::Voter, 60s);
    EXPECT_FALSE(book.room_for("two-more"));
    clock.now += 60s;
    EXPECT_TRUE(book.room_for("two-more"));
}

TEST_F(InvitationBookTest, theLongestTtlIsAWeek) {
    EXPECT_EQ(cc::crypto::kMaxInvitationTtl, std::chrono::seconds(7 * 24 * 3600));
    InvitationBook book(file(), clock.fn());
    book.invite("mgt2", proto::Role::Voter, cc::crypto::kMaxInvitationTtl);
    clock.now += cc::crypto::kMaxInvitationTtl - 1s;
    EXPECT_TRUE(book.has_pending());
}

}  // namespace
