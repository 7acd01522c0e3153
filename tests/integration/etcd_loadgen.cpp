// cc_etcd_loadgen: etcd's side of scripts/bench-etcd.sh (a benchmark tool,
// not a test; not in the default build). It is cc_loadgen's counterpart for
// etcd v3: the same modes, output lines and key pattern, through etcd's
// normal client path, its gRPC API (etcdserverpb.KV/Put,
// etcdserverpb.Maintenance/Status), one TCP connection (gRPC channel) per
// client. The few protobuf fields needed are encoded by hand, so no .proto
// file or protoc is involved.
//
//   cc_etcd_loadgen --endpoint A:P writes --clients N --seconds T [--value-size S] [--count C]
//       N clients, each putting its own key (/nodes/ldg<i>/bench.counter) in
//       a loop, each put acknowledged (committed and applied; etcd fsyncs).
//       With --count C (> 0) the clients stop after C puts in all instead.
//       Prints: clients=N writes=W seconds=T writes_per_s=X p50_ms=Y p99_ms=Z
//   cc_etcd_loadgen --endpoint A:P seq --stop-file F [--retry-ms 25] [--max-seconds 300]
//       one client, one connection: puts /nodes/n1/custom.x = 1, 2, 3, ...;
//       a failed put is retried (same value) after --retry-ms. One line per
//       attempt: "<start> <end> <code> [message]" (CLOCK_REALTIME seconds,
//       code 0 = acknowledged, else the gRPC status code). Stops when F exists.
//   cc_etcd_loadgen --endpoint A:P probe --stop-file F [--interval-ms 25] [--max-seconds 300]
//       every --interval-ms a new client (its own connection) puts
//       /nodes/n1/custom.p = k, without waiting for the earlier ones. One
//       line per finished probe: "<launch> <end> <code> [message]".
//   cc_etcd_loadgen --endpoint A:P status
//       Prints: member=ID leader=ID revision=R raft_index=I raft_applied_index=J
//   cc_etcd_loadgen --endpoint A:P wait-revision --revision R [--max-seconds 300]
//       polls Status every 10 ms until the member's revision is >= R (it may
//       still be starting); exits 0 then, 1 after --max-seconds.
//       Prints: revision=R first_answer=<CLOCK_REALTIME seconds of its first answer>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

namespace {

// ---- the few protobuf wire-format pieces needed ----

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_bytes_field(std::string& out, int field, const std::string& bytes) {
    put_varint(out, (static_cast<uint64_t>(field) << 3) | 2);
    put_varint(out, bytes.size());
    out += bytes;
}

bool get_varint(const std::string& in, size_t& pos, uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
        auto b = static_cast<uint8_t>(in[pos++]);
        v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

// Top-level fields of a message: varints by field number, and
// length-delimited ones as their bytes. Other wire types are skipped.
struct Fields {
    std::map<int, uint64_t> varints;
    std::map<int, std::string> bytes;
};

Fields parse(const std::string& in) {
    Fields f;
    size_t pos = 0;
    while (pos < in.size()) {
        uint64_t key = 0, v = 0;
        if (!get_varint(in, pos, key)) break;
        int field = static_cast<int>(key >> 3);
        switch (key & 7) {
            case 0:
                if (!get_varint(in, pos, v)) return f;
                f.varints[field] = v;
                break;
            case 1:
                pos += 8;
                break;
            case 2:
                if (!get_varint(in, pos, v) || pos + v > in.size()) return f;
                f.bytes[field] = in.substr(pos, v);
                pos += v;
                break;
            case 5:
                pos += 4;
                break;
            default:
                return f;
        }
    }
    return f;
}

// ---- one etcd client: one gRPC channel, its own TCP connection ----

class Etcd {
  public:
    explicit Etcd(const std::string& endpoint) {
        grpc::ChannelArguments args;
        // Without this every channel to the same address shares one
        // connection; each client gets its own, as cc_loadgen's clients do.
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        channel_ = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
        put_ = std::make_unique<grpc::internal::RpcMethod>(
            "/etcdserverpb.KV/Put", grpc::internal::RpcMethod::NORMAL_RPC, channel_);
        status_ = std::make_unique<grpc::internal::RpcMethod>(
            "/etcdserverpb.Maintenance/Status", grpc::internal::RpcMethod::NORMAL_RPC, channel_);
    }

    // PutRequest{key = 1, value = 2}.
    grpc::Status put(const std::string& key, const std::string& value, double timeout_s) {
        std::string req;
        put_bytes_field(req, 1, key);
        put_bytes_field(req, 2, value);
        std::string resp;
        return call(*put_, req, resp, timeout_s);
    }

    // StatusResponse{header = 1 {member_id = 2, revision = 3}, leader = 4,
    // raftIndex = 5, raftAppliedIndex = 7}.
    struct Status {
        uint64_t member = 0, leader = 0, revision = 0, raft_index = 0, raft_applied = 0;
    };
    grpc::Status status(Status& s, double timeout_s) {
        std::string resp;
        auto st = call(*status_, std::string(), resp, timeout_s);
        if (!st.ok()) return st;
        auto top = parse(resp);
        auto header = parse(top.bytes[1]);
        s.member = header.varints[2];
        s.revision = header.varints[3];
        s.leader = top.varints[4];
        s.raft_index = top.varints[5];
        s.raft_applied = top.varints[7];
        return st;
    }

  private:
    grpc::Status call(const grpc::internal::RpcMethod& method, const std::string& req,
                      std::string& resp, double timeout_s) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             std::chrono::duration<double>(timeout_s)));
        grpc::Slice slice(req);
        grpc::ByteBuffer in(&slice, 1), out;
        auto st = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
            channel_.get(), method, &ctx, in, &out);
        if (st.ok()) {
            std::vector<grpc::Slice> slices;
            (void)out.Dump(&slices);
            resp.clear();
            for (auto& s : slices) resp.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
        return st;
    }

    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<grpc::internal::RpcMethod> put_, status_;
};

// Longest wait for one put, as the confluent tools wait for an answer.
constexpr double kTimeout = 30;

std::string value_of(uint64_t n, int size) {
    auto v = std::to_string(n);
    if (static_cast<int>(v.size()) < size) v.append(static_cast<size_t>(size) - v.size(), 'x');
    return v;
}

double now_real() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

int writes(const std::string& endpoint, int clients, double seconds, int value_size,
           uint64_t count) {
    std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
    std::atomic<bool> failed{false};
    std::atomic<uint64_t> claimed{0};
    auto end = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    auto t0 = Clock::now();
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            Etcd c(endpoint);
            auto key = "/nodes/ldg" + std::to_string(i + 1) + "/bench.counter";
            for (uint64_t n = 0;; ++n) {
                if (count > 0 ? claimed.fetch_add(1) >= count : Clock::now() >= end) break;
                auto s = Clock::now();
                auto st = c.put(key, value_of(n, value_size), kTimeout);
                if (!st.ok()) {
                    std::cerr << "client " << i << ": " << st.error_code() << " "
                              << st.error_message() << "\n";
                    failed = true;
                    return;
                }
                lat[static_cast<size_t>(i)].push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - s).count());
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

std::mutex out_mu;
void attempt_line(double start, double end, const grpc::Status& st) {
    std::lock_guard lk(out_mu);
    std::printf("%.6f %.6f %d", start, end, static_cast<int>(st.error_code()));
    if (!st.ok()) std::printf(" %s", one_line(st.error_message()).c_str());
    std::printf("\n");
    std::fflush(stdout);
}

bool stop_now(const std::string& stop_file, Clock::time_point deadline) {
    return std::filesystem::exists(stop_file) || Clock::now() >= deadline;
}

Clock::time_point after(double seconds) {
    return Clock::now() +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int seq(const std::string& endpoint, const std::string& stop_file, int retry_ms,
        double max_seconds) {
    Etcd c(endpoint);
    auto deadline = after(max_seconds);
    uint64_t n = 1;
    while (!stop_now(stop_file, deadline)) {
        double s = now_real();
        auto st = c.put("/nodes/n1/custom.x", std::to_string(n), kTimeout);
        attempt_line(s, now_real(), st);
        if (st.ok())
            ++n;
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms));
    }
    return 0;
}

int probe(const std::string& endpoint, const std::string& stop_file, int interval_ms,
          double max_seconds) {
    auto deadline = after(max_seconds);
    std::atomic<int> in_flight{0};
    auto next = Clock::now();
    for (uint64_t k = 1; !stop_now(stop_file, deadline); ++k) {
        ++in_flight;
        std::thread([&in_flight, endpoint, k] {
            double s = now_real();
            Etcd c(endpoint);
            auto st = c.put("/nodes/n1/custom.p", std::to_string(k), kTimeout);
            attempt_line(s, now_real(), st);
            --in_flight;
        }).detach();
        next += std::chrono::milliseconds(interval_ms);
        std::this_thread::sleep_until(next);
    }
    // Let the probes in flight finish for a moment, then leave without them.
    auto grace = after(2);
    while (in_flight > 0 && Clock::now() < grace)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lk(out_mu);
    std::fflush(stdout);
    std::_Exit(0);
}

int status(const std::string& endpoint) {
    Etcd c(endpoint);
    Etcd::Status s;
    auto st = c.status(s, 5);
    if (!st.ok()) {
        std::cerr << "cc_etcd_loadgen: status: " << st.error_message() << "\n";
        return 1;
    }
    std::cout << std::hex << "member=" << s.member << " leader=" << s.leader << std::dec
              << " revision=" << s.revision << " raft_index=" << s.raft_index
              << " raft_applied_index=" << s.raft_applied << "\n";
    return 0;
}

int wait_revision(const std::string& endpoint, uint64_t revision, double max_seconds) {
    Etcd c(endpoint);
    auto deadline = after(max_seconds);
    double first_answer = 0;
    while (Clock::now() < deadline) {
        Etcd::Status s;
        if (c.status(s, 1).ok()) {
            if (first_answer == 0) first_answer = now_real();
            if (s.revision >= revision) {
                std::cout << std::fixed << std::setprecision(6) << "revision=" << s.revision
                          << " first_answer=" << first_answer << "\n";
                return 0;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::cerr << "cc_etcd_loadgen: revision " << revision << " not reached\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("cc_etcd_loadgen");
    // clang-format off
    opts.add_options()
        ("endpoint", po::value<std::string>()->required(), "etcd client address A:P")
        ("mode", po::value<std::string>()->required(), "writes, seq, probe, status or wait-revision")
        ("clients", po::value<int>()->default_value(1), "concurrent clients (writes)")
        ("seconds", po::value<double>()->default_value(5), "duration (writes)")
        ("count", po::value<uint64_t>()->default_value(0), "puts in all, instead of --seconds (writes)")
        ("value-size", po::value<int>()->default_value(0), "pad each value to this many bytes (writes)")
        ("stop-file", po::value<std::string>(), "stop when this file exists (seq, probe)")
        ("retry-ms", po::value<int>()->default_value(25), "pause before retrying a failed put (seq)")
        ("interval-ms", po::value<int>()->default_value(25), "time between probes (probe)")
        ("max-seconds", po::value<double>()->default_value(300), "longest run (seq, probe, wait-revision)")
        ("revision", po::value<uint64_t>()->default_value(0), "revision to wait for (wait-revision)");
    // clang-format on
    po::positional_options_description pos;
    pos.add("mode", 1);
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
        auto endpoint = vm["endpoint"].as<std::string>();
        auto mode = vm["mode"].as<std::string>();
        auto stop_file = vm.count("stop-file") ? vm["stop-file"].as<std::string>() : std::string();
        auto max_seconds = vm["max-seconds"].as<double>();
        if (mode == "writes")
            return writes(endpoint, vm["clients"].as<int>(), vm["seconds"].as<double>(),
                          vm["value-size"].as<int>(), vm["count"].as<uint64_t>());
        if ((mode == "seq" || mode == "probe") && stop_file.empty()) {
            std::cerr << "cc_etcd_loadgen: " << mode << " needs --stop-file\n";
            return 1;
        }
        if (mode == "seq") return seq(endpoint, stop_file, vm["retry-ms"].as<int>(), max_seconds);
        if (mode == "probe")
            return probe(endpoint, stop_file, vm["interval-ms"].as<int>(), max_seconds);
        if (mode == "status") return status(endpoint);
        if (mode == "wait-revision")
            return wait_revision(endpoint, vm["revision"].as<uint64_t>(), max_seconds);
        std::cerr << "cc_etcd_loadgen: unknown mode " << mode << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "cc_etcd_loadgen: " << e.what() << "\n";
        return 1;
    }
}
