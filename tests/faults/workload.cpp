#include "tests/faults/workload.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "cli/client.hpp"

namespace cc::faults {

namespace {

using namespace std::chrono_literals;

constexpr const char* kValueAttr = "fault.v";

std::string value_of(const proto::ApiObjects& objects, const std::string& key) {
    for (const auto& o : objects.objects) {
        if (o.name != key) continue;
        for (const auto& a : o.attributes)
            if (a.name == kValueAttr) return a.value;
    }
    return "";
}

}  // namespace

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Workload::Workload(Cluster& cluster, WorkloadOptions options)
    : cluster_(cluster),
      opt_(options),
      enabled_(new std::atomic<bool>[cluster.size()]),
      started_(new std::atomic<uint64_t>[cluster.size() * options.keys_per_member]) {
    for (size_t m = 0; m < cluster_.size(); ++m) enabled_[m] = true;
    for (size_t i = 0; i < cluster_.size() * opt_.keys_per_member; ++i) started_[i] = 0;
}

Workload::~Workload() {
    stop();
}

std::string Workload::node(size_t member, size_t j, uint64_t e) const {
    return "f" + std::to_string(member + 1) + "k" + std::to_string(j + 1) + "e" +
           std::to_string(e + 1);
}

std::string Workload::next_node(size_t member, size_t j) {
    uint64_t n = started_[member * opt_.keys_per_member + j]++;
    if (n / kOpsPerNode >= opt_.nodes_per_key) return "";
    return node(member, j, n / kOpsPerNode);
}

std::vector<std::string> Workload::keys() const {
    std::vector<std::string> out;
    for (size_t m = 0; m < cluster_.size(); ++m)
        for (size_t j = 0; j < opt_.keys_per_member; ++j) {
            uint64_t n = started_[m * opt_.keys_per_member + j];
            uint64_t used =
                std::min<uint64_t>(opt_.nodes_per_key, (n + kOpsPerNode - 1) / kOpsPerNode);
            for (uint64_t e = 0; e < used; ++e) out.push_back(node(m, j, e));
        }
    return out;
}

void Workload::start() {
    for (size_t m = 0; m < cluster_.size(); ++m)
        for (size_t j = 0; j < opt_.keys_per_member; ++j) {
            proto::DefineNodes def;
            auto prefix = node(m, j, 0);
            def.noderange = prefix.substr(0, prefix.size() - 1) + "[1-" +
                            std::to_string(opt_.nodes_per_key) + "]";
            auto r = cluster_.at(0).call(proto::ApiWrite{def});
            auto* done = std::get_if<proto::ApiWriteDone>(&r);
            if (!done || !done->result.ok())
                throw std::runtime_error("cannot define the workload's nodes " + def.noderange);
        }
    for (size_t m = 0; m < cluster_.size(); ++m)
        for (size_t c = 0; c < opt_.clients_per_member; ++c)
            threads_.emplace_back([this, m, c] { client(m, c); });
}

void Workload::stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void Workload::set_enabled(size_t member, bool enabled) {
    enabled_[member] = enabled;
}

std::vector<Op> Workload::history() const {
    std::lock_guard lk(mu_);
    return ops_;
}

void Workload::record(Op op) {
    std::lock_guard lk(mu_);
    ops_.push_back(std::move(op));
}

Op Workload::write_once(size_t member) {
    Op op = do_write(member, next_node(member, 0));
    record(op);
    return op;
}

Op Workload::do_write(size_t member, const std::string& k) {
    Op op;
    op.id = next_id();
    op.member = member;
    op.key = k;
    op.write = true;
    op.value = std::to_string(op.id);
    proto::SetNodeAttributes set;
    set.noderange = k;
    set.attributes[kValueAttr] = op.value;
    set.attributes["fault.w" + op.value] = "1";
    op.call_ns = now_ns();
    try {
        auto r = cluster_.at(member).call(proto::ApiWrite{set});
        op.ret_ns = now_ns();
        if (auto* done = std::get_if<proto::ApiWriteDone>(&r)) {
            op.outcome = done->result.ok() ? Outcome::Ok : Outcome::Failed;
            op.error = done->result.message;
        } else if (auto* e = std::get_if<proto::ApiError>(&r)) {
            // Every outcome but Unknown says nothing was changed (proto/outcome.hpp);
            // e.g. a failed log write in a collective is Unknown, since the
            // followers may still commit the entry.
            bool definite = proto::exit_status(e->code) != proto::ExitStatus::Unknown;
            op.outcome = definite ? Outcome::Failed : Outcome::Unknown;
            op.error = e->message;
        } else {
            op.outcome = Outcome::Unknown;
            op.error = "unexpected answer to a write";
        }
    } catch (const std::exception& e) {
        op.ret_ns = now_ns();
        op.outcome = Outcome::Unknown;
        op.error = e.what();
    }
    if (op.outcome == Outcome::Ok) {
        ++acked_;
        last_ack_ns_ = op.ret_ns;
    }
    if (op.outcome == Outcome::Failed) ++refused_;
    return op;
}

Op Workload::do_read(size_t member, const std::string& k) {
    Op op;
    op.id = next_id();
    op.member = member;
    op.key = k;
    proto::ApiNodeQuery q;
    q.noderange = k;
    q.attributes = {kValueAttr};
    op.call_ns = now_ns();
    try {
        auto r = cluster_.at(member).call(q);
        op.ret_ns = now_ns();
        if (auto* objs = std::get_if<proto::ApiObjects>(&r)) {
            op.outcome = Outcome::Ok;
            op.value = value_of(*objs, k);
        } else {
            op.outcome = Outcome::Failed;
            if (auto* e = std::get_if<proto::ApiError>(&r)) op.error = e->message;
        }
    } catch (const std::exception& e) {
        op.ret_ns = now_ns();
        op.outcome = Outcome::Unknown;
        op.error = e.what();
    }
    return op;
}

void Workload::client(size_t member, size_t index) {
    std::mt19937_64 rng(opt_.seed * 1000003 + member * 101 + index);
    while (!stop_) {
        if (!enabled_[member] || !cluster_.at(member).running()) {
            std::this_thread::sleep_for(10ms);
            continue;
        }
        auto k = next_node(member, rng() % opt_.keys_per_member);
        if (k.empty()) {  // every node of this key is used up
            std::this_thread::sleep_for(10ms);
            continue;
        }
        bool write = rng() % 100 < opt_.write_percent;
        Op op = write ? do_write(member, k) : do_read(member, k);
        bool unreachable =
            op.outcome == Outcome::Unknown && op.error.find("cannot reach") != std::string::npos;
        // Nothing was sent when the daemon could not be reached: not an operation.
        if (!unreachable) record(std::move(op));
        std::this_thread::sleep_for(unreachable ? 20ms : opt_.think);
    }
}

}  // namespace cc::faults
