// cc_loadgen: a load generator for scripts/bench-local.sh (a benchmark tool,
// not a test). It speaks the local API directly, one connection per client.
//
//   cc_loadgen --socket S writes --clients N --seconds T [--value-size V] [--count C]
//       N clients, each setting an attribute of its own node (ldg<i>) in a
//       loop; every write is acknowledged (durable, committed, applied).
//       The value is a counter, padded with 'x' to V bytes when V is given;
//       with C (> 0) the clients stop after C writes in all instead of after T.
//       Prints: clients=N writes=W seconds=T writes_per_s=X p50_ms=Y p99_ms=Z
//   cc_loadgen --socket S probe --stop-file F [--interval-ms 25] [--max-seconds 300]
//       every --interval-ms a new client (its own connection) sets
//       n1 custom.p=k, without waiting for the earlier ones (node n1 must
//       exist). One line per finished probe: "<launch> <end> <exit status>"
//       (CLOCK_REALTIME seconds; the status a tool would exit with). Stops
//       launching when F exists (scripts/bench-etcd.sh, failover).
//   cc_loadgen --socket S populate --nodes N --attributes A [--batch B]
//       defines nodes bn1..bnN with A attributes each, B nodes per request.
//       Prints: nodes=N attributes=A seconds=T
#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <mutex>
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

std::string value_of(uint64_t n, int size) {
    auto v = std::to_string(n);
    if (static_cast<int>(v.size()) < size) v.append(static_cast<size_t>(size) - v.size(), 'x');
    return v;
}

int writes(const std::string& socket, int clients, double seconds, int value_size, uint64_t count) {
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
    std::atomic<uint64_t> claimed{0};
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
                for (uint64_t n = 0;; ++n) {
                    if (count > 0 ? claimed.fetch_add(1) >= count : Clock::now() >= end) break;
                    set.attributes["bench.counter"] = value_of(n, value_size);
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

// The exit status nodeattrib would end with for this write.
int write_status(cc::cli::ApiClient& c, const proto::Command& command) {
    try {
        auto r = c.call(proto::ApiWrite{command});
        if (auto* e = std::get_if<proto::ApiError>(&r)) return proto::exit_code(e->code);
        auto* d = std::get_if<proto::ApiWriteDone>(&r);
        if (!d) return proto::exit_code(proto::Outcome::Unknown);
        return d->result.ok() ? 0 : proto::exit_code(proto::outcome_of(d->result.code));
    } catch (const cc::cli::CliError& e) {
        return e.exit_code();
    }
}

double now_real() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int probe(const std::string& socket, const std::string& stop_file, int interval_ms,
          double max_seconds) {
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(max_seconds));
    auto stop = [&] { return std::filesystem::exists(stop_file) || Clock::now() >= deadline; };
    static std::mutex out_mu;
    std::atomic<int> in_flight{0};
    auto next = Clock::now();
    for (uint64_t k = 1; !stop(); ++k) {
        ++in_flight;
        std::thread([&in_flight, socket, k] {
            double s = now_real();
            int status = 2;
            try {
                cc::cli::ApiClient c(socket);
                proto::SetNodeAttributes set;
                set.noderange = "n1";
                set.attributes["custom.p"] = std::to_string(k);
                status = write_status(c, set);
            } catch (const cc::cli::CliError& e) {
                status = e.exit_code();
            } catch (const std::exception&) {
                status = 2;
            }
            double e = now_real();
            {
                std::lock_guard lk(out_mu);
                std::printf("%.6f %.6f %d\n", s, e, status);
                std::fflush(stdout);
            }
            --in_flight;
        }).detach();
        next += std::chrono::milliseconds(interval_ms);
        std::this_thread::sleep_until(next);
    }
    // Let the probes in flight finish for a moment, then leave without them.
    auto grace = Clock::now() + std::chrono::seconds(2);
    while (in_flight > 0 && Clock::now() < grace)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lk(out_mu);
    std::fflush(stdout);
    std::_Exit(0);
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
        ("mode", po::value<std::string>()->required(), "writes, populate or probe")
        ("clients", po::value<int>()->default_value(1), "concurrent clients (writes)")
        ("seconds", po::value<double>()->default_value(5), "duration (writes)")
        ("nodes", po::value<int>()->default_value(100000), "nodes to define (populate)")
        ("attributes", po::value<int>()->default_value(10), "attributes per node (populate)")
        ("batch", po::value<int>()->default_value(1000), "nodes per request (populate)")
        ("value-size", po::value<int>()->default_value(0), "pad each value to this many bytes (writes)")
        ("count", po::value<uint64_t>()->default_value(0), "writes in all, instead of --seconds (writes)")
        ("stop-file", po::value<std::string>(), "stop when this file exists (probe)")
        ("interval-ms", po::value<int>()->default_value(25), "time between probes (probe)")
        ("max-seconds", po::value<double>()->default_value(300), "longest run (probe)");
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
            return writes(socket, vm["clients"].as<int>(), vm["seconds"].as<double>(),
                          vm["value-size"].as<int>(), vm["count"].as<uint64_t>());
        if (mode == "populate")
            return populate(socket, vm["nodes"].as<int>(), vm["attributes"].as<int>(),
                            vm["batch"].as<int>());
        if (mode == "probe") {
            if (!vm.count("stop-file")) {
                std::cerr << "cc_loadgen: probe needs --stop-file\n";
                return 1;
            }
            return probe(socket, vm["stop-file"].as<std::string>(), vm["interval-ms"].as<int>(),
                         vm["max-seconds"].as<double>());
        }
        std::cerr << "cc_loadgen: mode must be writes, populate or probe\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "cc_loadgen: " << e.what() << "\n";
        return 1;
    }
}
