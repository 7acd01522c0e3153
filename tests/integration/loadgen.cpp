// cc_loadgen: a load generator for scripts/bench-local.sh (a benchmark tool,
// not a test). It speaks the local API directly, one connection per client.
//
//   cc_loadgen --socket S writes --clients N --seconds T
//       N clients, each setting an attribute of its own node (ldg<i>) in a
//       loop; every write is acknowledged (durable, committed, applied).
//       Prints: clients=N writes=W seconds=T writes_per_s=X p50_ms=Y p99_ms=Z
//   cc_loadgen --socket S populate --nodes N --attributes A [--batch B]
//       defines nodes bn1..bnN with A attributes each, B nodes per request.
//       Prints: nodes=N attributes=A seconds=T
#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <thread>

#include "cli/client.hpp"

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

namespace {

void check(const proto::ApiResponse& r) {
    if (auto* e = std::get_if<proto::ApiError>(&r))
        throw std::runtime_error(cc::cli::error_text(*e));
    auto* d = std::get_if<proto::ApiWriteDone>(&r);
    if (!d) throw std::runtime_error("unexpected answer");
    if (!d->result.ok()) throw std::runtime_error(proto::error_line(d->result));
}

int writes(const std::string& socket, int clients, double seconds) {
    {
        cc::cli::ApiClient c(socket);
        for (int i = 1; i <= clients; ++i) {
            proto::DefineNodes def;
            def.noderange = "ldg" + std::to_string(i);
            auto r = c.call(proto::ApiWrite{def});
            (void)r;  // it may exist from an earlier run
        }
    }
    std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
    std::atomic<bool> failed{false};
    auto end = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    auto t0 = Clock::now();
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            try {
                cc::cli::ApiClient c(socket);
                proto::SetNodeAttributes set;
                set.noderange = "ldg" + std::to_string(i + 1);
                for (uint64_t n = 0; Clock::now() < end; ++n) {
                    set.attributes["bench.counter"] = std::to_string(n);
                    auto s = Clock::now();
                    check(c.call(proto::ApiWrite{set}));
                    lat[static_cast<size_t>(i)].push_back(
                        std::chrono::duration<double, std::milli>(Clock::now() - s).count());
                }
            } catch (const std::exception& e) {
                std::cerr << "client " << i << ": " << e.what() << "\n";
                failed = true;
            }
        });
    }
    for (auto& t : threads) t.join();
    double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
        return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(p * double(all.size())))];
    };
    std::cout << std::fixed << std::setprecision(2) << "clients=" << clients
              << " writes=" << all.size() << " seconds=" << elapsed
              << " writes_per_s=" << static_cast<uint64_t>(double(all.size()) / elapsed)
              << " p50_ms=" << pct(0.50) << " p99_ms=" << pct(0.99) << "\n";
    return failed ? 1 : 0;
}

int populate(const std::string& socket, int nodes, int attributes, int batch) {
    cc::cli::ApiClient c(socket);
    auto t0 = Clock::now();
    for (int first = 1; first <= nodes; first += batch) {
        int last = std::min(nodes, first + batch - 1);
        proto::DefineNodes def;
        def.noderange = "bn[" + std::to_string(first) + "-" + std::to_string(last) + "]";
        for (int a = 0; a < attributes; ++a)
            def.attributes["bench.attr" + std::to_string(a)] = "value-" + std::to_string(a);
        check(c.call(proto::ApiWrite{def}));
    }
    std::cout << std::fixed << std::setprecision(2) << "nodes=" << nodes
              << " attributes=" << attributes
              << " seconds=" << std::chrono::duration<double>(Clock::now() - t0).count() << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("cc_loadgen");
    // clang-format off
    opts.add_options()
        ("socket", po::value<std::string>()->required(), "confluentd's api.sock")
        ("mode", po::value<std::string>()->required(), "writes or populate")
        ("clients", po::value<int>()->default_value(1), "concurrent clients (writes)")
        ("seconds", po::value<double>()->default_value(5), "duration (writes)")
        ("nodes", po::value<int>()->default_value(100000), "nodes to define (populate)")
        ("attributes", po::value<int>()->default_value(10), "attributes per node (populate)")
        ("batch", po::value<int>()->default_value(1000), "nodes per request (populate)");
    // clang-format on
    po::positional_options_description pos;
    pos.add("mode", 1);
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
        auto socket = vm["socket"].as<std::string>();
        auto mode = vm["mode"].as<std::string>();
        if (mode == "writes")
            return writes(socket, vm["clients"].as<int>(), vm["seconds"].as<double>());
        if (mode == "populate")
            return populate(socket, vm["nodes"].as<int>(), vm["attributes"].as<int>(),
                            vm["batch"].as<int>());
        std::cerr << "cc_loadgen: mode must be writes or populate\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "cc_loadgen: " << e.what() << "\n";
        return 1;
    }
}
