// Benchmark (not a test): builds 100,000 nodes x 10 attributes in 100 groups,
// then times save (render + atomic write), load, a noderange, a command on
// every node and a snapshot round trip, and prints peak RSS.
// Usage: state_bench [DIR] [NODES] [load]   (`load`: only load DIR, as a restart does)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "daemon/state/database.hpp"

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "cc_state_bench";
    int nodes = argc > 2 ? std::stoi(argv[2]) : 100000;
    fs::create_directories(dir);
    if (argc > 3 && std::string(argv[3]) == "load") {  // a restart: load only, fresh process
        auto t0 = std::chrono::steady_clock::now();
        auto db = cc::state::Database::load(dir);
        std::printf("load only: %.3f s (%zu nodes), peak RSS %ld MiB\n", since(t0), db.node_count(),
                    peak_rss_mib());
        return 0;
    }

    auto t0 = std::chrono::steady_clock::now();
    cc::state::Database db;
    uint64_t index = 0;
    for (int g = 1; g <= 100; ++g)
        db.apply(
            proto::DefineGroup{"rack" + std::to_string(g), {{"location.rack", std::to_string(g)}}},
            ++index);
    const int per_rack = nodes / 100;
    for (int g = 1; g <= 100; ++g) {
        std::string range = "r" + std::to_string(g) + "n[1-" + std::to_string(per_rack) + "]";
        std::map<std::string, std::string> attrs{{"groups", "rack" + std::to_string(g)}};
        for (int a = 1; a <= 9; ++a)
            attrs["custom.attr" + std::to_string(a)] = "value-" + std::to_string(a * g);
        auto r = db.apply(proto::DefineNodes{range, attrs}, ++index);
        if (!r.ok()) {
            std::fprintf(stderr, "%s\n", r.message.c_str());
            return 1;
        }
    }
    std::printf("build %d nodes x 10 attributes: %.3f s, peak RSS %ld MiB\n", nodes, since(t0),
                peak_rss_mib());

    t0 = std::chrono::steady_clock::now();
    size_t rendered = db.render(proto::Domain::Nodes).size();
    std::printf("render cfg/nodes (daemon thread part of a save): %.3f s (%zu bytes)\n", since(t0),
                rendered);

    t0 = std::chrono::steady_clock::now();
    db.save(dir, true);
    std::printf("save (render + write both files): %.3f s, nodes file %.1f MiB\n", since(t0),
                double(fs::file_size(dir / "nodes")) / (1024 * 1024));

    t0 = std::chrono::steady_clock::now();
    auto loaded = cc::state::Database::load(dir);
    std::printf("load both files: %.3f s (%zu nodes), peak RSS %ld MiB\n", since(t0),
                loaded.node_count(), peak_rss_mib());

    t0 = std::chrono::steady_clock::now();
    auto sel = loaded.expand("rack7,location.rack=9");
    std::printf("noderange 'rack7,location.rack=9': %.3f s (%zu nodes)\n", since(t0), sel.size());

    t0 = std::chrono::steady_clock::now();
    proto::Command set_all = proto::SetNodeAttributes{"everything", {{"custom.bench", "1"}}, {}};
    loaded.prepare(set_all);
    auto r = loaded.apply(set_all, ++index);
    std::printf("prepare + apply 'nodeattrib everything custom.bench=1': %.3f s (%zu lines)\n",
                since(t0), r.lines.size());

    t0 = std::chrono::steady_clock::now();
    std::string snap = loaded.snapshot_bytes();
    cc::state::Database copy;
    copy.install_snapshot(snap, index);
    std::printf("snapshot encode + install: %.3f s (%.1f MiB)\n", since(t0),
                double(snap.size()) / (1024 * 1024));
    std::printf("peak RSS at end (three copies of the database alive): %ld MiB\n", peak_rss_mib());
    return 0;
}
