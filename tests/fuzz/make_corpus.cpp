// Writes the seed corpora of the fuzz targets: real messages and files as
// this build encodes them, so every fuzzer starts from valid input.
//   fuzz_make_corpus OUT_DIR     (scripts/fuzz.sh --seeds runs it into
//                                 tests/fuzz/corpus, which is checked in)
#include <cstdio>
#include <fstream>
#include <sstream>

#include "daemon/app/config.hpp"
#include "daemon/crypto/invitation_book.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/discovery/device_store.hpp"
#include "daemon/state/database.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/record.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"
#include "daemon/util/fs.hpp"
#include "proto/api.hpp"
#include "proto/frame.hpp"
#include "tests/support/read_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

fs::path out_dir;

void seed(const std::string& target, const std::string& name, std::string_view bytes) {
    fs::create_directories(out_dir / target);
    std::ofstream(out_dir / target / name, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

using cc::test::read_file;

proto::Membership members() {
    return {{{"mgt1", "10.0.0.1:13001", "SHA256:q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c",
              proto::Role::Voter},
             {"mgt2", "10.0.0.2:13001", "SHA256:m1n2b3v4c5x6z7l8k9j0h1g2f3d4s5a6p7o8i9u0y1t",
              proto::Role::Voter},
             {"mgt3", "[fd00::3]:13001", "SHA256:z9x8c7v6b5n4m3a2s1d0f9g8h7j6k5l4q3w2e1r0t9y",
              proto::Role::NonVoter, true}}};
}

std::vector<proto::Command> commands() {
    return {proto::DefineNodes{"n[1-4]", {{"groups", "rack1"}, {"bmc", "10.1.0.1"}}},
            proto::RemoveNodes{"n4", std::vector<std::string>{"n4"}},
            proto::SetNodeAttributes{"rack1,-n2", {{"collective.manager", "mgt1"}}, std::nullopt},
            proto::ClearNodeAttributes{"n1", {"bmc"}, std::nullopt},
            proto::DefineGroup{"rack1", {{"collective.managercandidates", "mgt[2-3]"}}},
            proto::RemoveGroup{"rack2"},
            proto::SetGroupAttributes{"rack1", {{"console.method", "ipmi"}}, true},
            proto::ClearGroupAttributes{"rack1", {"console.method"}},
            proto::ClaimNode{"n3", "aa:bb:cc:dd:ee:03", "mgt2"}};
}

std::vector<proto::Entry> entries() {
    std::vector<proto::Entry> out{{1, 1, proto::EntryKind::Noop, {}},
                                  {1, 2, proto::EntryKind::Membership, proto::to_bytes(members())}};
    uint64_t i = 3;
    for (const auto& c : commands())
        out.push_back({2, i++, proto::EntryKind::Command, proto::to_bytes(c)});
    out.push_back(
        {2, i, proto::EntryKind::SessionCommand,
         proto::to_bytes(proto::SessionCommand{"mgt1/0123456789abcdef", 5, 4, commands()[0]})});
    return out;
}

std::vector<proto::PeerMessage> peer_messages() {
    proto::SnapshotChunk chunk{4, 100, 3, members(), 0, "snapshot bytes", true, 2};
    proto::NodeReply reply{7, {{"n1", true, "on", "off"}, {"n2", false, "BMC unreachable", ""}}};
    return {proto::VoteRequest{5, 120, 4, true, false},
            proto::VoteResponse{5, true, true},
            proto::AppendRequest{5, 2, 1, entries(), 3, 17},
            proto::AppendRequest{5, 120, 4, {}, 119, 18},
            proto::AppendResponse{5, true, 120, 0, 17},
            chunk,
            proto::SnapshotAck{4, 100, 14, true},
            proto::TimeoutNow{5},
            proto::ForwardProposal{5, 991, 3, proto::EntryKind::Command,
                                   proto::to_bytes(commands()[2])},
            proto::ForwardReply{5, 991, 3, proto::ForwardStatus::Appended, 121, 5, ""},
            proto::ReadIndexRequest{5, 991, 4},
            proto::ReadIndexReply{5, 991, 4, true, 121},
            proto::LeaderView{5, {{"mgt2", 0, 40}, {"mgt3", -1, -1}}},
            proto::NodeRequest{7, "power", "status", {"n1", "n2"}, true},
            reply};
}

void peer_seeds() {
    int i = 0;
    std::string stream(1, '\x05');  // peer_stream: pieces of 6 bytes, the full frame limit
    stream += proto::encode_frame(proto::Hello{1, 4, "mgt2", ":13001"});
    for (const auto& m : peer_messages()) {
        seed("peer_message", "seed-" + std::to_string(i++), proto::to_bytes(m));
        stream += proto::encode_frame(m) + proto::frame("");
    }
    seed("peer_stream", "seed-link", stream);
    std::vector<proto::JoinMessage> join{
        proto::JoinRequest{"mgt4", std::string(32, 'p'), "10.0.0.4"},
        proto::JoinChallenge{std::string(32, 'q')}, proto::JoinConfirm{},
        proto::JoinAccept{members(), "mgt1", "10.0.0.4:13001", 130},
        proto::JoinRefused{"Invalid token", proto::Outcome::BadRequest}};
    i = 0;
    for (const auto& m : join)
        seed("join_message", "seed-" + std::to_string(i++), proto::to_bytes(m));
    seed("join_message", "seed-hello", proto::to_bytes(proto::Hello{1, 4, "mgt4", ""}));
}

void api_seeds() {
    std::vector<proto::ApiRequest> req{
        proto::ApiWrite{commands()[0]},
        proto::ApiNodeQuery{"rack1", {"bmc", "groups"}, false, true},
        proto::ApiGroupQuery{{"rack1"}, {}, false},
        proto::ApiStatusQuery{true},
        proto::ApiInvite{"mgt4", true, 600},
        proto::ApiJoin{"mgt1:13001", "bWd0NEBzZWNyZXQ="},
        proto::ApiDeleteMember{"mgt3"},
        proto::ApiDiscoveryRegister{
            "AA-BB-CC-DD-EE-01", "S1", "M1", "uuid-1", "server", {"10.0.0.9"}},
        proto::ApiDiscoveryList{},
        proto::ApiDiscoveryAssign{"aa:bb:cc:dd:ee:01", "n1"},
        proto::ApiDiscoveryClear{""},
        proto::ApiNodeOperation{"n[1-2]", "power", "on", true}};
    int i = 0;
    for (const auto& r : req)
        seed("api_request", "seed-" + std::to_string(i++), proto::to_bytes(r));
    proto::ApiStatus status;
    status.in_collective = true;
    status.quorum = true;
    status.leader = "mgt1";
    status.active = {"mgt2"};
    status.offline = {"mgt3"};
    status.members = {{"mgt1", "10.0.0.1:13001", "SHA256:x", true, true, 0, 3}};
    status.term = 5;
    status.ownership = {"mgt3 is offline and manages 3 nodes without candidates"};
    std::vector<proto::ApiResponse> resp{
        proto::ApiError{proto::Outcome::NoQuorum, "Collective does not have quorum"},
        proto::ApiWriteDone{12, {proto::ResultCode::Ok, "", {{"n1", "created"}}}},
        proto::ApiObjects{
            {{"n1", {{"groups", "rack1,everything", ""}, {"bmc", "10.1.0.1", "rack1"}}}}, true},
        status,
        proto::ApiInvitation{"bWd0NEBzZWNyZXQ=", true},
        proto::ApiJoinStarted{"mgt4", 130, 77, false, true},
        proto::ApiDone{{"n1: assigned aa:bb:cc:dd:ee:01"}},
        proto::ApiDiscoveredDevices{
            {{"n1", "M1", "S1", "u", "aa:bb:cc:dd:ee:01", "server", {"10.0.0.9"}}}},
        proto::ApiNodeResults{{{"n1", true, "on", "off"}}}};
    i = 0;
    for (const auto& r : resp)
        seed("api_response", "seed-" + std::to_string(i++), proto::to_bytes(r));
}

void command_seeds() {
    int i = 0;
    for (const auto& c : commands())
        seed("command", "seed-" + std::to_string(i++), proto::to_bytes(c));
    seed("command", "seed-session",
         proto::to_bytes(proto::SessionCommand{"mgt2/00000000000000ff", 3, 2, commands()[2]}));
    seed("command", "seed-result",
         proto::to_bytes(proto::CommandResult{proto::ResultCode::NotFound, "Unknown node n9", {}}));
    const char* ranges[] = {
        "n1,n2",      "n[1-20]",          "r[1-3]u[01-10]", "n1-n20",      "n1:n5",
        "rack1,-n3",  "rack1@gpu",        "(n1,n2)@rack1",  "ip=10.0.0.1", "groups!=rack1",
        "ip=~^10\\.", "ip!~^192",         "/n[0-9]+",       "~r2n0[12]",   "everything",
        "n[1,4,7-9]", "r2n[01-04],-r2n02"};
    i = 0;
    for (const char* r : ranges) seed("noderange", "seed-" + std::to_string(i++), r);
}

void token_seeds() {
    cc::crypto::Secret secret(64);
    for (size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<uint8_t>(i * 37 + 11);
    std::string token = cc::crypto::encode_token("mgt2", secret);
    seed("token", "seed-0", token);
    seed("token", "seed-pasted", "  " + token + "\n");
    seed("token", "seed-long-name", cc::crypto::encode_token("mgt-rack12.example_1", secret));
}

void log_seeds() {
    std::string records;
    for (const auto& e : entries()) cc::storage::append_record(records, e);
    // log_records: byte 0 even = raw records, byte 1 = first index - 1.
    seed("log_records", "seed-raw", std::string("\x00\x00", 2) + records);
    // odd = [varint length][Entry payload] pieces, written with valid CRCs.
    proto::Writer pieces;
    for (const auto& e : entries()) {
        auto p = proto::to_bytes(e);
        pieces.varint(p.size());
        pieces.raw(p);
    }
    seed("log_records", "seed-pieces", std::string("\x01\x00", 2) + pieces.data());
    // log_segments: two contiguous segments, then a torn tail.
    auto all = entries();
    std::string first(cc::storage::kSegmentMagic), second(cc::storage::kSegmentMagic);
    for (size_t i = 0; i < all.size(); ++i)
        cc::storage::append_record(i < 5 ? first : second, all[i]);
    seed("log_segments", "seed-two", first + second);
    seed("log_segments", "seed-torn", first + second.substr(0, second.size() - 7));
}

cc::state::Database database() {
    cc::state::Database db;
    uint64_t i = 1;
    for (const auto& c : commands()) (void)db.apply(c, i++);
    (void)db.apply(
        proto::SessionCommand{"mgt1/0123456789abcdef", 1, 1, proto::DefineNodes{"m[1-3]", {}}},
        i++);
    return db;
}

void state_seeds() {
    cc::test::TempDir dir("cc-fuzz-seeds");
    auto db = database();
    seed("snapshot_image", "seed-0", db.snapshot_bytes());
    seed("snapshot_image", "seed-empty", cc::state::Database().snapshot_bytes());
    seed("domain_files", "seed-0",
         db.render(proto::Domain::Nodes) + '\0' + db.render(proto::Domain::NodeGroups));
    seed("domain_files", "seed-hand-edited",
         std::string(
             "# edited\napplied_index = 3\n[n1]\ngroups = 'rack1'\nbmc = \"10.1.0.1\" # comment\n"
             "\"#sessions\" = [\"mgt1/0123456789abcdef 1 2 1\"]\n") +
             '\0' + "applied_index = 3\nrack1 = { \"console.method\" = \"ipmi\" }\n");
    cc::state::CollectiveFile cf{42, members()};
    seed("collective_file", "seed-0", cc::state::render_collective(cf) + '\0' + "mgt1\n");

    cc::storage::HardStateFile hard(dir.path() / "hardstate");
    hard.save({7, "mgt2", true});
    cc::storage::SnapshotMetaFile meta(dir.path() / "snapshot-meta");
    meta.save({52310, 6, members(), 52001});
    seed("state_files", "seed-0", read_file(hard.path()) + '\0' + read_file(meta.path()));

    auto clock = [] {
        return std::chrono::system_clock::time_point(std::chrono::seconds(1800000000 - 60));
    };
    {
        cc::crypto::InvitationBook book(dir.path() / "invitations", clock);
        book.invite("mgt4", proto::Role::Voter);
        book.invite("mgt5", proto::Role::NonVoter);
    }
    seed("invitation_book", "seed-0", read_file(dir.path() / "invitations"));

    cc::discovery::DeviceStore store(dir.path());
    store.add({"aa:bb:cc:dd:ee:01", "M1", "S1", "uuid-1", "server", {"10.0.0.9", "fd00::9"}});
    store.add({"aa:bb:cc:dd:ee:02", "", "", "", "", {}});
    seed("device_store", "seed-0", read_file(store.path()));
}

void config_seeds(const fs::path& source_dir) {
    seed("config", "seed-documented", read_file(source_dir / "etc" / "confluent.toml"));
    seed("config", "seed-small",
         "log_level = \"debug\"\n[collective]\nport = 13002\nadvertise = \"10.0.0.1:13002\"\n"
         "peer_protocol_max = 3\nreassign_grace = 60\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s OUT_DIR SOURCE_DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    peer_seeds();
    api_seeds();
    command_seeds();
    token_seeds();
    log_seeds();
    state_seeds();
    config_seeds(argv[2]);
    return 0;
}
