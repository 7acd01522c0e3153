// nodediscover: this member's discovery data, as confluent's nodediscover
// shows it. The data is per member and never replicated (each collective
// member lists only what it has seen); `assign` is the one change that goes
// through the collective (the node's net.hwaddr, and collective.manager when
// it claims the node).
//
//   nodediscover register --mac MAC [--serial S] [--model M] [--uuid U] [--type T] [--ip IP ...]
//   nodediscover list [-f FIELD[,FIELD...]] [--json]
//   nodediscover assign -e MAC -n NODE
//   nodediscover clear [-e MAC]
//
// list prints confluent's table (client.Tabulator): one right-aligned column
// per field, each one wider than its longest cell, joined by '|', a header
// line and a line of dashes; no devices: the two header lines only.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <set>

#include "cli/client.hpp"
#include "cli/json_tool.hpp"
#include "daemon/collective/show_format.hpp"

using namespace cc::cli;

namespace {

struct Column {
    std::string header;  // as confluent names it
    std::string key;     // the JSON key
};

// confluent's default columns, then the other names its -f accepts for them.
const std::vector<Column> kDefaultColumns = {
    {"Node", "node"},       {"Model", "model"}, {"Serial", "serial"},           {"UUID", "uuid"},
    {"Mac Address", "mac"}, {"Type", "type"},   {"Current IP Addresses", "ip"},
};
const std::vector<Column> kAliasColumns = {{"Mac", "mac"}, {"IP", "ip"}};

std::string squeeze(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// -f as confluent matches it: case and spaces ignored, "mac" or "Mac
// Address", "ip" or "Current IP Addresses". An unknown field is an error
// here (confluent skips it silently).
std::vector<Column> select_columns(const std::string& fields) {
    std::vector<Column> out;
    size_t start = 0;
    for (;;) {
        size_t comma = fields.find(',', start);
        std::string want = squeeze(fields.substr(start, comma - start));
        if (!want.empty()) {
            const Column* found = nullptr;
            for (const auto* list : {&kDefaultColumns, &kAliasColumns})
                for (const auto& c : *list)
                    if (!found && squeeze(c.header) == want) found = &c;
            if (!found)
                throw CliError("nodediscover: unknown field \"" +
                               fields.substr(start, comma - start) +
                               "\" (fields: node, model, serial, uuid, mac, type, ip)");
            out.push_back(*found);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (out.empty()) throw CliError("nodediscover: -f needs at least one field");
    return out;
}

std::string cell(const proto::ApiDiscoveredDevice& d, const std::string& key) {
    if (key == "node") return d.node;
    if (key == "model") return d.model;
    if (key == "serial") return d.serial;
    if (key == "uuid") return d.uuid;
    if (key == "mac") return d.mac;
    if (key == "type") return d.type;
    std::string ips;
    for (const auto& ip : d.ips) ips += (ips.empty() ? "" : ",") + ip;
    return ips;
}

void print_table(const std::vector<proto::ApiDiscoveredDevice>& devices,
                 const std::vector<Column>& columns) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : devices) {
        rows.emplace_back();
        for (const auto& c : columns) rows.back().push_back(cell(d, c.key));
    }
    std::vector<size_t> width;
    for (size_t i = 0; i < columns.size(); ++i) {
        size_t w = columns[i].header.size();
        for (const auto& r : rows) w = std::max(w, r[i].size());
        width.push_back(w + 1);
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (size_t i = 0; i < cells.size(); ++i) {
            if (i) out += '|';
            out += std::string(width[i] - std::min(width[i], cells[i].size()), ' ') + cells[i];
        }
        std::cout << out << "\n";
    };
    std::vector<std::string> headers, dashes;
    for (size_t i = 0; i < columns.size(); ++i) {
        headers.push_back(columns[i].header);
        dashes.push_back(std::string(width[i], '-'));
    }
    line(headers);
    line(dashes);
    for (const auto& r : rows) line(r);
}

void print_json(const std::vector<proto::ApiDiscoveredDevice>& devices,
                const std::vector<Column>& columns) {
    using cc::collective::json_string;
    std::vector<std::string> keys;  // each key once ("mac" and "Mac Address" are one)
    for (const auto& c : columns)
        if (std::find(keys.begin(), keys.end(), c.key) == keys.end()) keys.push_back(c.key);
    std::cout << "[";
    for (size_t i = 0; i < devices.size(); ++i) {
        std::cout << (i ? ",\n  {" : "\n  {");
        for (size_t k = 0; k < keys.size(); ++k) {
            std::cout << (k ? ", " : "") << json_string(keys[k]) << ": ";
            if (keys[k] != "ip") {
                std::cout << json_string(cell(devices[i], keys[k]));
                continue;
            }
            std::cout << "[";
            for (size_t j = 0; j < devices[i].ips.size(); ++j)
                std::cout << (j ? ", " : "") << json_string(devices[i].ips[j]);
            std::cout << "]";
        }
        std::cout << "}";
    }
    std::cout << (devices.empty() ? "]\n" : "\n]\n");
}

// The answer of a request answered ApiDone; failures become CliError.
proto::ApiDone expect_done(proto::ApiResponse r, bool changes) {
    if (auto* e = std::get_if<proto::ApiError>(&r)) throw failure(*e);
    if (auto* d = std::get_if<proto::ApiDone>(&r)) return std::move(*d);
    throw CliError(changes ? "confluentd answered with something else; the change may or may not "
                             "have been applied: read it back before retrying"
                           : "confluentd answered with something else",
                   changes ? proto::Outcome::Unknown : proto::Outcome::Internal);
}

std::string opt(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("Options");
    // clang-format off
    opts.add_options()
        ("mac", po::value<std::string>(), "register, assign, clear: the device's MAC address (aa:bb:cc:dd:ee:ff)")
        ("ethaddr,e", po::value<std::string>(), "the same as --mac (confluent's name)")
        ("node,n", po::value<std::string>(), "assign: the node to bind the device to")
        ("serial,s", po::value<std::string>(), "register: serial number")
        ("model,m", po::value<std::string>(), "register: model")
        ("uuid,u", po::value<std::string>(), "register: UUID")
        ("type,t", po::value<std::string>(), "register: device type")
        ("ip", po::value<std::vector<std::string>>()->multitoken(), "register: its current IP addresses (several, or comma-separated)")
        ("fields,f", po::value<std::string>(), "list: fields to show, comma-separated: node, model, serial, uuid, mac, type, ip")
        ("json", "list: one JSON array of objects");
    // clang-format on
    // With --json every failure is a JSON error document (docs/json.md).
    return run_tool_json_errors(
        "nodediscover", argc, argv, opts,
        "Usage: nodediscover register --mac MAC [--serial S] [--model M] [--uuid U] [--type T] "
        "[--ip IP ...]\n"
        "       nodediscover list [-f FIELD[,FIELD...]] [--json]\n"
        "       nodediscover assign -e MAC -n NODE\n"
        "       nodediscover clear [-e MAC]\n"
        "This member's discovery data. Each collective member keeps its own (never replicated);\n"
        "assign sets the node's net.hwaddr through the collective and, when the node has no\n"
        "manager, makes this member its collective.manager.",
        [](const CommandLine& cl) {
            static const std::map<std::string, std::set<std::string>> kAllowed = {
                {"register", {"mac", "ethaddr", "serial", "model", "uuid", "type", "ip"}},
                {"list", {"fields", "json"}},
                {"assign", {"mac", "ethaddr", "node"}},
                {"clear", {"mac", "ethaddr"}},
            };
            const std::string usage_hint = " (see nodediscover --help)";
            if (cl.args.empty())
                throw CliError("nodediscover: say what to do: register, list, assign or clear" +
                               usage_hint);
            const std::string& what = cl.args.front();
            auto allowed = kAllowed.find(what);
            if (allowed == kAllowed.end())
                throw CliError("nodediscover: unknown command \"" + what +
                               "\": register, list, assign or clear" + usage_hint);
            if (cl.args.size() > 1)
                throw CliError("nodediscover " + what + ": unexpected argument \"" + cl.args[1] +
                               "\"" + usage_hint);
            for (const auto& [name, value] : cl.vm) {
                static const std::set<std::string> kCommon = {"help", "etc-dir", "state-dir",
                                                              "run-dir", "args"};
                if (value.defaulted() || kCommon.count(name) || allowed->second.count(name))
                    continue;
                throw CliError("nodediscover " + what + ": --" + name + " does not apply" +
                               usage_hint);
            }
            std::string mac = opt(cl.vm, "mac");
            std::string ethaddr = opt(cl.vm, "ethaddr");
            if (!mac.empty() && !ethaddr.empty() && mac != ethaddr)
                throw CliError("nodediscover " + what + ": --mac and -e name different devices");
            if (mac.empty()) mac = ethaddr;

            // -f is checked before confluentd is asked (a bad field is bad input).
            auto columns =
                cl.vm.count("fields") ? select_columns(opt(cl.vm, "fields")) : kDefaultColumns;
            ApiClient client(resolve_paths(cl.vm).api_socket());
            if (what == "register") {
                if (mac.empty()) throw CliError("nodediscover register: --mac MAC is required");
                proto::ApiDiscoveryRegister r;
                r.mac = mac;
                r.serial = opt(cl.vm, "serial");
                r.model = opt(cl.vm, "model");
                r.uuid = opt(cl.vm, "uuid");
                r.type = opt(cl.vm, "type");
                if (cl.vm.count("ip")) {
                    for (const auto& arg : cl.vm["ip"].as<std::vector<std::string>>()) {
                        size_t start = 0;
                        for (;;) {
                            size_t comma = arg.find(',', start);
                            std::string ip = arg.substr(start, comma - start);
                            if (!ip.empty()) r.ips.push_back(ip);
                            if (comma == std::string::npos) break;
                            start = comma + 1;
                        }
                    }
                }
                expect_done(client.call(r), true);
                return 0;
            }
            if (what == "assign") {
                if (mac.empty() || !cl.vm.count("node"))
                    throw CliError("nodediscover assign: -e MAC and -n NODE are required");
                auto done = expect_done(
                    client.call(proto::ApiDiscoveryAssign{mac, opt(cl.vm, "node")}), true);
                for (const auto& l : done.lines) std::cout << l << "\n";
                return 0;
            }
            if (what == "clear") {
                if ((cl.vm.count("mac") > 0 || cl.vm.count("ethaddr") > 0) && mac.empty())
                    throw CliError("nodediscover clear: -e needs a MAC address");
                expect_done(client.call(proto::ApiDiscoveryClear{mac}), true);
                return 0;
            }
            // list
            proto::ApiResponse r;
            try {
                r = client.call(proto::ApiDiscoveryList{});
            } catch (const CliError& e) {
                // The shared client counts every request it does not know
                // as a change; a lost answer to this query changed nothing.
                if (e.outcome != proto::Outcome::Unknown) throw;
                std::string text = e.what();
                text = text.substr(0, text.find("; the change may or may not"));
                throw CliError(text, proto::Outcome::Refused);
            }
            if (auto* e = std::get_if<proto::ApiError>(&r)) throw failure(*e);
            auto* list = std::get_if<proto::ApiDiscoveredDevices>(&r);
            if (!list)
                throw CliError("confluentd answered a query with something else",
                               proto::Outcome::Internal);
            if (cl.vm.count("json"))
                print_json(list->devices, columns);
            else
                print_table(list->devices, columns);
            return 0;
        });
}
