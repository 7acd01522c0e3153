#include "cli/client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "proto/build_version.hpp"
#include "proto/frame.hpp"
#include "proto/printable.hpp"

namespace cc::cli {

namespace {
// Longest wait for an answer: writes end within the daemon's proposal timeout.
constexpr int kAnswerTimeoutSeconds = 30;
}  // namespace

const char* const kExitStatusHelp =
    "Exit status (the same for every tool):\n"
    "  0  done\n"
    "  1  bad input: usage error, malformed or unknown node, group, attribute,\n"
    "     member or token; nothing was changed\n"
    "  2  refused: not carried out, nothing was changed (confluentd unreachable,\n"
    "     not in a collective, leader changing, storage failure, ...); the\n"
    "     message says what to do\n"
    "  3  no quorum: \"Collective does not have quorum\"; nothing was changed\n"
    "  4  outcome unknown: the change may or may not have been applied (timeout,\n"
    "     lost connection); read it back before retrying\n";

bool has_flag(int argc, char** argv, std::initializer_list<std::string_view> flags) {
    for (int i = 1; i < argc; ++i)
        for (auto f : flags)
            if (argv[i] == f) return true;
    return false;
}

void add_common_options(po::options_description& opts) {
    // clang-format off
    opts.add_options()
        ("help,h", "show this help")
        ("version", proto::kVersionOptionHelp)
        ("etc-dir", po::value<std::string>(), "configuration directory (env CONFLUENT_ETC_DIR, default /etc/confluent)")
        ("state-dir", po::value<std::string>(), "consensus state directory (env CONFLUENT_STATE_DIR)")
        ("run-dir", po::value<std::string>(), "directory of confluentd's api.sock (env CONFLUENT_RUN_DIR, default /var/run/confluent)");
    // clang-format on
}

void store_command_line(int argc, char** argv, const po::options_description& opts,
                        po::variables_map& vm, bool allow_unregistered) {
    po::options_description hidden;
    hidden.add_options()("args", po::value<std::vector<std::string>>(), "");
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("args", -1);
    auto parser = po::command_line_parser(argc, argv).options(all).positional(pos);
    if (allow_unregistered) parser.allow_unregistered();
    po::store(parser.run(), vm);
}

std::optional<std::vector<std::string>> parse_command_line(int argc, char** argv,
                                                           po::options_description opts,
                                                           const std::string& usage,
                                                           po::variables_map& vm) {
    add_common_options(opts);
    store_command_line(argc, argv, opts, vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << usage << "\n\n" << opts << "\n" << kExitStatusHelp;
        return std::nullopt;
    }
    if (!vm.count("args")) return std::vector<std::string>{};
    return vm["args"].as<std::vector<std::string>>();
}

cc::app::Config resolve_paths(const po::variables_map& vm) {
    cc::app::Overrides flags;
    if (vm.count("etc-dir")) flags.etc_dir = vm["etc-dir"].as<std::string>();
    if (vm.count("state-dir")) flags.state_dir = vm["state-dir"].as<std::string>();
    if (vm.count("run-dir")) flags.run_dir = vm["run-dir"].as<std::string>();
    try {
        return cc::app::resolve_config(flags);
    } catch (const cc::app::ConfigError& e) {
        throw CliError(e.what());
    }
}

ApiClient::ApiClient(const std::filesystem::path& socket) : socket_(socket) {
    auto fail = [&](int err) {
        throw CliError("cannot reach confluentd at " + socket_.string() + ": " + std::strerror(err),
                       proto::Outcome::Refused);
    };
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_.string().size() >= sizeof addr.sun_path) fail(ENAMETOOLONG);
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail(errno);
    timeval tv{kAnswerTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        ::close(fd_);
        fd_ = -1;
        fail(err);
    }
}

ApiClient::~ApiClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool ApiClient::changes(const proto::ApiRequest& request) {
    // nodepower status reads the BMCs; every other node operation may change
    // hardware.
    if (auto* op = std::get_if<proto::ApiNodeOperation>(&request))
        return !(op->operation == "power" && op->argument == "status");
    return !std::holds_alternative<proto::ApiNodeQuery>(request) &&
           !std::holds_alternative<proto::ApiGroupQuery>(request) &&
           !std::holds_alternative<proto::ApiStatusQuery>(request) &&
           !std::holds_alternative<proto::ApiInviteList>(request);
}

void ApiClient::lost(const std::string& what) const {
    if (changing_)
        throw CliError(what +
                           "; the change may or may not have been applied: read it back "
                           "before retrying",
                       proto::Outcome::Unknown);
    throw CliError(what, proto::Outcome::Refused);
}

std::string ApiClient::read_exact(size_t n) {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
        ssize_t r = ::read(fd_, out.data() + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            lost("confluentd at " + socket_.string() + " did not answer within " +
                 std::to_string(kAnswerTimeoutSeconds) + " s");
        if (r < 0)
            lost("lost the connection to confluentd at " + socket_.string() + ": " +
                 std::strerror(errno));
        if (r == 0)
            lost("confluentd at " + socket_.string() +
                 " closed the connection before answering (see its log)");
        got += static_cast<size_t>(r);
    }
    return out;
}

proto::ApiResponse ApiClient::call(const proto::ApiRequest& request) {
    std::string out = proto::encode_frame(request);
    // Until the whole frame is out the daemon has no request to act on: a
    // failure here changed nothing. Once it is out, a lost answer leaves a
    // change unknown (lost()).
    changing_ = changes(request);
    size_t sent = 0;
    while (sent < out.size()) {
        ssize_t w = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0)
            throw CliError("lost the connection to confluentd at " + socket_.string() + ": " +
                               std::strerror(errno) + "; nothing was changed",
                           proto::Outcome::Refused);
        sent += static_cast<size_t>(w);
    }
    proto::ApiObjects joined;
    for (;;) {
        std::string header_bytes = read_exact(4);  // the Reader only views it
        proto::Reader header(header_bytes);
        uint32_t n = header.fixed32();
        if (n > proto::kMaxFrameBytes)
            lost("confluentd sent an oversized answer (" + std::to_string(n) + " bytes)");
        proto::ApiResponse r;
        try {
            r = proto::from_bytes<proto::ApiResponse>(read_exact(n));
        } catch (const proto::DecodeError& e) {
            lost(std::string("confluentd sent an answer this tool cannot read (") + e.what() +
                 "); are the tool and the daemon the same version?");
        }
        auto* objs = std::get_if<proto::ApiObjects>(&r);
        if (!objs) return r;
        for (auto& o : objs->objects) joined.objects.push_back(std::move(o));
        if (!objs->more) return joined;
    }
}

std::string error_text(const proto::ApiError& e) {
    // The daemon always sends a message; an empty one (a daemon that had no
    // text) still prints the outcome's standard line.
    std::string message = proto::text_or_default(e.code, e.message);
    switch (e.code) {
        case proto::Outcome::BadRequest:
            return "Error: Bad Request - " + message;
        case proto::Outcome::NotFound:
            return "Error: Not Found - " + message;
        case proto::Outcome::NotInCollective:
            return message;
        default:
            return "Error: " + message;
    }
}

CliError failure(const proto::ApiError& e) {
    // Done in an error would exit 0: a daemon confused enough to send it failed.
    auto o = e.code == proto::Outcome::Done ? proto::Outcome::Internal : e.code;
    return CliError(error_text(e), o);
}

void run_write(ApiClient& client, proto::Command command) {
    auto r = client.call(proto::ApiWrite{std::move(command)});
    if (auto* e = std::get_if<proto::ApiError>(&r)) throw failure(*e);
    auto* done = std::get_if<proto::ApiWriteDone>(&r);
    if (!done)
        throw CliError(
            "confluentd answered a write with something else; the change may or may not have "
            "been applied: read it back before retrying",
            proto::Outcome::Unknown);
    if (!done->result.ok())
        throw CliError(proto::error_line(done->result), proto::outcome_of(done->result.code));
    for (const auto& line : done->result.lines)
        std::cout << proto::printable(line.name) << ": " << proto::printable(line.text) << "\n";
}

proto::ApiObjects expect_objects(proto::ApiResponse r) {
    if (auto* e = std::get_if<proto::ApiError>(&r)) throw failure(*e);
    auto* objs = std::get_if<proto::ApiObjects>(&r);
    if (!objs)
        throw CliError("confluentd answered a query with something else", proto::Outcome::Internal);
    return std::move(*objs);
}

std::vector<std::string> attribute_lines(const proto::ApiObjects& objects, bool blame) {
    std::vector<std::string> lines;
    for (const auto& o : objects.objects) {
        for (const auto& a : o.attributes) {
            std::string line = o.name + ": " + a.name + ": " + a.value;
            if (blame && !a.inherited_from.empty())
                line += " (inherited from group " + a.inherited_from + ")";
            lines.push_back(std::move(line));
        }
    }
    return lines;
}

int run_tool(const char* name, int argc, char** argv, po::options_description opts,
             const std::string& usage, const std::function<int(const CommandLine&)>& body) {
    // --help and --version answer without confluentd, for any user.
    const bool about = has_flag(argc, argv, {"--help", "-h", "--version"});
    try {
        if (::geteuid() != 0 && !about)
            throw CliError(std::string(name) + ": " +
                               std::string(proto::default_text(proto::Outcome::PermissionDenied)),
                           proto::Outcome::PermissionDenied);
        CommandLine cl;
        auto args = parse_command_line(argc, argv, std::move(opts), usage, cl.vm);
        if (!args) {
            std::cout << "\nSee man " << name << "(1).\n";  // docs/man/<name>.1.md
            return 0;
        }
        if (cl.vm.count("version")) {
            std::cout << proto::version_line(name) << "\n";
            return 0;
        }
        cl.args = std::move(*args);
        return body(cl);
    } catch (const CliError& e) {
        std::cout.flush();
        // Reasons come from confluentd and, through it, from peers: never raw.
        std::cerr << proto::printable(e.what()) << "\n";
        return e.exit_code();
    } catch (const po::error& e) {
        std::cerr << name << ": " << proto::printable(e.what()) << " (see " << name << " --help)\n";
        return 1;
    }
}

}  // namespace cc::cli
