#include "daemon/app/cfg_writer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "daemon/util/fs.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {
constexpr std::array<proto::Domain, 2> kDomains{proto::Domain::Nodes, proto::Domain::NodeGroups};
size_t slot(proto::Domain d) {
    return static_cast<size_t>(d);
}
using Clock = std::chrono::steady_clock;
}  // namespace

std::filesystem::path cfg_file(const std::filesystem::path& cfg_dir, proto::Domain d) {
    return cfg_dir / (d == proto::Domain::Nodes ? "nodes" : "nodegroups");
}

CfgWriter::CfgWriter(boost::asio::io_context& io, std::filesystem::path cfg_dir,
                     std::chrono::milliseconds interval, std::function<void(uint64_t)> on_saved)
    : io_(io), cfg_dir_(std::move(cfg_dir)), interval_(interval), on_saved_(std::move(on_saved)) {}

CfgWriter::~CfgWriter() {
    *alive_ = false;
    {
        std::lock_guard lk(mu_);
        stop_ = true;
        abandon_ = true;
        queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void CfgWriter::start() {
    thread_ = std::thread([this] { run(); });
}

void CfgWriter::enqueue(Op op) {
    {
        std::lock_guard lk(mu_);
        if (stop_) return;
        queue_.push_back(std::move(op));
    }
    cv_.notify_one();
}

void CfgWriter::command_applied(const proto::SessionCommand& c, uint64_t index) {
    enqueue(Apply{c, index});
}
void CfgWriter::index_noted(uint64_t index) {
    enqueue(Note{index});
}
void CfgWriter::install_snapshot(const state::Database& db, const std::string& bytes,
                                 uint64_t index) {
    std::lock_guard files(files_mu_);
    for (auto d : kDomains) cc::fs::write_atomic(cfg_file(cfg_dir_, d), db.render(d));
    {
        std::lock_guard lk(mu_);
        for (auto d : kDomains) written_[slot(d)] = std::max(written_[slot(d)], index);
    }
    enqueue(Install{bytes, index});
}

uint64_t CfgWriter::saved_index() const {
    std::lock_guard lk(mu_);
    return std::min(written_[0], written_[1]);
}

std::string CfgWriter::write_behind(state::Database& replica) {
    std::lock_guard files(files_mu_);
    std::array<uint64_t, 2> done;
    {
        std::lock_guard lk(mu_);
        done = written_;
    }
    auto t0 = Clock::now();
    bool rendered = false;
    try {
        for (auto d : kDomains) {
            uint64_t idx = replica.applied_index(d);
            if (idx <= done[slot(d)]) continue;
            rendered = true;
            cc::fs::write_atomic(cfg_file(cfg_dir_, d), replica.render(d));
            done[slot(d)] = idx;
        }
    } catch (const std::exception& e) {
        std::lock_guard lk(mu_);
        written_ = done;
        return e.what();
    }
    std::lock_guard lk(mu_);
    written_ = done;
    if (rendered) {
        last_render_ = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
        cc::log::debug("cfg files written up to index ", std::min(done[0], done[1]), " in ",
                       last_render_.count() / 1000, " ms");
    }
    return {};
}

void CfgWriter::run() {
    // Background work: let the daemon and storage threads have the CPU first.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
    state::Database replica;
    try {
        replica = state::Database::load(cfg_dir_);
    } catch (const std::exception& e) {
        // The daemon loaded the same files a moment ago; only a concurrent
        // edit gets here. Without a replica the files are not written.
        cc::log::error("cfg writer: ", e.what(), "; configuration files are not written");
        std::lock_guard lk(mu_);
        final_error_ = e.what();
        stopped_ = true;
        return;
    }
    {
        std::lock_guard lk(mu_);
        for (auto d : kDomains) written_[slot(d)] = replica.applied_index(d);
    }
    auto next_write = Clock::now() + interval_;
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait_until(lk, next_write, [&] { return stop_ || !queue_.empty(); });
        std::deque<Op> ops;
        ops.swap(queue_);
        bool stopping = stop_;
        if (abandon_) return;
        lk.unlock();
        for (auto& op : ops) {
            std::visit(
                [&](auto& o) {
                    using T = std::decay_t<decltype(o)>;
                    if constexpr (std::is_same_v<T, Apply>)
                        replica.apply(o.command, o.index);
                    else if constexpr (std::is_same_v<T, Note>)
                        replica.note_index(o.index);
                    else
                        replica.install_snapshot(o.bytes, o.index);
                },
                op);
        }
        if (stopping || Clock::now() >= next_write) {
            std::string error = write_behind(replica);
            if (stopping) {
                lk.lock();
                final_error_ = error;
                stopped_ = true;
                return;
            }
            if (!error.empty()) {
                if (!failing_)
                    cc::log::error(error, "; the configuration files are retried every ",
                                   interval_.count(), " ms (the log keeps every change meanwhile)");
                failing_ = true;
            } else {
                if (failing_) cc::log::info("configuration files written again");
                failing_ = false;
                uint64_t saved = saved_index();
                boost::asio::post(io_, [this, saved, alive = alive_] {
                    if (*alive && on_saved_) on_saved_(saved);
                });
            }
            // A big database is written less often: at most a tenth of a core.
            auto stretch = std::chrono::duration_cast<std::chrono::milliseconds>(last_render_ * 10);
            next_write = Clock::now() + std::max(interval_, stretch);
        }
        lk.lock();
    }
}

void CfgWriter::flush_blocking() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lk(mu_);
    if (!final_error_.empty()) throw cc::fs::FsError(final_error_);
}

}  // namespace cc::app
