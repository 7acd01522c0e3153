// Per-member discovery (nodediscover) on real members: each member lists
// only the devices it registered (never replicated, kept across a restart,
// nothing of it in cfg/); assign binds a device to a node through the log
// (net.hwaddr, and collective.manager when the node has no manager, seen on
// every member), does not claim a node another member manages, and bad
// input changes nothing. Plus the store itself (MAC rules, a corrupt file).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/discovery/device_store.hpp"
#include "daemon/storage/storage_error.hpp"
#include "tests/collective/cluster.hpp"
#include "tests/support/read_file.hpp"

namespace {

using cc::test::read_file;

using cc::ct::Cluster;
using cc::it::CmdResult;
using namespace std::chrono_literals;

const std::string kHeader =
    " Node| Model| Serial| UUID| Mac Address| Type| Current IP Addresses\n"
    "-----|------|-------|-----|------------|-----|---------------------\n";

TEST(Discovery, perMemberDataAndAssignThroughTheCollective) {
    Cluster c(3);
    c.start_all();
    for (size_t i = 1; i < 3; ++i) c.invite_and_join(0, i);
    c.ok(0, "nodedefine", {"n[1-3]"});

    // Two devices on mgt1 (any case, ':' or '-'), one on mgt2.
    EXPECT_EQ(c.ok(0, "nodediscover",
                   {"register", "--mac", "AA:BB:CC:DD:EE:01", "--serial", "SER-ONE", "--model",
                    "7X21", "--type", "pxe-client", "--ip", "10.9.0.1"}),
              "");
    EXPECT_EQ(c.ok(0, "nodediscover", {"register", "--mac", "aa-bb-cc-dd-ee-02", "--uuid", "u-2"}),
              "");
    EXPECT_EQ(c.ok(1, "nodediscover",
                   {"register", "--mac", "aa:bb:cc:dd:ee:03", "--serial", "SER-THREE", "--ip",
                    "10.9.0.3", "fe80::3"}),
              "");
    // Registering again updates: the fields given replace the stored ones.
    EXPECT_EQ(c.ok(0, "nodediscover",
                   {"register", "--mac", "aa:bb:cc:dd:ee:01", "--ip", "10.9.0.11,10.9.0.12"}),
              "");

    const std::string mgt1_list =
        " Node| Model|  Serial| UUID|       Mac Address|       Type| Current IP Addresses\n"
        "-----|------|--------|-----|------------------|-----------|---------------------\n"
        "     |  7X21| SER-ONE|     | aa:bb:cc:dd:ee:01| pxe-client|  10.9.0.11,10.9.0.12\n"
        "     |      |        |  u-2| aa:bb:cc:dd:ee:02|           |                     \n";
    EXPECT_EQ(c.ok(0, "nodediscover", {"list"}), mgt1_list);
    const std::string mgt2_list =
        " Node| Model|    Serial| UUID|       Mac Address| Type| Current IP Addresses\n"
        "-----|------|----------|-----|------------------|-----|---------------------\n"
        "     |      | SER-THREE|     | aa:bb:cc:dd:ee:03|     |     10.9.0.3,fe80::3\n";
    EXPECT_EQ(c.ok(1, "nodediscover", {"list"}), mgt2_list);
    EXPECT_EQ(c.ok(2, "nodediscover", {"list"}), kHeader);  // mgt3 saw nothing
    EXPECT_EQ(c.ok(2, "nodediscover", {"list", "--json"}), "[]\n");

    // Bad input: exit 1, one line, nothing changed.
    EXPECT_EQ(c.fails(0, "nodediscover", {"register", "--mac", "aa:bb:cc:dd:ee"}),
              "Error: Bad Request - invalid MAC address \"aa:bb:cc:dd:ee\": expected six pairs "
              "of hex digits, e.g. aa:bb:cc:dd:ee:ff");
    EXPECT_EQ(c.fails(0, "nodediscover", {"register", "--mac", "aa:bb:cc:dd:ee:04", "--ip", "1.2"}),
              "Error: Bad Request - invalid IP address \"1.2\": expected IPv4 or IPv6");
    EXPECT_EQ(c.fails(0, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:0g", "-n", "n1"}),
              "Error: Bad Request - invalid MAC address \"aa:bb:cc:dd:ee:0g\": expected six "
              "pairs of hex digits, e.g. aa:bb:cc:dd:ee:ff");
    EXPECT_EQ(c.fails(0, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:01", "-n", "n9"}),
              "Error: Not Found - Unknown node n9");
    // A device mgt2 registered is not mgt1's to assign.
    EXPECT_EQ(c.fails(0, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:03", "-n", "n1"}),
              "Error: Not Found - no device with MAC address aa:bb:cc:dd:ee:03 in this "
              "member's discovery data (see nodediscover list)");
    EXPECT_EQ(c.fails(0, "nodediscover", {"list", "-f", "node,colour"}),
              "nodediscover: unknown field \"colour\" (fields: node, model, serial, uuid, mac, "
              "type, ip)");
    EXPECT_EQ(c.fails(0, "nodediscover", {"list", "--mac", "aa:bb:cc:dd:ee:01"}),
              "nodediscover list: --mac does not apply (see nodediscover --help)");
    EXPECT_EQ(c.ok(0, "nodediscover", {"list"}), mgt1_list);
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "net.hwaddr", "collective.manager"}),
              "n1: net.hwaddr: \nn1: collective.manager: \n");

    // mgt1 assigns an unmanaged node: it claims it, through the log.
    EXPECT_EQ(c.ok(0, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:01", "-n", "n1"}),
              "n1: assigned aa:bb:cc:dd:ee:01; claimed by mgt1\n");
    const std::string n1 = "n1: net.hwaddr: aa:bb:cc:dd:ee:01\nn1: collective.manager: mgt1\n";
    EXPECT_EQ(c.out_until(2, "nodeattrib", {"n1", "net.hwaddr", "collective.manager"}, n1), n1);
    EXPECT_EQ(c.out_until(1, "nodeattrib", {"n1", "net.hwaddr", "collective.manager"}, n1), n1);
    // The MAC is n1's now: not given to another node.
    EXPECT_EQ(c.fails(0, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:01", "-n", "n3"}),
              "Error: Bad Request - aa:bb:cc:dd:ee:01 is already the net.hwaddr of n1; clear it "
              "there first (nodeattrib n1 -c net.hwaddr)");

    // mgt2 assigns a node mgt1 manages: the MAC is recorded, the node not claimed.
    c.ok(0, "nodeattrib", {"n2", "collective.manager=mgt1"});
    c.out_until(1, "nodeattrib", {"n2", "collective.manager"}, "n2: collective.manager: mgt1\n");
    EXPECT_EQ(c.ok(1, "nodediscover", {"assign", "-e", "AA:BB:CC:DD:EE:03", "-n", "n2"}),
              "n2: assigned aa:bb:cc:dd:ee:03; managed by mgt1, not claimed\n");
    const std::string n2 = "n2: net.hwaddr: aa:bb:cc:dd:ee:03\nn2: collective.manager: mgt1\n";
    EXPECT_EQ(c.out_until(2, "nodeattrib", {"n2", "net.hwaddr", "collective.manager"}, n2), n2);

    // The Node column: the node each device became.
    EXPECT_EQ(c.ok(0, "nodediscover", {"list", "-f", "node,mac"}),
              " Node|               Mac\n"
              "-----|------------------\n"
              "   n1| aa:bb:cc:dd:ee:01\n"
              "     | aa:bb:cc:dd:ee:02\n");
    EXPECT_EQ(c.ok(1, "nodediscover", {"list", "-f", "Node,Mac Address,IP"}),
              " Node|       Mac Address|               IP\n"
              "-----|------------------|-----------------\n"
              "   n2| aa:bb:cc:dd:ee:03| 10.9.0.3,fe80::3\n");
    EXPECT_EQ(c.ok(0, "nodediscover", {"list", "--json"}),
              "[\n"
              "  {\"node\": \"n1\", \"model\": \"7X21\", \"serial\": \"SER-ONE\", \"uuid\": \"\", "
              "\"mac\": \"aa:bb:cc:dd:ee:01\", \"type\": \"pxe-client\", \"ip\": [\"10.9.0.11\", "
              "\"10.9.0.12\"]},\n"
              "  {\"node\": \"\", \"model\": \"\", \"serial\": \"\", \"uuid\": \"u-2\", "
              "\"mac\": \"aa:bb:cc:dd:ee:02\", \"type\": \"\", \"ip\": []}\n"
              "]\n");
    EXPECT_EQ(c.ok(1, "nodediscover", {"list", "--json", "-f", "mac,ip"}),
              "[\n  {\"mac\": \"aa:bb:cc:dd:ee:03\", \"ip\": [\"10.9.0.3\", \"fe80::3\"]}\n]\n");

    // mgt2's data survives its restart, in STATE/discovery (0600), not in cfg/.
    const auto devices = c[1].state / "discovery" / "devices";
    struct stat st {};
    ASSERT_EQ(::stat(devices.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(c[1].stop(), 0);
    c.start(1);
    EXPECT_EQ(c.out_until(1, "nodediscover", {"list", "-f", "node,serial,mac"},
                          " Node|    Serial|               Mac\n"
                          "-----|----------|------------------\n"
                          "   n2| SER-THREE| aa:bb:cc:dd:ee:03\n"),
              " Node|    Serial|               Mac\n"
              "-----|----------|------------------\n"
              "   n2| SER-THREE| aa:bb:cc:dd:ee:03\n");
    for (size_t i = 0; i < 3; ++i)
        for (const auto& f : std::filesystem::directory_iterator(c[i].cfg())) {
            auto text = read_file(f.path());
            for (const char* secret : {"SER-ONE", "SER-THREE", "10.9.0.", "7X21", "u-2"})
                EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << f.path();
        }

    // clear: one device, then all; an unknown one is bad input.
    EXPECT_EQ(c.ok(0, "nodediscover", {"clear", "-e", "aa:bb:cc:dd:ee:02"}), "");
    EXPECT_EQ(c.fails(0, "nodediscover", {"clear", "-e", "aa:bb:cc:dd:ee:02"}),
              "Error: Not Found - no device with MAC address aa:bb:cc:dd:ee:02 in this member's "
              "discovery data (see nodediscover list)");
    EXPECT_EQ(c.ok(0, "nodediscover", {"list", "-f", "mac"}),
              "               Mac\n------------------\n aa:bb:cc:dd:ee:01\n");
    EXPECT_EQ(c.ok(0, "nodediscover", {"clear"}), "");
    EXPECT_EQ(c.ok(0, "nodediscover", {"list"}), kHeader);
    EXPECT_EQ(
        c.ok(1, "nodediscover", {"list", "-f", "mac"}),
        "               Mac\n------------------\n aa:bb:cc:dd:ee:03\n");  // mgt2 keeps its own
    // Clearing discovery data leaves the nodes as assigned.
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "net.hwaddr"}), "n1: net.hwaddr: aa:bb:cc:dd:ee:01\n");

    // mgt2 and mgt3 assign one unmanaged node at the same moment. The claim
    // is decided when applied (proto::ClaimNode), so exactly one claims it,
    // the other reads as if it came second (its MAC, the first one's
    // manager), and every member agrees.
    c.ok(0, "nodedefine", {"n4"});
    c.ok(1, "nodediscover", {"register", "--mac", "aa:bb:cc:dd:ee:06"});
    c.ok(2, "nodediscover", {"register", "--mac", "aa:bb:cc:dd:ee:07"});
    for (size_t i : {1, 2}) ASSERT_EQ(c.out_until(i, "nodelist", {"n4"}, "n4\n"), "n4\n");
    CmdResult by2;
    std::thread other([&] {
        by2 = c.run(1, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:06", "-n", "n4"});
    });
    CmdResult by3 = c.run(2, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:07", "-n", "n4"});
    other.join();
    ASSERT_EQ(by2.status, 0) << by2;
    ASSERT_EQ(by3.status, 0) << by3;
    const bool mgt2_won = by2.out.find("claimed by") != std::string::npos;
    const std::string winner = mgt2_won ? "mgt2" : "mgt3";
    const std::string lost_mac = mgt2_won ? "aa:bb:cc:dd:ee:07" : "aa:bb:cc:dd:ee:06";
    EXPECT_EQ((mgt2_won ? by2 : by3).out,
              "n4: assigned " + std::string(mgt2_won ? "aa:bb:cc:dd:ee:06" : "aa:bb:cc:dd:ee:07") +
                  "; claimed by " + winner + "\n");
    EXPECT_EQ((mgt2_won ? by3 : by2).out,
              "n4: assigned " + lost_mac + "; managed by " + winner + ", not claimed\n");
    const std::string n4 =
        "n4: net.hwaddr: " + lost_mac + "\nn4: collective.manager: " + winner + "\n";
    for (size_t i = 0; i < 3; ++i)
        EXPECT_EQ(c.out_until(i, "nodeattrib", {"n4", "net.hwaddr", "collective.manager"}, n4), n4)
            << "on mgt" << i + 1;

    // Without quorum an assign changes nothing: exit 3.
    c.ok(1, "nodediscover", {"register", "--mac", "aa:bb:cc:dd:ee:05"});
    c[0].kill9();
    c[2].kill9();
    c.out_until(
        1, "collective", {"show"},
        [](const std::string& out) { return out.rfind("Quorum: False\n", 0) == 0; }, 20s);
    EXPECT_EQ(c.fails(1, "nodediscover", {"assign", "-e", "aa:bb:cc:dd:ee:05", "-n", "n3"}, 3),
              "Error: Collective does not have quorum");
    EXPECT_EQ(c.ok(1, "nodeattrib", {"n3", "net.hwaddr", "collective.manager"}),
              "n3: net.hwaddr: \nn3: collective.manager: \n");
}

// A lone server (no collective) assigns but does not claim: confluent weighs
// collective.manager only in collective mode.
TEST(Discovery, aLoneServerAssignsWithoutClaiming) {
    cc::it::Member m("mgt1");
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1"}).status, 0);
    auto r = m.cli("nodediscover", {"register", "--mac", "02:00:00:00:00:01"});
    EXPECT_EQ(r.status, 0) << r;
    r = m.cli("nodediscover", {"assign", "-e", "02:00:00:00:00:01", "-n", "n1"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "n1: assigned 02:00:00:00:00:01\n") << r;
    r = m.cli("nodeattrib", {"n1", "net.hwaddr", "collective.manager"});
    EXPECT_EQ(r.out, "n1: net.hwaddr: 02:00:00:00:00:01\nn1: collective.manager: \n") << r;
    r = m.cli("nodediscover", {"--help"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_NE(r.out.find("Exit status (the same for every tool):"), std::string::npos) << r;
    const std::string last =
        "lost connection); read it back before retrying\n\nSee man nodediscover(1).\n";
    EXPECT_TRUE(r.out.ends_with(last)) << r;
}

TEST(DiscoveryStore, macsAreNormalizedAndMalformedOnesRefused) {
    using cc::discovery::normalize_mac;
    EXPECT_EQ(normalize_mac("AA:bb:CC:dd:EE:0f"), "aa:bb:cc:dd:ee:0f");
    EXPECT_EQ(normalize_mac("AA-BB-CC-DD-EE-0F"), "aa:bb:cc:dd:ee:0f");
    for (const char* bad : {"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa-bb:cc:dd:ee:ff",
                            "aabbccddeeff", "aa:bb:cc:dd:ee:fg", " aa:bb:cc:dd:ee:ff"})
        EXPECT_THROW(normalize_mac(bad), cc::discovery::InvalidInput) << bad;
}

TEST(DiscoveryStore, savesLoadsAndRefusesACorruptFile) {
    auto dir =
        std::filesystem::temp_directory_path() / ("cc-discovery-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    {
        cc::discovery::DeviceStore s(dir);
        EXPECT_TRUE(s.devices().empty());
        s.add({"AA:BB:CC:DD:EE:01", "m", "s", "u", "t", {"10.0.0.1"}});
        s.add({"aa:bb:cc:dd:ee:01", "", "s2", "", "", {}});
        EXPECT_THROW(s.add({"aa:bb:cc:dd:ee:02", "", "", "", "", {"not-an-ip"}}),
                     cc::discovery::InvalidInput);
        EXPECT_THROW(s.add({"aa:bb:cc:dd:ee:02", "line\nbreak", "", "", "", {}}),
                     cc::discovery::InvalidInput);
    }
    cc::discovery::DeviceStore s(dir);
    ASSERT_EQ(s.devices().size(), 1u);
    EXPECT_EQ(s.devices().begin()->second,
              (cc::discovery::Device{"aa:bb:cc:dd:ee:01", "m", "s2", "u", "t", {"10.0.0.1"}}));
    std::ofstream(dir / "discovery" / "devices") << "format = 1\n[[device]]\nmac = \"zz\"\n";
    EXPECT_THROW(cc::discovery::DeviceStore{dir}, cc::storage::StorageError);
    std::filesystem::remove_all(dir);
}

}  // namespace
