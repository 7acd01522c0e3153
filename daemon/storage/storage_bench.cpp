// Micro benchmark of the log's group commit (not a test). N clients each keep
// one 200-byte write outstanding, as a leader would with N API clients: a new
// entry is appended only once a client's previous one is reported synced.
// Prints one line: entries/s, fsyncs/s and entries per fsync, i.e. the floor
// for "10,000 acknowledged writes/s with 16 clients" on this disk.
//
//   storage_bench [--clients 16] [--seconds 3] [--dir DIR] [--entry-bytes 200]
#include <boost/program_options.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>

#include "daemon/storage/file_log_store.hpp"

namespace po = boost::program_options;
using namespace cc::storage;

int main(int argc, char** argv) {
    unsigned clients = 16;
    double seconds = 3;
    size_t entry_bytes = 200;
    std::string dir;
    po::options_description opts("storage_bench options");
    opts.add_options()("help,h", "show this help")(
        "clients", po::value(&clients)->default_value(clients), "writes kept outstanding")(
        "seconds", po::value(&seconds)->default_value(seconds), "how long to run")(
        "entry-bytes", po::value(&entry_bytes)->default_value(entry_bytes), "entry data size")(
        "dir", po::value(&dir), "scratch directory on the disk to measure (default: under .)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "storage_bench: " << e.what() << " (see --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    if (clients == 0 || seconds <= 0) {
        std::cerr << "storage_bench: --clients and --seconds must be positive\n";
        return 2;
    }
    std::filesystem::path scratch = dir.empty() ? std::filesystem::current_path() /
                                                      ("storage_bench." + std::to_string(getpid()))
                                                : std::filesystem::path(dir) / "storage_bench";
    std::filesystem::remove_all(scratch);

    std::mutex mu;
    std::condition_variable cv;
    uint64_t synced = 0;
    std::string error;
    LogCallbacks cb;
    cb.on_synced = [&](LogPosition last) {
        std::lock_guard lk(mu);
        synced = last.index;
        cv.notify_one();
    };
    cb.on_error = [&](const StorageError& e, uint64_t) {
        std::lock_guard lk(mu);
        error = e.what();
        cv.notify_one();
    };
    uint64_t next = 1;
    uint64_t syncs = 0;
    double elapsed = 0;
    try {
        auto store = FileLogStore::open(scratch, cb);
        std::string data(entry_bytes, 'x');
        auto start = std::chrono::steady_clock::now();
        auto deadline = start + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::unique_lock lk(mu);
                cv.wait(lk, [&] { return !error.empty() || next - 1 - synced < clients; });
                if (!error.empty()) break;
            }
            store->append({proto::Entry{1, next, proto::EntryKind::Command, data}});
            ++next;
        }
        store->flush();
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        syncs = store->sync_count();
    } catch (const StorageError& e) {
        error = e.what();
    }
    std::filesystem::remove_all(scratch);
    if (!error.empty()) {
        std::cerr << "storage_bench: " << error << "\n";
        return 1;
    }
    uint64_t entries = next - 1;
    std::printf(
        "storage_bench: %u clients, %zu-byte entries, %.1f s in %s: %.0f entries/s, %.0f "
        "fsyncs/s, %.1f entries per fsync\n",
        clients, entry_bytes, elapsed, scratch.parent_path().c_str(), double(entries) / elapsed,
        double(syncs) / elapsed, syncs ? double(entries) / double(syncs) : 0.0);
    return 0;
}
