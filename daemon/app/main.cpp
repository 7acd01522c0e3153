// confluentd: the composition root. Parses the command line, resolves the
// configuration, builds one Daemon and runs its io_context in the foreground
// (as systemd expects). Exit status: 0 after a clean stop, 1 when start-up
// fails (one line on stderr says why), 2 on a bad command line.
#include <sys/resource.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <iostream>

#include "daemon/app/config.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/exit_status.hpp"
#include "daemon/collective/fresh_start.hpp"
#include "daemon/util/log.hpp"
#include "proto/build_version.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
    // Private by default: a file created without an explicit mode (a log
    // segment, the lock, api.sock) is the daemon's own. Files meant to be
    // read by others (srvcert.pem, cfg/collective) set their mode.
    ::umask(077);
    // Descriptors up to the hard limit (systemd's LimitNOFILE): each peer
    // connection takes a socket and an eventfd, and a flood on the collective
    // port is refused only after accept().
    if (rlimit nofile{};
        ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &nofile);
    }
    cc::app::install_sync_failure_handler();
    cc::app::Overrides flags;
    po::options_description opts("confluentd options");
    // clang-format off
    opts.add_options()
        ("help,h", "show this help")
        ("version", proto::kVersionOptionHelp)
        ("etc-dir", po::value<std::string>(), "configuration directory (env CONFLUENT_ETC_DIR, default /etc/confluent)")
        ("state-dir", po::value<std::string>(), "consensus state directory (env CONFLUENT_STATE_DIR, default /var/lib/confluent)")
        ("run-dir", po::value<std::string>(), "directory of api.sock (env CONFLUENT_RUN_DIR, default /var/run/confluent)")
        ("config", po::value<std::string>(), "settings file (default ETC/confluent.toml)")
        ("log-level", po::value<std::string>(), "debug, info, warn or error (default info)")
        ("listen", po::value<std::string>(), "address the collective port listens on (default 0.0.0.0)")
        ("advertise", po::value<std::string>(), "address other members use to reach this one (default: the host name)")
        ("port", po::value<uint16_t>(), "collective port (default 13001)");
    // clang-format on
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "confluentd: " << e.what() << " (see confluentd --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << "Usage: confluentd [options]\nRuns a confluent collective member in the "
                     "foreground.\n\n"
                  << opts
                  << "\nExit status: 0 stopped on SIGTERM/SIGINT, 1 could not start (the log "
                     "says why),\n2 bad command line, 74 an fsync failed (check the disk).\n"
                  << "\nSee man confluentd(8).\n";
        return 0;
    }
    if (vm.count("version")) {
        std::cout << proto::version_line("confluentd") << "\n";
        return 0;
    }
    auto str = [&](const char* k) -> std::optional<std::string> {
        if (!vm.count(k)) return std::nullopt;
        return vm[k].as<std::string>();
    };
    if (auto v = str("etc-dir")) flags.etc_dir = *v;
    if (auto v = str("state-dir")) flags.state_dir = *v;
    if (auto v = str("run-dir")) flags.run_dir = *v;
    if (auto v = str("config")) flags.config_file = *v;
    flags.log_level = str("log-level");
    flags.listen = str("listen");
    flags.advertise = str("advertise");
    if (vm.count("port")) flags.port = vm["port"].as<uint16_t>();

    try {
        auto config = cc::app::resolve_config(flags);
        cc::log::set_level(config.log_level);
        for (;;) {
            std::optional<cc::collective::JoinedCollective> joined;
            std::optional<std::string> failure;
            {
                // One io_context per incarnation: handlers the old daemon left
                // queued (a timer that had just fired, an API connection just
                // accepted) are destroyed with it, never run against the
                // destroyed daemon by the next one.
                boost::asio::io_context io;
                cc::app::Daemon daemon(io, config);
                daemon.start();
                io.run();
                joined = daemon.joined();
                failure = daemon.failure();
            }
            if (failure) return 1;  // logged; systemd restarts on failure
            if (!joined) break;
            // This member joined a collective: keep the old cfg/ aside, start afresh.
            auto backup =
                cc::collective::reset_for_join(config.etc_dir, config.state_dir, joined->name,
                                               joined->members, std::chrono::system_clock::now());
            if (!backup.empty())
                cc::log::info("the previous configuration is kept in ", backup.string());
        }
        cc::log::info("stopped");
        return 0;
    } catch (const cc::app::ConfigError& e) {
        std::cerr << "confluentd: " << e.what() << "\n";
        return 1;
    } catch (const cc::app::StartupError& e) {
        cc::log::error(e.what());  // one line on stderr, with time and level
        return 1;
    } catch (const std::exception& e) {
        // Resetting the files after a join failed (disk full, permissions).
        cc::log::error(e.what());
        return 1;
    }
}
