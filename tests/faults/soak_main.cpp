// cc_fault_soak: randomized fault runs until a deadline, for scripts/soak.sh.
//
//   cc_fault_soak --minutes M [--members N] [--rounds R] [--seed S]
//
// Each iteration forms a fresh collective and runs R random faults under load
// (random_run.hpp), with seed S, S+1, ... (S random by default). Prints one
// line per iteration and a total; stops at the first failing iteration with
// its problems and the members' logs. Exit status 0 when every run was clean.
#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <random>

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
        ("seed", po::value<uint64_t>(), "first seed (default: random)");
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
    uint64_t acked = 0, lost = 0, divergent = 0, iterations = 0;
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
        std::cout << "iteration " << iterations << " seed " << seed << ": "
                  << (r.ok() ? "ok " : "FAILED ") << r.verdict.summary() << std::endl;
        if (!r.ok()) {
            std::cout << r.error << "\n";
            for (const auto& p : r.verdict.problems) std::cout << p << "\n";
            std::cout << r.logs;
            return 1;
        }
        ++seed;
    }
    std::cout << "soak: " << iterations << " iterations in "
              << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count()
              << " s, writes acknowledged " << acked << ", lost " << lost << ", divergent files "
              << divergent << "\n";
    for (const auto& [name, n] : faults) std::cout << "  " << name << ": " << n << "\n";
    return 0;
}
