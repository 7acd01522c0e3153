#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "daemon/state/config_error.hpp"
#include "daemon/state/database.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/util/fs.hpp"

namespace {

namespace fs = std::filesystem;
using cc::state::ConfigFileError;
using cc::state::Database;
using proto::Domain;

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("cc_state_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

// A log touching both domains, with names and values that need TOML quoting.
std::vector<proto::Command> sample_log() {
    return {
        proto::DefineGroup{"rack1", {{"collective.manager", "mgt1"}}},
        proto::DefineNodes{"n[1-3]", {{"groups", "rack1"}}},
        proto::DefineNodes{"web.example", {{"note", "say \"hi\"\\ \t\xc3\xa9"}}},
        proto::SetNodeAttributes{"n2", {{"collective.manager", ""}}, {}},
        proto::DefineGroup{"rack2", {}},
        proto::SetNodeAttributes{"n3", {{"groups", "rack2,rack1"}}, {}},
        proto::SetGroupAttributes{"rack2", {{"location.room", "b"}}, false},
        proto::RemoveNodes{"n1", {}},
        proto::SetGroupAttributes{"everything", {{"console.method", "ipmi"}}, false},
        proto::ClearGroupAttributes{"rack1", {"collective.manager"}},
        proto::DefineNodes{"n10", {}},
    };
}

Database replay(Database db, const std::vector<proto::Command>& log, uint64_t from = 1) {
    for (uint64_t i = from; i <= log.size(); ++i) db.apply(log[i - 1], i);
    return db;
}

void expect_same_state(const Database& a, const Database& b) {
    EXPECT_EQ(a.render(Domain::Nodes), b.render(Domain::Nodes));
    EXPECT_EQ(a.render(Domain::NodeGroups), b.render(Domain::NodeGroups));
}

TEST(DomainFiles, renderIsReadableTomlAndLoadsBack) {
    TempDir dir;
    Database db = replay(Database{}, sample_log());
    db.save(dir.path);
    EXPECT_FALSE(db.dirty(Domain::Nodes));
    EXPECT_EQ(db.saved_index(Domain::Nodes), 11u);
    std::string nodes = cc::fs::read_file(dir.path / "nodes");
    EXPECT_NE(nodes.find("applied_index = 11\n"), std::string::npos);
    EXPECT_NE(nodes.find("\n[n2]\n\"collective.manager\" = \"\"\ngroups = \"rack1\"\n"),
              std::string::npos);
    EXPECT_NE(nodes.find("[\"web.example\"]\nnote = \"say \\\"hi\\\"\\\\ \\t\xc3\xa9\"\n"),
              std::string::npos);
    EXPECT_LT(nodes.find("[n3]"), nodes.find("[n10]"));  // natural order
    std::string groups = cc::fs::read_file(dir.path / "nodegroups");
    EXPECT_NE(groups.find("[everything]\n\"console.method\" = \"ipmi\"\n"), std::string::npos);

    Database back = Database::load(dir.path);
    expect_same_state(db, back);
    EXPECT_EQ(back.applied_index(Domain::NodeGroups), 11u);
    EXPECT_EQ(back.node_attributes("web.example", {"note"})[0].value, "say \"hi\"\\ \t\xc3\xa9");
    EXPECT_EQ(back.group_members("rack1"), (std::vector<std::string>{"n2", "n3"}));
    EXPECT_EQ(back.expand("rack2"), (std::vector<std::string>{"n3"}));
}

TEST(DomainFiles, handEditedTomlLoadsThroughTheFullParser) {
    TempDir dir;
    cc::fs::write_atomic(dir.path / "nodes",
                         "applied_index = 4  # edited\n"
                         "[ n1 ]\n"
                         "groups='rack1'\n"
                         "\"collective.manager\" = \"\"\"mgt1\"\"\"\n"
                         "[n2]\n"
                         "note = \"\\u00e9\\U0001F600\"\n");
    Database db = Database::load(dir.path);
    EXPECT_EQ(db.applied_index(Domain::Nodes), 4u);
    EXPECT_EQ(db.node_attributes("n1", {"groups", "collective.manager"}),
              (std::vector<cc::state::ShownAttribute>{{"groups", "rack1,everything", ""},
                                                      {"collective.manager", "mgt1", ""}}));
    EXPECT_EQ(db.node_attributes("n2", {"note"})[0].value, "\xc3\xa9\xf0\x9f\x98\x80");
    EXPECT_EQ(db.group_members("rack1"), (std::vector<std::string>{"n1"}));
}

TEST(DomainFiles, duplicatesAreErrorsNotSilentlyMerged) {
    TempDir dir;
    for (const char* text :
         {"applied_index = 1\n[n1]\n[n1]\n", "applied_index = 1\n[n1]\na = \"x\"\na = \"y\"\n",
          "applied_index = 1\n[applied_index]\n"}) {
        cc::fs::write_atomic(dir.path / "nodes", text);
        EXPECT_THROW(Database::load(dir.path), ConfigFileError) << text;
    }
}

TEST(DomainFiles, missingFilesAreAnEmptyDatabase) {
    TempDir dir;
    Database db = Database::load(dir.path);
    EXPECT_EQ(db.node_count(), 0u);
    EXPECT_EQ(db.applied_index(Domain::Nodes), 0u);
}

TEST(DomainFiles, saveWritesOnlyDirtyFiles) {
    TempDir dir;
    Database db;
    db.apply(proto::DefineNodes{"n1", {}}, 1);
    db.save(dir.path);
    EXPECT_TRUE(fs::exists(dir.path / "nodes"));
    EXPECT_FALSE(fs::exists(dir.path / "nodegroups"));
    db.save(dir.path, true);
    EXPECT_TRUE(fs::exists(dir.path / "nodegroups"));
}

std::string load_error(const fs::path& dir, const std::string& nodes_text) {
    cc::fs::write_atomic(dir / "nodes", nodes_text);
    try {
        Database::load(dir);
    } catch (const ConfigFileError& e) {
        return e.what();
    }
    return "no error";
}

TEST(DomainFiles, corruptFileNamesPathLineAndReason) {
    TempDir dir;
    std::string p = (dir.path / "nodes").string();
    std::string err = load_error(dir.path, "applied_index = 3\n\n[n1]\ngroups = \"rack1\n");
    EXPECT_EQ(err.rfind(p + " line 4: ", 0), 0u) << err;
    EXPECT_NE(err.find("(fix or restore the file)"), std::string::npos);
    EXPECT_EQ(load_error(dir.path, "applied_index = 3\n[n1]\nx = 5\n"),
              p + " line 3: attribute 'x' of n1 must be a string (fix or restore the file)");
    EXPECT_EQ(
        load_error(dir.path, "applied_index = -1\n"),
        p + " line 1: applied_index must be a non-negative integer (fix or restore the file)");
    EXPECT_EQ(load_error(dir.path, "[n1]\n"),
              p + " line 1: applied_index is missing (fix or restore the file)");
    EXPECT_EQ(load_error(dir.path, "applied_index = 1\nn1 = \"x\"\n"),
              p + " line 2: 'n1' must be a table of attributes (fix or restore the file)");
    EXPECT_EQ(load_error(dir.path, "applied_index = 1\n[\"bad name\"]\n"),
              p + " line 2: node name 'bad name' may only use letters, digits, '-', '_' and '.', "
                  "and not start with '-' (fix or restore the file)");
}

TEST(Replay, filesAtDifferentIndexesReplayToTheSameState) {
    const auto log = sample_log();
    Database reference = replay(Database{}, log);
    // Crash points: after each entry k, only the nodes file (or only the
    // nodegroups file) of a later save made it to disk.
    for (uint64_t k = 1; k <= log.size(); ++k) {
        for (Domain written : {Domain::Nodes, Domain::NodeGroups}) {
            TempDir dir;
            Database live;
            for (uint64_t i = 1; i <= log.size(); ++i) {
                live.apply(log[i - 1], i);
                if (i == k / 2) live.save(dir.path, true);  // an older full save
                if (i == k) {
                    cc::fs::write_atomic(
                        dir.path / (written == Domain::Nodes ? "nodes" : "nodegroups"),
                        live.render(written));
                    break;
                }
            }
            Database restarted = Database::load(dir.path);
            uint64_t from = std::min(restarted.applied_index(Domain::Nodes),
                                     restarted.applied_index(Domain::NodeGroups)) +
                            1;
            expect_same_state(replay(std::move(restarted), log, from), reference);
        }
    }
}

TEST(Snapshot, roundTripsAndRejectsGarbage) {
    Database db = replay(Database{}, sample_log());
    std::string bytes = db.snapshot_bytes();
    Database other;
    other.apply(proto::DefineNodes{"stale", {}}, 1);
    other.install_snapshot(bytes, 11);
    EXPECT_FALSE(other.node_exists("stale"));
    expect_same_state(db, other);
    EXPECT_TRUE(other.dirty(Domain::Nodes));
    EXPECT_TRUE(other.dirty(Domain::NodeGroups));
    EXPECT_EQ(other.group_members("rack1"), db.group_members("rack1"));
    EXPECT_EQ(other.snapshot_bytes(), bytes);  // deterministic
    // Entries up to the snapshot index are already in it.
    EXPECT_TRUE(other.apply(proto::DefineNodes{"n10", {}}, 11).lines.empty());

    EXPECT_THROW(other.install_snapshot(bytes.substr(0, bytes.size() / 2), 12), proto::DecodeError);
    EXPECT_THROW(other.install_snapshot("\x01\x02garbage", 12), proto::DecodeError);
    expect_same_state(db, other);  // unchanged by the failed installs
}

TEST(CollectiveFile, roundTripsAndReportsLine) {
    TempDir dir;
    cc::state::CollectiveFile f;
    f.applied_index = 7;
    f.membership.members = {{"mgt1", "127.0.0.1:13001", "SHA256:abc", proto::Role::Voter},
                            {"mgt2", "[::1]:13002", "SHA256:d\"ef", proto::Role::NonVoter},
                            // A joining voter the leader has yet to promote.
                            {"mgt3", "127.0.0.3:13001", "SHA256:ghi", proto::Role::NonVoter, true}};
    auto path = dir.path / "collective";
    cc::state::save_collective(path, f);
    EXPECT_EQ(cc::state::load_collective(path), f);
    std::string text = cc::fs::read_file(path);
    EXPECT_NE(text.find("[[member]]\nname = \"mgt2\"\naddress = \"[::1]:13002\""),
              std::string::npos);

    EXPECT_NE(text.find("name = \"mgt3\"\naddress = \"127.0.0.3:13001\"\nfingerprint = "
                        "\"SHA256:ghi\"\nrole = \"nonvoter\"\npromote = true\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("promote"), text.rfind("promote")) << "written only when set";

    auto error_of = [&](const std::string& t) {
        try {
            cc::state::parse_collective(t, path);
        } catch (const ConfigFileError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    std::string p = path.string();
    EXPECT_EQ(error_of("applied_index = 1\n[[member]]\nname = \"m\"\naddress = \"a\"\n"
                       "fingerprint = \"f\"\nrole = \"boss\"\n"),
              p + " line 6: role must be \"voter\" or \"nonvoter\", not \"boss\" (fix or restore "
                  "the file)");
    EXPECT_EQ(error_of("applied_index = 1\n[[member]]\nname = \"m\"\n"),
              p + " line 2: [[member]] has no address (fix or restore the file)");
    EXPECT_EQ(error_of("applied_index = 1\n[[member]]\nname = \"m\"\naddress = \"a\"\n"
                       "fingerprint = \"f\"\nrole = \"voter\"\nport = 1\n"),
              p + " line 7: unknown key 'port' in [[member]] (fix or restore the file)");
    EXPECT_EQ(error_of("applied_index = 1\n[[member]]\nname = \"m\"\naddress = \"a\"\n"
                       "fingerprint = \"f\"\nrole = \"nonvoter\"\npromote = \"yes\"\n"),
              p + " line 7: promote must be true or false (fix or restore the file)");
    EXPECT_EQ(error_of("applied_index = 1\nmember = 3\n"),
              p + " line 2: member must be [[member]] tables (fix or restore the file)");
    std::string syntax = error_of("applied_index = 1\n\n[[member]\n");
    EXPECT_EQ(syntax.rfind(p + " line 3: ", 0), 0u) << syntax;
}

TEST(MyName, writtenWithoutNewlineReadTrimmed) {
    TempDir dir;
    auto path = dir.path / "myname";
    cc::state::save_myname(path, "mgt2");
    EXPECT_EQ(cc::fs::read_file(path), "mgt2");
    cc::fs::write_atomic(path, "  mgt3\n");
    EXPECT_EQ(cc::state::load_myname(path), "mgt3");
    cc::fs::write_atomic(path, "\n");
    EXPECT_THROW(cc::state::load_myname(path), ConfigFileError);
    cc::fs::write_atomic(path, "mgt1\nmgt2\n");
    EXPECT_THROW(cc::state::load_myname(path), ConfigFileError);
}

}  // namespace
