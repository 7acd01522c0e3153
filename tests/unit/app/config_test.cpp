// Settings resolution: flag > environment > confluent.toml > default, and
// one-line errors naming file and line.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "daemon/app/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using cc::app::ConfigError;
using cc::app::Overrides;

class ConfigTest : public ::testing::Test {
  protected:
    void write_toml(const std::string& text) { std::ofstream(dir / "confluent.toml") << text; }
    cc::app::Config resolve(Overrides o) {
        return cc::app::resolve_config(o,
                                       [this](const std::string& k) -> std::optional<std::string> {
                                           auto it = env.find(k);
                                           if (it == env.end()) return std::nullopt;
                                           return it->second;
                                       });
    }
    cc::test::TempDir tmp{"cc-config"};
    const fs::path dir = tmp.path();
    std::map<std::string, std::string> env;
};

TEST_F(ConfigTest, defaults_whenNothingIsSet) {
    Overrides o;
    o.etc_dir = dir;  // an etc dir without confluent.toml
    auto c = resolve(o);
    EXPECT_EQ(c.state_dir, "/var/lib/confluent");
    EXPECT_EQ(c.run_dir, "/var/run/confluent");
    EXPECT_EQ(c.api_socket(), "/var/run/confluent/api.sock");
    EXPECT_EQ(c.port, 13001);
    EXPECT_EQ(c.listen, "0.0.0.0");
    EXPECT_EQ(c.cfg_flush_interval, std::chrono::milliseconds(1000));
    EXPECT_EQ(c.log_level, cc::log::Level::Info);
    EXPECT_TRUE(c.config_file.empty());
}

TEST_F(ConfigTest, flagBeatsEnvironmentBeatsFileBeatsDefault) {
    write_toml(
        "state_dir = \"/from/file/state\"\nrun_dir = \"/from/file/run\"\n"
        "log_level = \"warn\"\n[collective]\nport = 14000\n");
    env["CONFLUENT_ETC_DIR"] = dir.string();
    env["CONFLUENT_RUN_DIR"] = "/from/env/run";
    Overrides o;
    auto c = resolve(o);
    EXPECT_EQ(c.etc_dir, dir);
    EXPECT_EQ(c.state_dir, "/from/file/state");
    EXPECT_EQ(c.run_dir, "/from/env/run");
    EXPECT_EQ(c.log_level, cc::log::Level::Warn);
    EXPECT_EQ(c.port, 14000);
    o.run_dir = "/from/flag/run";
    o.port = 15000;
    o.log_level = "debug";
    c = resolve(o);
    EXPECT_EQ(c.run_dir, "/from/flag/run");
    EXPECT_EQ(c.port, 15000);
    EXPECT_EQ(c.log_level, cc::log::Level::Debug);
}

TEST_F(ConfigTest, relativePaths_becomeAbsolute) {
    Overrides o;
    o.etc_dir = dir;
    o.state_dir = "relative/state";
    EXPECT_TRUE(resolve(o).state_dir.is_absolute());
}

TEST_F(ConfigTest, unknownKey_namesFileAndLine) {
    write_toml("log_level = \"info\"\n\nstate_dri = \"/x\"\n");
    Overrides o;
    o.etc_dir = dir;
    try {
        resolve(o);
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), (dir / "confluent.toml").string() +
                                             ":3: unknown key state_dri (see etc/confluent.toml "
                                             "for the keys)");
    }
}

TEST_F(ConfigTest, badSyntaxAndWrongTypes_areOneLineErrors) {
    Overrides o;
    o.etc_dir = dir;
    write_toml("port = [\n");
    EXPECT_THROW(resolve(o), ConfigError);
    write_toml("[collective]\nport = \"13001\"\n");
    try {
        resolve(o);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(
            std::string(e.what()).find("confluent.toml:2: collective.port must be an integer"),
            std::string::npos)
            << e.what();
    }
    write_toml("[collective]\nport = 70000\n");
    EXPECT_THROW(resolve(o), ConfigError);
    write_toml("log_level = \"loud\"\n");
    EXPECT_THROW(resolve(o), ConfigError);
    write_toml("cfg_flush_interval_ms = 0\n");
    EXPECT_THROW(resolve(o), ConfigError);
}

TEST_F(ConfigTest, explicitConfigThatDoesNotExist_isAnError) {
    Overrides o;
    o.config_file = dir / "missing.toml";
    EXPECT_THROW(resolve(o), ConfigError);
}

TEST_F(ConfigTest, shippedDefaultFile_parsesToTheDefaults) {
    Overrides o;
    o.etc_dir = dir;
    o.config_file = fs::path(CC_SOURCE_DIR) / "etc" / "confluent.toml";
    auto from_file = resolve(o);
    Overrides none;
    none.etc_dir = dir;
    auto defaults = resolve(none);
    EXPECT_EQ(from_file.state_dir, defaults.state_dir);
    EXPECT_EQ(from_file.run_dir, defaults.run_dir);
    EXPECT_EQ(from_file.port, defaults.port);
    EXPECT_EQ(from_file.listen, defaults.listen);
    EXPECT_EQ(from_file.advertise, defaults.advertise);
    EXPECT_EQ(from_file.log_level, defaults.log_level);
    EXPECT_EQ(from_file.cfg_flush_interval, defaults.cfg_flush_interval);
    EXPECT_EQ(from_file.invitation_ttl, defaults.invitation_ttl);
    EXPECT_EQ(from_file.reassign_grace, defaults.reassign_grace);
    EXPECT_EQ(from_file.login_grace_time, defaults.login_grace_time);
    EXPECT_EQ(from_file.max_startups, defaults.max_startups);
    EXPECT_EQ(from_file.max_startups_per_source, defaults.max_startups_per_source);
}

TEST_F(ConfigTest, preAuthenticationLimits_fromTheFileWithinBounds) {
    Overrides o;
    o.etc_dir = dir;
    auto d = resolve(o);
    EXPECT_EQ(d.login_grace_time, std::chrono::seconds(10));
    EXPECT_EQ(d.max_startups, 64u);
    EXPECT_EQ(d.max_startups_per_source, 8u);
    write_toml(
        "[collective]\nlogin_grace_time = 3\nmax_startups = 200\nmax_startups_per_source = 2\n");
    auto c = resolve(o);
    EXPECT_EQ(c.login_grace_time, std::chrono::seconds(3));
    EXPECT_EQ(c.max_startups, 200u);
    EXPECT_EQ(c.max_startups_per_source, 2u);
    for (const char* bad : {"login_grace_time = 0", "login_grace_time = 601", "max_startups = 0",
                            "max_startups_per_source = 10001", "max_startups = \"64\""}) {
        write_toml(std::string("[collective]\n") + bad + "\n");
        EXPECT_THROW(resolve(o), ConfigError) << bad;
    }
}

TEST_F(ConfigTest, invitationTtl_fromTheFileWithinBounds) {
    Overrides o;
    o.etc_dir = dir;
    EXPECT_EQ(resolve(o).invitation_ttl, std::chrono::seconds(3600));
    write_toml("[collective]\ninvitation_ttl = 600\n");
    EXPECT_EQ(resolve(o).invitation_ttl, std::chrono::seconds(600));
    write_toml("[collective]\ninvitation_ttl = 0\n");
    EXPECT_THROW(resolve(o), ConfigError);
}

TEST_F(ConfigTest, peerProtocolMax_withinTheVersionsThisBuildSpeaks) {
    Overrides o;
    o.etc_dir = dir;
    EXPECT_EQ(resolve(o).peer_protocol_max, proto::kPeerVersionMax);
    write_toml("[collective]\npeer_protocol_max = 1\n");
    EXPECT_EQ(resolve(o).peer_protocol_max, 1u);
    write_toml("[collective]\npeer_protocol_max = 99\n");
    try {
        resolve(o);
        ADD_FAILURE() << "a version this build does not speak was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("collective.peer_protocol_max must be 1.." +
                                             std::to_string(proto::kPeerVersionMax) +
                                             " (the peer protocol versions this build speaks)"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
