// collective gencert   create this member's key and certificate
// collective show      quorum, leader, active and offline members
#include <unistd.h>

#include <iostream>

#include "cli/client.hpp"
#include "daemon/crypto/key.hpp"

using namespace cc::cli;

namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    std::string h(buf);
    return h.substr(0, h.find('.'));
}

int gencert(const cc::app::Config& config) {
    if (cc::crypto::key_exists(config.etc_dir)) {
        std::cerr << (config.etc_dir / cc::crypto::kPrivateKeyFile).string()
                  << " already exists; keeping it (remove it first to generate a new key)\n";
        return 0;
    }
    try {
        cc::crypto::generate_key_and_cert(config.etc_dir, host_name());
    } catch (const std::exception& e) {
        throw CliError(std::string("cannot generate the key and certificate: ") + e.what());
    }
    std::cout << "Certificate generated successfully\n";
    return 0;
}

int show(const cc::app::Config& config) {
    ApiClient client(config.api_socket());
    auto r = client.call(proto::ApiStatusQuery{});
    if (auto* e = std::get_if<proto::ApiError>(&r)) throw CliError(error_text(*e));
    auto* s = std::get_if<proto::ApiStatus>(&r);
    if (!s) throw CliError("confluentd answered the status query with something else");
    if (!s->in_collective) throw CliError("Collective mode not enabled on this system");
    auto label = [&](const std::string& name) {
        for (const auto& n : s->nonvoting)
            if (n == name) return "    " + name + " (nonvoting)";
        return "    " + name;
    };
    std::cout << "Quorum: " << (s->quorum ? "True" : "False") << "\n";
    std::cout << "Leader: " << s->leader << "\n";
    std::cout << "Active collective members:\n";
    for (const auto& m : s->active) std::cout << label(m) << "\n";
    if (!s->offline.empty()) {
        std::cout << "Offline collective members:\n";
        for (const auto& m : s->offline) std::cout << label(m) << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return run_tool("collective", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        auto args = parse_command_line(ac, av, po::options_description("Options"),
                                       "Usage: collective gencert | show\n"
                                       "  gencert  create this member's key and certificate\n"
                                       "  show     quorum, leader, active and offline members",
                                       vm);
        if (!args) return 0;
        if (args->empty())
            throw CliError(
                "collective: give a subcommand: gencert or show (see collective --help)");
        const std::string& sub = args->front();
        if (args->size() != 1) throw CliError("collective " + sub + ": takes no arguments");
        auto config = resolve_paths(vm);
        if (sub == "gencert") return gencert(config);
        if (sub == "show") return show(config);
        throw CliError("collective: unknown subcommand '" + sub + "' (use gencert or show)");
    });
}
