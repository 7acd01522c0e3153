// cc_fault_soak: randomized fault runs until a deadline, for scripts/soak.sh.
//
//   cc_fault_soak --minutes M [--members N] [--rounds R] [--seed S] [--keep-going]
//
// Each iteration forms a fresh collective and runs R random faults under load
// (random_run.hpp), with seed S, S+1, ... (S random by default). Prints one
// line per iteration and a total; stops at the first failing iteration with
// its problems and the members' logs (with --keep-going: prints them, counts
// them by kind and goes on). Exit status 0 when every run was clean.
#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "tests/faults/disk.hpp"
#include "tests/faults/random_run.hpp"

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    po::options_description opts("cc_fault_soak");
    // clang-format off
    opts.add_options()
        ("minutes", po::value<double>()->default_value(30), "run until this many minutes have passed")
        ("members", po::value<size_t>()->default_value(3), "members per collective (3 or 5)")
        ("rounds", po::value<size_t>()->default_value(10), "faults per iteration")
        ("seed", po::value<uint64_t>(), "first seed (default: random)")
        ("keep-going", "go on after a failing iteration (its problems are printed and counted)");
    // clang-format on
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "cc_fault_soak: " << e.what() << "\n" << opts;
        return 2;
    }
    cc::faults::private_mount_namespace();
    uint64_t seed = vm.count("seed") ? vm["seed"].as<uint64_t>() : std::random_device{}();
    auto end = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(
                   std::chrono::duration<double, std::ratio<60>>(vm["minutes"].as<double>()));
    std::map<std::string, size_t> faults;
    uint64_t acked = 0, lost = 0, divergent = 0, refused_applied = 0, iterations = 0, failed = 0;
    std::map<std::string, size_t> problems;  // problem kind -> iterations showing it
    bool keep_going = vm.count("keep-going") > 0;
    auto t0 = Clock::now();
    while (Clock::now() < end) {
        cc::faults::RandomRunOptions o{seed, vm["members"].as<size_t>(), vm["rounds"].as<size_t>()};
        cc::faults::RandomRunResult r;
        try {
            r = cc::faults::run_random(o);
        } catch (const std::exception& e) {
            std::cerr << "cc_fault_soak: " << e.what() << "\n";
            return 1;
        }
        ++iterations;
        for (const auto& [name, n] : r.faults) faults[name] += n;
        acked += r.verdict.writes_acked;
        lost += r.verdict.lost;
        divergent += r.verdict.divergent;
        refused_applied += r.verdict.refused_applied;
        std::cout << "iteration " << iterations << " seed " << seed << ": "
                  << (r.ok() ? "ok " : "FAILED ") << r.verdict.summary() << std::endl;
        if (!r.ok()) {
            ++failed;
            std::cout << r.error << "\n";
            std::set<std::string> kinds;
            for (const auto& p : r.verdict.problems) {
                std::cout << p << "\n";
                kinds.insert(p.substr(0, p.find(':')));  // "cfg/collective differs between ..."
            }
            if (!r.error.empty()) kinds.insert("harness gave up: " + r.error.substr(0, 60));
            for (const auto& k : kinds) ++problems[k];
            if (!keep_going) {
                std::cout << r.logs;
                return 1;
            }
        }
        ++seed;
    }
    std::cout << "soak: " << iterations << " iterations in "
              << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count()
              << " s, writes acknowledged " << acked << ", lost " << lost << ", divergent files "
              << divergent << ", refused but applied " << refused_applied << ", failed iterations "
              << failed << "\n";
    for (const auto& [name, n] : faults) std::cout << "  fault " << name << ": " << n << "\n";
    for (const auto& [kind, n] : problems)
        std::cout << "  problem in " << n << " iterations: " << kind << "\n";
    return failed == 0 ? 0 : 1;
}
