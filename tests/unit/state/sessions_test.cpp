// Exactly-once writes in the state machine: cc::state::SessionTable on its
// own, then through the node database (Database::apply of a
// proto::SessionCommand): a copy is dropped, a failed first application is
// recorded too, the tables survive the cfg/ files (fast reader and toml++),
// the replay rule and snapshots, and a corrupt "#sessions" value is a
// ConfigFileError that names the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include "daemon/state/config_error.hpp"
#include "daemon/state/database.hpp"
#include "daemon/state/session_table.hpp"
#include "daemon/util/fs.hpp"

namespace {

namespace fs = std::filesystem;
using cc::state::ConfigFileError;
using cc::state::Database;
using cc::state::SessionTable;
using proto::Domain;
using proto::SessionCommand;
using Record = SessionTable::Record;
using Lines = std::vector<proto::ResultLine>;

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("cc_sessions_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string two_digits(int i) {
    return (i < 10 ? "s0" : "s") + std::to_string(i);
}

// ---- SessionTable ----

TEST(SessionTable, firstCopyAppliesLaterCopiesDoNot) {
    SessionTable t;
    EXPECT_TRUE(t.first_time("m1/a", 1, 1, 10));
    EXPECT_FALSE(t.first_time("m1/a", 1, 1, 11)) << "a copy";
    EXPECT_FALSE(t.first_time("m1/a", 1, 1, 12)) << "a third copy";
    EXPECT_TRUE(t.first_time("m1/a", 2, 1, 13));
    EXPECT_TRUE(t.first_time("m2/b", 1, 1, 14)) << "another session's seq 1";
    EXPECT_TRUE(t.seen("m1/a", 1));
    EXPECT_TRUE(t.seen("m1/a", 2));
    EXPECT_FALSE(t.seen("m1/a", 3));
    EXPECT_FALSE(t.seen("m3/c", 1));
    EXPECT_EQ(t.size(), 2u);
    // A copy changes nothing, not even the session's last index.
    EXPECT_EQ(t.records()[0], (Record{"m1/a", 1, 13, {1, 2}}));
}

TEST(SessionTable, writeWithoutSessionAlwaysAppliesAndIsNotRecorded) {
    SessionTable t;
    EXPECT_TRUE(t.first_time("", 1, 0, 1));
    EXPECT_TRUE(t.first_time("", 1, 0, 2));
    EXPECT_TRUE(t.empty());
}

TEST(SessionTable, seqBelowAckedBelowIsACopy) {
    SessionTable t;
    EXPECT_TRUE(t.first_time("m1/a", 5, 3, 1));
    // Seqs 1 and 2 were answered at the proposer (acked_below 3): a copy of
    // them that commits now is not applied, although it was never recorded.
    EXPECT_FALSE(t.first_time("m1/a", 2, 3, 2));
    EXPECT_FALSE(t.first_time("m1/a", 1, 5, 3));
    EXPECT_TRUE(t.seen("m1/a", 2));
    EXPECT_TRUE(t.first_time("m1/a", 3, 3, 4));
}

TEST(SessionTable, ackedBelowPrunesRecordedSeqsAndNeverGoesBack) {
    SessionTable t;
    for (uint64_t q = 1; q <= 3; ++q) EXPECT_TRUE(t.first_time("m1/a", q, 1, q));
    EXPECT_EQ(t.records()[0], (Record{"m1/a", 1, 3, {1, 2, 3}}));
    EXPECT_TRUE(t.first_time("m1/a", 4, 3, 4));
    EXPECT_EQ(t.records()[0], (Record{"m1/a", 3, 4, {3, 4}}));
    // A write sent before the others were answered carries a lower acked_below.
    EXPECT_TRUE(t.first_time("m1/a", 6, 2, 5));
    EXPECT_EQ(t.records()[0], (Record{"m1/a", 3, 5, {3, 4, 6}}));
    EXPECT_FALSE(t.first_time("m1/a", 1, 1, 6)) << "pruned, still known as applied";
    EXPECT_FALSE(t.first_time("m1/a", 4, 1, 7));
    // A write whose own seq is below the acked_below it carries.
    EXPECT_TRUE(t.first_time("m1/a", 7, 9, 8));
    EXPECT_EQ(t.records()[0], (Record{"m1/a", 9, 8, {}}));
    EXPECT_TRUE(t.seen("m1/a", 7));
    EXPECT_TRUE(t.seen("m1/a", 8)) << "below acked_below";
    EXPECT_FALSE(t.seen("m1/a", 9));
}

TEST(SessionTable, evictsTheSessionWithTheOldestWriteAt65Sessions) {
    SessionTable t;
    for (int i = 0; i < 64; ++i) ASSERT_TRUE(t.first_time(two_digits(i), 1, 1, uint64_t(i) + 1));
    EXPECT_EQ(t.size(), SessionTable::kMaxSessions);
    ASSERT_TRUE(t.first_time("s00", 2, 1, 65));  // s00 writes again: s01 is now the oldest
    SessionTable copy = t;
    ASSERT_TRUE(t.first_time("s64", 1, 1, 66));
    EXPECT_EQ(t.size(), SessionTable::kMaxSessions);
    EXPECT_TRUE(t.seen("s00", 1));
    EXPECT_FALSE(t.seen("s01", 1)) << "the session with the oldest last write is forgotten";
    EXPECT_TRUE(t.seen("s02", 1));
    EXPECT_TRUE(t.seen("s64", 1));
    // The same log gives the same table (every member evicts alike).
    ASSERT_TRUE(copy.first_time("s64", 1, 1, 66));
    EXPECT_EQ(copy, t);
    // A copy of a write of a session that is in the table evicts nobody.
    EXPECT_FALSE(t.first_time("s02", 1, 1, 67));
    EXPECT_TRUE(t.seen("s03", 1));
}

TEST(SessionTable, evictionTiesGoByNameWhateverTheOrderOfArrival) {
    // Equal last indexes cannot come from one log, but a table read back
    // from records must still evict deterministically.
    std::vector<Record> recs;
    for (int i = 63; i >= 0; --i) recs.push_back({two_digits(i), 0, 7, {}});
    SessionTable a = SessionTable::from_records(recs);
    std::reverse(recs.begin(), recs.end());
    SessionTable b = SessionTable::from_records(recs);
    ASSERT_TRUE(a.first_time("t", 1, 1, 8));
    ASSERT_TRUE(b.first_time("t", 1, 1, 8));
    EXPECT_EQ(a, b);
    EXPECT_FALSE(a.seen("s00", 0));
    EXPECT_EQ(a.records().front().session, "s01");
}

TEST(SessionTable, recordsRoundTripSortedByName) {
    SessionTable t;
    t.first_time("m2/b", 4, 4, 1);
    t.first_time("m1/a", 1, 1, 2);
    t.first_time("m1/a", 3, 1, 3);
    t.first_time("m2/b", 9, 4, 4);
    auto recs = t.records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0], (Record{"m1/a", 1, 3, {1, 3}}));
    EXPECT_EQ(recs[1], (Record{"m2/b", 4, 4, {4, 9}}));
    SessionTable back = SessionTable::from_records(recs);
    EXPECT_EQ(back, t);
    EXPECT_EQ(back.records(), recs);
    EXPECT_FALSE(back.first_time("m1/a", 3, 1, 5));
    EXPECT_TRUE(SessionTable::from_records({}).empty());
}

TEST(SessionTable, fromRecordsRejectsWhatNoTableHolds) {
    auto rejects = [](std::vector<Record> recs) {
        try {
            SessionTable::from_records(std::move(recs));
        } catch (const std::invalid_argument& e) {
            std::string what = e.what();
            return !what.empty() && what.find('\n') == std::string::npos;
        }
        return false;
    };
    EXPECT_TRUE(rejects({{"", 0, 1, {}}}));
    EXPECT_TRUE(rejects({{"a b", 0, 1, {}}}));
    EXPECT_TRUE(rejects({{"a\"b", 0, 1, {}}}));
    EXPECT_TRUE(rejects({{"a\\b", 0, 1, {}}}));
    EXPECT_TRUE(rejects({{std::string(301, 'x'), 0, 1, {}}}));
    EXPECT_TRUE(rejects({{"a", 5, 1, {3}}})) << "seq below acked_below";
    EXPECT_TRUE(rejects({{"a", 0, 1, {3, 3}}})) << "seq twice";
    EXPECT_TRUE(rejects({{"a", 0, 1, {}}, {"a", 0, 2, {}}})) << "session twice";
    std::vector<Record> many;
    for (int i = 0; i < 65; ++i) many.push_back({"s" + std::to_string(i), 0, 1, {}});
    EXPECT_TRUE(rejects(many));
    many.pop_back();
    EXPECT_FALSE(rejects(many));
}

TEST(SessionTable, lineOfAndParseLineRoundTrip) {
    const uint64_t big = std::numeric_limits<uint64_t>::max();
    for (const Record& r :
         {Record{"m1/00ff00ff00ff00ff", 0, 1, {}}, Record{"m1/a", 3, 17, {3, 4, 9}},
          Record{"x", big - 1, big, {big - 1, big}}, Record{"caf\xc3\xa9/1", 1, 2, {5}}}) {
        std::string line = SessionTable::line_of(r);
        EXPECT_EQ(line.find('\n'), std::string::npos);
        auto back = SessionTable::parse_line(line);
        ASSERT_TRUE(back) << line;
        EXPECT_EQ(*back, r) << line;
    }
    EXPECT_EQ(SessionTable::line_of({"m1/a", 3, 17, {3, 4, 9}}), "m1/a 3 17 3 4 9");
}

TEST(SessionTable, parseLineRejectsMalformedLines) {
    for (const char* bad : {
             "",
             "s",
             "s 1",                       // no last index
             "s x 1",                     // not a number
             "s 1 x",                     //
             "s 1 2 x",                   //
             "s 1 2 3 3",                 // seqs not strictly ascending
             "s 1 2 4 3",                 //
             "s  1 2",                    // doubled space
             " s 1 2",                    // leading space
             "s 1 2 ",                    // trailing space
             "s 1 2 -3",                  // sign
             "s 1 2 +3",                  //
             "s -1 2",                    //
             "s 0x1 2",                   // hex
             "s 1 99999999999999999999",  // overflows 64 bits
             "s\t1 2",                    // tab is no separator (and no name character)
             "s\"q 1 2",                  // quote in the name
             "s\\q 1 2",                  // backslash in the name
             "s 1 2\n",                   // newline
         })
        EXPECT_FALSE(SessionTable::parse_line(bad)) << "'" << bad << "'";
    EXPECT_TRUE(SessionTable::parse_line("s 1 2"));
    EXPECT_TRUE(SessionTable::parse_line("s 0 0"));
}

// ---- through the node database ----

SessionCommand once(const std::string& session, uint64_t seq, proto::Command c,
                    uint64_t acked_below = 1) {
    return {session, seq, acked_below, std::move(c)};
}

TEST(SessionDatabase, sameWriteAtTwoIndexesAppliesOnce) {
    Database db;
    auto w = once("m1/0001", 1, proto::DefineNodes{"n1", {{"a", "1"}}});
    auto first = db.apply(w, 1);
    EXPECT_FALSE(first.copy);
    EXPECT_TRUE(first.result.ok());
    EXPECT_EQ(first.result.lines, (Lines{{"n1", "created"}}));
    db.apply(proto::SetNodeAttributes{"n1", {{"a", "2"}}, {}}, 2);
    auto again = db.apply(w, 3);  // a copy re-sent to the next leader
    EXPECT_TRUE(again.copy);
    EXPECT_TRUE(again.result.ok()) << proto::error_line(again.result);
    EXPECT_TRUE(again.result.lines.empty());
    EXPECT_EQ(db.node_attributes("n1", {"a"})[0].value, "2") << "the copy changed nothing";
    EXPECT_EQ(db.applied_index(Domain::Nodes), 3u);
    EXPECT_TRUE(db.session_applied(Domain::Nodes, "m1/0001", 1));
    EXPECT_FALSE(db.session_applied(Domain::NodeGroups, "m1/0001", 1));
    EXPECT_FALSE(db.session_applied(Domain::Nodes, "m1/0001", 2));

    // The same command without a session is applied again (and fails).
    Database plain;
    plain.apply(proto::DefineNodes{"n1", {}}, 1);
    auto twice = plain.apply(once("", 1, proto::DefineNodes{"n1", {}}), 2);
    EXPECT_FALSE(twice.copy);
    EXPECT_FALSE(twice.result.ok());
    EXPECT_NE(twice.result.message.find("already exists"), std::string::npos)
        << twice.result.message;
}

TEST(SessionDatabase, groupWritesAreDedupedInTheGroupsTable) {
    Database db;
    auto w = once("m1/0001", 1, proto::DefineGroup{"rack1", {}});
    EXPECT_FALSE(db.apply(w, 1).copy);
    EXPECT_TRUE(db.apply(w, 2).copy);
    EXPECT_TRUE(db.session_applied(Domain::NodeGroups, "m1/0001", 1));
    EXPECT_FALSE(db.session_applied(Domain::Nodes, "m1/0001", 1));
    EXPECT_FALSE(db.dirty(Domain::Nodes)) << "a groups write does not touch cfg/nodes";
}

TEST(SessionDatabase, failedFirstApplicationIsRecordedAndItsCopyDropped) {
    TempDir dir;
    Database db;
    db.apply(proto::DefineNodes{"n0", {}}, 1);
    db.save(dir.path, true);
    ASSERT_FALSE(db.dirty(Domain::Nodes));
    auto w = once("m1/0001", 1, proto::SetNodeAttributes{"n9", {{"a", "1"}}, {}});
    auto first = db.apply(w, 2);
    EXPECT_FALSE(first.copy);
    EXPECT_FALSE(first.result.ok()) << "n9 does not exist yet";
    EXPECT_EQ(first.result.code, proto::ResultCode::NotFound);
    EXPECT_TRUE(db.dirty(Domain::Nodes)) << "the table changed: the file must be written";
    db.apply(proto::DefineNodes{"n9", {}}, 3);
    auto copy = db.apply(w, 4);
    EXPECT_TRUE(copy.copy) << "the failed write was answered already; its copy must not apply";
    EXPECT_EQ(db.node_attributes("n9", {"a"})[0].value, "");

    // The record survives a restart from the files.
    db.save(dir.path);
    Database back = Database::load(dir.path);
    EXPECT_TRUE(back.session_applied(Domain::Nodes, "m1/0001", 1));
    EXPECT_TRUE(back.apply(w, 5).copy);
}

TEST(SessionDatabase, replayedEntryAtOrBelowTheFileIndexIsNeitherAppliedNorACopy) {
    Database db;
    auto w = once("m1/0001", 1, proto::DefineNodes{"n1", {}});
    db.apply(w, 5);
    auto replayed = db.apply(w, 5);  // the same entry met again (log replay)
    EXPECT_FALSE(replayed.copy);
    EXPECT_TRUE(replayed.result.lines.empty());
    EXPECT_EQ(db.node_count(), 1u);
}

// A log of exactly-once writes from three sessions over both domains, with
// copies, a failed first application and acked_below moving on.
std::vector<SessionCommand> session_log() {
    std::vector<SessionCommand> log = {
        once("m1/aa", 1, proto::DefineGroup{"rack1", {{"x", "1"}}}),
        once("m1/aa", 2, proto::DefineNodes{"n[1-3]", {{"groups", "rack1"}}}),
        once("m2/bb", 1, proto::SetNodeAttributes{"n7", {{"a", "1"}}, {}}),     // fails
        once("m1/aa", 2, proto::DefineNodes{"n[1-3]", {{"groups", "rack1"}}}),  // copy
        once("", 0, proto::DefineNodes{"n7", {}}, 0),                           // no session
        once("m2/bb", 1, proto::SetNodeAttributes{"n7", {{"a", "1"}}, {}}),     // copy of a failure
        once("m1/aa", 3, proto::SetGroupAttributes{"rack1", {{"x", "2"}}, false}, 2),
        once("m2/bb", 2, proto::RemoveNodes{"n2", {}}, 2),
        once("m1/aa", 1, proto::DefineGroup{"rack1", {{"x", "1"}}}),  // late copy, below acked
        once("m1/aa", 4, proto::SetNodeAttributes{"n1", {{"b", "4"}}, {}}, 4),
        once("m2/bb", 2, proto::RemoveNodes{"n2", {}}, 2),                             // copy
        once("m1/aa", 3, proto::SetGroupAttributes{"rack1", {{"x", "2"}}, false}, 2),  // copy
        once("m3/cc", 1, proto::DefineNodes{"n2", {}}),
    };
    return log;
}

const std::string kNodesTable = "\"m1/aa 4 10 4\", \"m2/bb 2 8 2\", \"m3/cc 1 13 1\"";

Database replay(Database db, const std::vector<SessionCommand>& log, uint64_t from = 1) {
    for (uint64_t i = from; i <= log.size(); ++i) db.apply(log[i - 1], i);
    return db;
}

void expect_same_files(const Database& a, const Database& b) {
    EXPECT_EQ(a.render(Domain::Nodes), b.render(Domain::Nodes));
    EXPECT_EQ(a.render(Domain::NodeGroups), b.render(Domain::NodeGroups));
}

TEST(SessionDatabase, logWithCopiesAppliesEachWriteOnce) {
    Database db = replay(Database{}, session_log());
    EXPECT_EQ(db.expand("everything"), (std::vector<std::string>{"n1", "n2", "n3", "n7"}));
    EXPECT_EQ(db.node_attributes("n7", {"a"})[0].value, "") << "the failed write stays failed";
    EXPECT_EQ(db.group_attributes("rack1", {"x"})[0].value, "2");
    EXPECT_EQ(db.node_attributes("n1", {"b"})[0].value, "4");
    EXPECT_EQ(db.node_attributes("n2", {"groups"})[0].value, "everything")
        << "n2 was removed once and defined again by m3, not removed again by the copy";
    EXPECT_TRUE(db.session_applied(Domain::NodeGroups, "m1/aa", 1));
    EXPECT_TRUE(db.session_applied(Domain::Nodes, "m2/bb", 1));
}

TEST(SessionDatabase, renderHoldsTheTablesAndTheFastReaderLoadsThem) {
    TempDir dir;
    Database db = replay(Database{}, session_log());
    db.save(dir.path, true);
    std::string nodes = cc::fs::read_file(dir.path / "nodes");
    std::string groups = cc::fs::read_file(dir.path / "nodegroups");
    // nodes: m1/aa acked below 4 (seq 4 at index 10), m2/bb below 2 (seq 2
    // at 8), m3/cc seq 1 at 13; nodegroups: m1/aa below 2 (seq 3 at 7).
    EXPECT_NE(nodes.find("applied_index = 13\n\"#sessions\" = [" + kNodesTable + "]\n"),
              std::string::npos)
        << nodes;
    EXPECT_NE(groups.find("\n\"#sessions\" = [\"m1/aa 2 7 3\"]\n"), std::string::npos) << groups;

    Database back = Database::load(dir.path);
    expect_same_files(back, db);
    EXPECT_EQ(back.snapshot_bytes(), db.snapshot_bytes());
    const auto log = session_log();
    for (uint64_t i = 1; i <= log.size(); ++i) {
        const auto& w = log[i - 1];
        if (w.session.empty()) continue;
        EXPECT_EQ(back.session_applied(proto::domain_of(w.command), w.session, w.seq),
                  db.session_applied(proto::domain_of(w.command), w.session, w.seq));
        EXPECT_TRUE(back.apply(w, 13 + i).copy) << "entry " << i << " again after the restart";
    }
    // Files without sessions carry no "#sessions" key at all.
    Database plain;
    plain.apply(proto::DefineNodes{"n1", {}}, 1);
    EXPECT_EQ(plain.render(Domain::Nodes).find("#sessions"), std::string::npos);
}

// The same table through toml++: a hand edit that the fast reader does not
// take (spacing, comments) sends the file to the full parser.
TEST(SessionDatabase, handEditedFileLoadsTheTableThroughToml) {
    TempDir dir;
    Database db = replay(Database{}, session_log());
    db.save(dir.path, true);
    const std::string rendered = cc::fs::read_file(dir.path / "nodes");
    const std::string line = "\"#sessions\" = [" + kNodesTable + "]\n";
    ASSERT_NE(rendered.find(line), std::string::npos);
    auto edited = [&](const std::string& replacement) {
        std::string text = rendered;
        text.replace(text.find(line), line.size(), replacement);
        return text;
    };
    for (const std::string& text : {
             // different spacing inside the array
             edited("\"#sessions\" = [ \"m1/aa 4 10 4\",\"m2/bb 2 8 2\", \"m3/cc 1 13 1\" ]\n"),
             // a comment after the value
             edited(line.substr(0, line.size() - 1) + "  # kept by hand\n"),
             // one record per line, literal strings, a trailing comma
             edited("\"#sessions\" = [\n  'm1/aa 4 10 4',\n  'm2/bb 2 8 2',\n"
                    "  'm3/cc 1 13 1',\n]\n"),
             // the table before applied_index (toml++ is order-free)
             line + edited(""),
             // an edit elsewhere in the file (a comment after applied_index)
             [&] {
                 std::string t = rendered;
                 t.replace(t.find("applied_index = 13\n"), 19, "applied_index = 13 # edited\n");
                 return t;
             }(),
         }) {
        cc::fs::write_atomic(dir.path / "nodes", text);
        Database back = Database::load(dir.path);
        EXPECT_EQ(back.render(Domain::Nodes), db.render(Domain::Nodes)) << text;
        EXPECT_TRUE(back.session_applied(Domain::Nodes, "m1/aa", 4)) << text;
        EXPECT_TRUE(back.session_applied(Domain::Nodes, "m1/aa", 1)) << "below acked_below";
        EXPECT_TRUE(back.session_applied(Domain::Nodes, "m2/bb", 2)) << text;
        EXPECT_FALSE(back.session_applied(Domain::Nodes, "m2/bb", 3)) << text;
        EXPECT_TRUE(back.apply(session_log()[10], 14).copy) << text;
    }
    // An empty list is no table (the renderer never writes one, toml++ takes it).
    cc::fs::write_atomic(dir.path / "nodes", edited("\"#sessions\" = []\n"));
    EXPECT_FALSE(Database::load(dir.path).session_applied(Domain::Nodes, "m1/aa", 4));
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

TEST(SessionDatabase, corruptSessionsValueIsAConfigFileErrorNamingTheFile) {
    TempDir dir;
    const std::string p = (dir.path / "nodes").string();
    std::string many = "applied_index = 3\n\"#sessions\" = [";
    for (int i = 0; i < 65; ++i) many += (i ? ", \"s" : "\"s") + std::to_string(i) + " 0 1\"";
    many += "]\n";
    for (const std::string& text : {
             std::string("applied_index = 3\n\"#sessions\" = [\"m1/a x 3\"]\n"),
             std::string("applied_index = 3\n\"#sessions\" = \"m1/a 0 3\"\n"),
             std::string("applied_index = 3\n\"#sessions\" = [3]\n"),
             std::string("applied_index = 3\n\"#sessions\" = [\"m1/a 0 3 2 1\"]\n"),
             std::string("applied_index = 3\n\"#sessions\" = [\"m1/a 5 3 2\"]\n"),
             std::string("applied_index = 3\n\"#sessions\" = [\"m1/a 0 3\", \"m1/a 0 2\"]\n"),
             std::string("applied_index = 3\n\"#sessions\" = [\"m1/a 0 3\"]\n"
                         "\"#sessions\" = [\"m1/b 0 3\"]\n"),
             std::string("applied_index = 3\n\"#sessions\" = [\"\"]\n"),
             many,
         }) {
        std::string err = load_error(dir.path, text);
        EXPECT_EQ(err.rfind(p + " line ", 0), 0u) << text << "\n" << err;
        EXPECT_NE(err.find("(fix or restore the file)"), std::string::npos) << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
    EXPECT_EQ(load_error(dir.path, "applied_index = 3\n\"#sessions\" = [\"m1/a x 3\"]\n"),
              p + " line 2: \"#sessions\" must be a list of write sessions, as confluentd "
                  "writes it (fix or restore the file)");
    // The groups file too.
    fs::remove_all(dir.path);
    fs::create_directories(dir.path);
    cc::fs::write_atomic(dir.path / "nodegroups", "applied_index = 1\n\"#sessions\" = [\"a\"]\n");
    try {
        Database::load(dir.path);
        ADD_FAILURE() << "a corrupt nodegroups table loaded";
    } catch (const ConfigFileError& e) {
        EXPECT_EQ(e.path, dir.path / "nodegroups");
        EXPECT_EQ(e.line_number, 2u);
    }
}

// The replay rule with sessions: files saved at index N (each domain at its
// own), then the log after N applied again, copies included, give the same
// state and the same files as a member that applied everything once.
TEST(SessionDatabase, replayFromFilesAtAnyIndexGivesTheSameFiles) {
    const auto log = session_log();
    TempDir ref_dir;
    Database reference = replay(Database{}, log);
    reference.save(ref_dir.path, true);
    for (uint64_t k = 1; k < log.size(); ++k) {
        for (Domain written : {Domain::Nodes, Domain::NodeGroups}) {
            TempDir dir;
            Database live;
            for (uint64_t i = 1; i <= k; ++i) {
                live.apply(log[i - 1], i);
                if (i == k / 2) live.save(dir.path, true);  // an older full save
            }
            cc::fs::write_atomic(dir.path / (written == Domain::Nodes ? "nodes" : "nodegroups"),
                                 live.render(written));
            Database restarted = Database::load(dir.path);
            uint64_t from = std::min(restarted.applied_index(Domain::Nodes),
                                     restarted.applied_index(Domain::NodeGroups)) +
                            1;
            Database replayed = replay(std::move(restarted), log, from);
            SCOPED_TRACE("saved at " + std::to_string(k) + ", replayed from " +
                         std::to_string(from));
            expect_same_files(replayed, reference);
            replayed.save(dir.path, true);
            EXPECT_EQ(cc::fs::read_file(dir.path / "nodes"),
                      cc::fs::read_file(ref_dir.path / "nodes"));
            EXPECT_EQ(cc::fs::read_file(dir.path / "nodegroups"),
                      cc::fs::read_file(ref_dir.path / "nodegroups"));
        }
    }
}

TEST(SessionDatabase, snapshotCarriesTheTables) {
    const auto log = session_log();
    Database db = replay(Database{}, log);
    std::string bytes = db.snapshot_bytes();
    Database other;
    other.apply(once("m1/aa", 9, proto::DefineNodes{"stale", {}}), 1);
    other.install_snapshot(bytes, 13);
    expect_same_files(other, db);
    EXPECT_FALSE(other.session_applied(Domain::Nodes, "m1/aa", 9)) << "replaced, not merged";
    EXPECT_EQ(other.snapshot_bytes(), bytes);
    // Copies applied after the install are dropped.
    for (uint64_t i = 1; i <= log.size(); ++i) {
        if (log[i - 1].session.empty()) continue;
        auto r = other.apply(log[i - 1], 13 + i);
        EXPECT_TRUE(r.copy) << "entry " << i;
    }
    EXPECT_EQ(other.node_attributes("n7", {"a"})[0].value, "");
    EXPECT_TRUE(other.node_exists("n2"));
    // A new write of a session from the snapshot is applied.
    auto fresh = other.apply(once("m1/aa", 5, proto::DefineNodes{"n5", {}}, 4), 30);
    EXPECT_FALSE(fresh.copy);
    EXPECT_TRUE(other.node_exists("n5"));
}

// The snapshot image's layout (daemon/state/snapshot.cpp), with empty
// entity lists, to hand-craft one holding a table no member writes.
struct CraftedImage {
    uint32_t version = 1;
    std::vector<std::string> nodes;
    std::vector<std::string> groups;
    std::vector<Record> node_sessions;
    std::vector<Record> group_sessions;
    CC_PROTO_FIELDS(version, nodes, groups, node_sessions, group_sessions)
};

// An older build's snapshot has no tables: it installs with empty ones.
struct OlderImage {
    uint32_t version = 1;
    std::vector<std::string> nodes;
    std::vector<std::string> groups;
    CC_PROTO_FIELDS(version, nodes, groups)
};

TEST(SessionDatabase, snapshotOfAnOlderBuildInstallsWithEmptyTables) {
    Database db = replay(Database{}, session_log());
    db.install_snapshot(proto::to_bytes(OlderImage{}), 20);
    EXPECT_FALSE(db.session_applied(Domain::Nodes, "m1/aa", 4));
    EXPECT_EQ(db.render(Domain::Nodes).find("#sessions"), std::string::npos);
    EXPECT_FALSE(db.apply(session_log()[9], 21).copy);
}

TEST(SessionDatabase, snapshotWithAnInvalidTableIsRefusedAndChangesNothing) {
    Database db = replay(Database{}, session_log());
    const std::string before = db.render(Domain::Nodes);
    CraftedImage good{1, {}, {}, {{"m9/a", 1, 1, {1}}}, {}};
    Database empty;
    empty.install_snapshot(proto::to_bytes(good), 4);
    EXPECT_TRUE(empty.session_applied(Domain::Nodes, "m9/a", 1)) << "the crafted layout is right";
    for (CraftedImage bad : {
             CraftedImage{1, {}, {}, {{"m9/a", 5, 1, {1}}}, {}},
             CraftedImage{1, {}, {}, {}, {{"m9/a", 0, 1, {}}, {"m9/a", 0, 2, {}}}},
             CraftedImage{1, {}, {}, {{"bad name", 0, 1, {}}}, {}},
         }) {
        EXPECT_THROW(db.install_snapshot(proto::to_bytes(bad), 20), proto::DecodeError);
        EXPECT_EQ(db.render(Domain::Nodes), before);
    }
}

}  // namespace
