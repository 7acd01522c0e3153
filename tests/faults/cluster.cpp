#include "tests/faults/cluster.hpp"

#include <stdlib.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cc::faults {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::filesystem::path make_root() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cc-faults-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    return tmpl;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

Cluster::Cluster(size_t members, Links links) : root_(make_root()) {
    if (members > 1) net_ = std::make_unique<TestNet>(members, links);
    for (size_t i = 0; i < members; ++i) {
        std::string name = "mgt" + std::to_string(i + 1);
        servers_.push_back(std::make_unique<Server>(
            root_ / name, name, net_ ? net_->netns_path(i) : "", net_ ? net_->address(i) : ""));
    }
}

Cluster::~Cluster() {
    for (auto& s : servers_) s->kill9();
    servers_.clear();
    net_.reset();
    const char* keep = ::getenv("CC_FAULTS_KEEP");
    if (!keep || std::string(keep) != "1") {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
    }
}

void Cluster::start_all() {
    for (auto& s : servers_)
        if (!s->running()) s->start();
}

void Cluster::form() {
    Server& first = at(0);
    for (size_t i = 1; i < size(); ++i) {
        Server& joiner = at(i);
        auto inv = first.cli("collective", {"invite", joiner.name()});
        if (inv.status != 0)
            throw std::runtime_error("collective invite " + joiner.name() + " failed: " + inv.err);
        auto token = trim(inv.out);
        auto join = joiner.cli("collective", {"join", first.advertise(), "-i", token});
        if (join.status != 0)
            throw std::runtime_error("collective join " + first.advertise() + " on " +
                                     joiner.name() + " failed: " + join.err);
    }
    wait_leader();
    wait_converged();
}

std::optional<size_t> Cluster::index_of(const std::string& name) const {
    for (size_t i = 0; i < size(); ++i)
        if (servers_[i]->name() == name) return i;
    return std::nullopt;
}

std::optional<size_t> Cluster::leader() const {
    std::optional<std::string> agreed;
    bool any_quorum = false;
    for (const auto& s : servers_) {
        auto st = s->status();
        if (!st || st->leader.empty()) continue;
        if (agreed && *agreed != st->leader) return std::nullopt;
        agreed = st->leader;
        any_quorum = any_quorum || st->quorum;
    }
    if (!agreed || !any_quorum) return std::nullopt;
    return index_of(*agreed);
}

size_t Cluster::wait_leader(std::chrono::milliseconds bound) const {
    auto deadline = Clock::now() + bound;
    while (Clock::now() < deadline) {
        if (auto l = leader()) {
            if (auto st = at(*l).status(); st && st->quorum && st->leader == at(*l).name())
                return *l;
        }
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("no leader with quorum within " + std::to_string(bound.count()) +
                             " ms:\n" + describe());
}

void Cluster::wait_converged(std::chrono::milliseconds bound) const {
    auto deadline = Clock::now() + bound;
    while (Clock::now() < deadline) {
        std::optional<uint64_t> commit;
        bool same = true;
        for (const auto& s : servers_) {
            if (!s->running()) continue;
            auto st = s->status();
            if (!st || st->applied_index != st->commit_index ||
                (commit && *commit != st->commit_index)) {
                same = false;
                break;
            }
            commit = st->commit_index;
        }
        if (same && commit) return;
        std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("members did not converge within " + std::to_string(bound.count()) +
                             " ms:\n" + describe());
}

size_t Cluster::wait_all_follow(std::chrono::milliseconds bound) const {
    auto deadline = Clock::now() + bound;
    size_t l = wait_leader(bound);
    auto target = at(l).status();
    uint64_t commit = target ? target->commit_index : 0;
    while (Clock::now() < deadline) {
        bool all = true;
        std::string leader_name;
        for (const auto& s : servers_) {
            if (!s->running()) continue;
            auto st = s->status();
            if (!st || st->leader.empty() || !st->quorum || st->applied_index < commit ||
                (!leader_name.empty() && st->leader != leader_name)) {
                all = false;
                break;
            }
            leader_name = st->leader;
        }
        if (all && !leader_name.empty()) return *index_of(leader_name);
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("members did not all follow one leader within " +
                             std::to_string(bound.count()) + " ms:\n" + describe());
}

void Cluster::wipe_to_four_files(size_t i) {
    Server& s = at(i);
    if (s.running()) throw std::runtime_error(s.name() + " must be stopped before a restore");
    std::filesystem::remove_all(s.state);
    std::filesystem::create_directories(s.state);
    for (const auto& e : std::filesystem::directory_iterator(s.cfg())) {
        auto name = e.path().filename().string();
        if (name != "collective" && name != "myname") std::filesystem::remove_all(e.path());
    }
    for (const auto& e : std::filesystem::directory_iterator(s.etc)) {
        auto name = e.path().filename().string();
        if (name != "cfg" && name != "privkey.pem" && name != "srvcert.pem")
            std::filesystem::remove_all(e.path());
    }
}

std::string Cluster::describe() const {
    std::ostringstream o;
    for (const auto& s : servers_) {
        o << "  " << s->name() << ": ";
        if (!s->running()) {
            o << "down\n";
            continue;
        }
        if (s->paused()) {
            o << "paused\n";
            continue;
        }
        auto st = s->status();
        if (!st) {
            o << "not answering\n";
            continue;
        }
        o << "term " << st->term << " leader '" << st->leader << "' quorum " << st->quorum
          << " commit " << st->commit_index << " applied " << st->applied_index << "\n";
    }
    return o.str();
}

std::string Cluster::logs() const {
    std::string out;
    for (const auto& s : servers_) out += "==== " + s->name() + " ====\n" + s->log_tail(60);
    return out;
}

std::unique_ptr<Cluster> cluster_or_null(size_t members, Links links) {
    try {
        return std::make_unique<Cluster>(members, links);
    } catch (const NetUnavailable&) {
        return nullptr;
    }
}

std::unique_ptr<Cluster> formed_or_null(size_t members, Links links) {
    auto c = cluster_or_null(members, links);
    if (c) {
        c->start_all();
        c->form();
    }
    return c;
}

}  // namespace cc::faults
