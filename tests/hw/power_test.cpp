// cc::hw::power against real BMCs: one ipmi_sim process per BMC on loopback,
// whose chassis power lives in a file the test reads (tests/support/ipmi_sim.hpp).
#include <freeipmi/freeipmi.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "daemon/hw/power.hpp"
#include "tests/support/ipmi_sim.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using cc::hw::BmcTarget;
using cc::hw::PowerAction;
using cc::hw::PowerResult;
using cc::test::SimBmc;
using namespace std::chrono_literals;

// Generous for a loaded CI machine; a healthy call takes milliseconds.
constexpr auto kTimeout = 5000ms;

BmcTarget target_of(const SimBmc& sim) {
    BmcTarget t;
    t.host = "127.0.0.1";
    t.port = sim.port();
    t.user = sim.user();
    t.password = sim.password();
    return t;
}

BmcTarget bmc_at(std::string host, uint16_t port) {
    BmcTarget t;
    t.host = std::move(host);
    t.port = port;
    t.user = "admin";
    t.password = "pw";
    return t;
}

std::string label(uint16_t port) {
    return "127.0.0.1:" + std::to_string(port);
}

class Power : public ::testing::Test {
  protected:
    void SetUp() override {
        if (SimBmc::program().empty())
            SKIP_OR_FAIL("ipmi_sim is not installed (scripts/install-deps.sh installs openipmi)");
    }
    SimBmc& start(bool on, bool honours_soft_shutdown = true) {
        SimBmc::Options o;
        o.power_on = on;
        o.honours_soft_shutdown = honours_soft_shutdown;
        sim_ = std::make_unique<SimBmc>(o);
        return *sim_;
    }
    std::unique_ptr<SimBmc> sim_;
};

TEST(PowerAction, wordsRoundTripAsNodepowerSpellsThem) {
    for (auto a : {PowerAction::Status, PowerAction::On, PowerAction::Off, PowerAction::Reset,
                   PowerAction::Boot, PowerAction::Shutdown, PowerAction::SoftOff})
        EXPECT_EQ(cc::hw::parse_power_action(cc::hw::to_string(a)), a);
    EXPECT_EQ(cc::hw::to_string(PowerAction::SoftOff), "softoff");
    EXPECT_FALSE(cc::hw::parse_power_action("cycle"));
}

TEST_F(Power, statusOfAnOffBmc_isOff_andChangesNothing) {
    auto& sim = start(false);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::Status, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "off");
    EXPECT_EQ(r.previous, "");
    EXPECT_TRUE(sim.actions().empty());
}

TEST_F(Power, statusFollowsTheChassis) {
    auto& sim = start(false);
    sim.set_power_state(true);
    EXPECT_EQ(cc::hw::power(target_of(sim), PowerAction::Status, kTimeout).state, "on");
}

TEST_F(Power, on_powersTheChassisOn_andReportsThePreviousState) {
    auto& sim = start(false);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::On, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "on");
    EXPECT_EQ(r.previous, "off");
    EXPECT_EQ(sim.power_state(), "on");
    EXPECT_EQ(sim.actions(), std::vector<std::string>{"power 1"});
}

TEST_F(Power, onWhenAlreadyOn_sendsNoControl) {
    auto& sim = start(true);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::On, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "on");
    EXPECT_EQ(r.previous, "on");
    EXPECT_TRUE(sim.actions().empty());
}

TEST_F(Power, off_isAHardPowerDown) {
    auto& sim = start(true);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::Off, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "off");
    EXPECT_EQ(r.previous, "on");
    EXPECT_EQ(sim.power_state(), "off");
    EXPECT_EQ(sim.actions(), std::vector<std::string>{"power 0"});
}

TEST_F(Power, reset_ofARunningNode_isAHardReset_reportedAsReset) {
    auto& sim = start(true);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::Reset, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "reset");
    EXPECT_EQ(r.previous, "on");
    EXPECT_EQ(sim.power_state(), "on");
    EXPECT_EQ(sim.actions(), std::vector<std::string>{"reset 1"});
}

TEST_F(Power, boot_whenOff_powersOn) {
    auto& sim = start(false);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::Boot, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "on");
    EXPECT_EQ(r.previous, "off");
    EXPECT_EQ(sim.actions(), std::vector<std::string>{"power 1"});
}

TEST_F(Power, boot_whenOn_resets_neverCyclesPower) {
    auto& sim = start(true);
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::Boot, kTimeout);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.state, "reset");
    EXPECT_EQ(r.previous, "on");
    EXPECT_EQ(sim.power_state(), "on");
    EXPECT_EQ(sim.actions(), std::vector<std::string>{"reset 1"});
}

TEST_F(Power, shutdownAndSoftoff_askTheOsAndWaitUntilOff) {
    for (auto action : {PowerAction::Shutdown, PowerAction::SoftOff}) {
        auto& sim = start(true);
        PowerResult r = cc::hw::power(target_of(sim), action, kTimeout);
        EXPECT_TRUE(r.ok) << cc::hw::to_string(action) << ": " << r.error;
        EXPECT_EQ(r.state, "off");
        EXPECT_EQ(r.previous, "on");
        EXPECT_EQ(sim.actions(), std::vector<std::string>{"shutdown 1"});
    }
}

TEST_F(Power, shutdownIgnoredByTheOs_failsAtTheTimeout_withTheStateStillOn) {
    auto& sim = start(true, /*honours_soft_shutdown=*/false);
    const auto t0 = std::chrono::steady_clock::now();
    PowerResult r = cc::hw::power(target_of(sim), PowerAction::Shutdown, 1000ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.state, "on");
    EXPECT_EQ(r.error, "BMC " + label(sim.port()) +
                           " accepted soft shutdown but still reports power on after 1000 ms "
                           "(the operating system did not shut down; 'off' forces it)");
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 2000ms);
    EXPECT_EQ(sim.power_state(), "on");
}

TEST_F(Power, wrongPassword_isAClearError_andTheChassisIsUntouched) {
    auto& sim = start(false);
    BmcTarget t = target_of(sim);
    t.password = "not-the-password";
    PowerResult r = cc::hw::power(t, PowerAction::On, kTimeout);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error,
              "authentication failed: wrong user or password for BMC " + label(sim.port()));
    EXPECT_EQ(r.state, "");
    EXPECT_EQ(sim.power_state(), "off");
    EXPECT_TRUE(sim.actions().empty());
}

TEST_F(Power, unknownUser_isAClearError) {
    auto& sim = start(false);
    BmcTarget t = target_of(sim);
    t.user = "nobody";
    PowerResult r = cc::hw::power(t, PowerAction::Status, kTimeout);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "authentication failed: BMC " + label(sim.port()) + " has no user 'nobody'");
}

// ipmi_sim needs FreeIPMI's "opensesspriv" workaround; with the workaround
// flags pinned to none the automatic retry is off and the quirk shows.
TEST_F(Power, pinnedWorkaroundFlags_areUsedAsGiven) {
    auto& sim = start(false);
    BmcTarget t = target_of(sim);
    t.workaround_flags = 0;
    PowerResult r = cc::hw::power(t, PowerAction::Status, kTimeout);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error,
              "BMC " + label(sim.port()) +
                  " refused the administrator privilege to user 'admin' (power control needs it)");
    t.workaround_flags = IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE;
    EXPECT_TRUE(cc::hw::power(t, PowerAction::Status, kTimeout).ok);
}

TEST(PowerNoBmc, nothingListening_failsWithinTheTimeout) {
    BmcTarget t = bmc_at("127.0.0.1", SimBmc::unused_port());
    const auto t0 = std::chrono::steady_clock::now();
    PowerResult r = cc::hw::power(t, PowerAction::On, 1000ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "BMC " + label(t.port) + " did not answer within 1000 ms");
    // FreeIPMI gives up after 70..100% of the budget (ipmi_session.cpp), never
    // later; the slack above it is for a busy machine's scheduling (this test
    // also runs under ASan on two shared CPUs), not for FreeIPMI.
    EXPECT_GE(took, 650ms);
    EXPECT_LE(took, 1300ms);
}

TEST(PowerNoBmc, badHostsAreNamed) {
    BmcTarget t = bmc_at("no-such-bmc.invalid", 623);
    EXPECT_EQ(cc::hw::power(t, PowerAction::Status, 1000ms).error,
              "cannot resolve BMC host 'no-such-bmc.invalid'");
    t.host = "";
    EXPECT_EQ(cc::hw::power(t, PowerAction::Status, 1000ms).error,
              "no BMC address (hardwaremanagement.manager is not set)");
    t.host = "fe80::1";
    EXPECT_EQ(cc::hw::power(t, PowerAction::Status, 1000ms).error,
              "BMC address 'fe80::1' is not supported: use an IPv4 address or a host name");
    t.host = "127.0.0.1";
    t.password = std::string(21, 'x');
    EXPECT_FALSE(cc::hw::power(t, PowerAction::Status, 1000ms).ok);
}

// 20 BMCs, 20 threads at once, one call each at a time: every node ends
// where its own thread sent it, and every result is right.
TEST_F(Power, twentyBmcsFromTwentyThreads_allCorrect) {
    constexpr int kBmcs = 20;
    std::vector<std::unique_ptr<SimBmc>> sims;  // started here: PDEATHSIG is per thread
    for (int i = 0; i < kBmcs; ++i) {
        SimBmc::Options o;
        o.power_on = (i % 2) == 1;
        sims.push_back(std::make_unique<SimBmc>(o));
    }
    std::vector<PowerResult> first(kBmcs), second(kBmcs), third(kBmcs);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kBmcs; ++i) {
        threads.emplace_back([&, i] {
            ready.fetch_add(1);
            while (ready.load() < kBmcs) std::this_thread::yield();  // start together
            const BmcTarget t = target_of(*sims[i]);
            const bool was_on = (i % 2) == 1;
            first[i] = cc::hw::power(t, PowerAction::Status, kTimeout);
            second[i] = cc::hw::power(t, was_on ? PowerAction::Off : PowerAction::On, kTimeout);
            third[i] = cc::hw::power(t, PowerAction::Status, kTimeout);
        });
    }
    for (auto& th : threads) th.join();
    for (int i = 0; i < kBmcs; ++i) {
        const bool was_on = (i % 2) == 1;
        SCOPED_TRACE("BMC " + std::to_string(i) + " on port " + std::to_string(sims[i]->port()));
        EXPECT_TRUE(first[i].ok) << first[i].error;
        EXPECT_EQ(first[i].state, was_on ? "on" : "off");
        EXPECT_TRUE(second[i].ok) << second[i].error;
        EXPECT_EQ(second[i].previous, was_on ? "on" : "off");
        EXPECT_EQ(second[i].state, was_on ? "off" : "on");
        EXPECT_TRUE(third[i].ok) << third[i].error;
        EXPECT_EQ(third[i].state, was_on ? "off" : "on");
        EXPECT_EQ(sims[i]->power_state(), was_on ? "off" : "on");
        EXPECT_EQ(sims[i]->actions(), std::vector<std::string>{was_on ? "power 0" : "power 1"});
    }
}

}  // namespace
