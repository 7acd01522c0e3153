#include "daemon/app/cfg_writer.hpp"

#include <malloc.h>
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

CfgWriter::CfgWriter(boost::asio::io_context& io, const state::Database& db,
                     std::filesystem::path cfg_dir, std::chrono::milliseconds interval,
                     std::function<void(uint64_t)> on_saved)
    : io_(io),
      db_(db),
      cfg_dir_(std::move(cfg_dir)),
      interval_(interval),
      on_saved_(std::move(on_saved)) {}

CfgWriter::~CfgWriter() {
    *alive_ = false;
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void CfgWriter::start() {
    for (auto d : kDomains) written_[slot(d)] = db_.saved_index(d);
    thread_ = std::thread([this] { run(); });
}

void CfgWriter::install_snapshot(const state::Database& db, const std::string&, uint64_t index) {
    std::lock_guard files(files_mu_);
    // 0600: nodes and groups hold secret.* attributes (docs/ARCHITECTURE.md, Files).
    for (auto d : kDomains) cc::fs::write_atomic(cfg_file(cfg_dir_, d), db.render(d), 0600);
    std::lock_guard lk(mu_);
    for (auto d : kDomains) written_[slot(d)] = std::max(written_[slot(d)], index);
}

uint64_t CfgWriter::saved_index() const {
    std::lock_guard lk(mu_);
    return std::min(written_[0], written_[1]);
}

void CfgWriter::hand_over() {
    std::array<uint64_t, 2> written;
    {
        std::lock_guard lk(mu_);
        if (!requested_ || stop_) return;
        written = written_;
    }
    bool behind = false;
    for (auto d : kDomains) behind = behind || db_.applied_index(d) > written[slot(d)];
    std::optional<state::Database> copy;
    if (behind) copy = db_.copy();
    {
        std::lock_guard lk(mu_);
        requested_ = false;
        answered_ = true;
        copy_ = std::move(copy);
    }
    cv_.notify_all();
}

std::string CfgWriter::write_behind(const state::Database& db) {
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
            uint64_t idx = db.applied_index(d);
            if (idx <= done[slot(d)]) continue;
            rendered = true;
            cc::fs::write_atomic_stream(
                cfg_file(cfg_dir_, d), [&](const cc::fs::Emit& emit) { db.render_to(d, emit); },
                0600);  // secret.* attributes
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
    auto next_write = Clock::now() + interval_;
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait_until(lk, next_write, [&] { return stop_; });
        if (stop_) return;  // flush_blocking writes the rest on the daemon thread
        if (Clock::now() < next_write) continue;
        // Ask the daemon thread for a copy of the state.
        requested_ = true;
        answered_ = false;
        boost::asio::post(io_, [this, alive = alive_] {
            if (*alive) hand_over();
        });
        cv_.wait(lk, [&] { return stop_ || answered_; });
        if (stop_) return;
        std::optional<state::Database> copy = std::move(copy_);
        copy_.reset();
        lk.unlock();
        if (copy) {
            std::string error = write_behind(*copy);
            // Destroyed where it was made (see state::Entity); then the heap
            // it and the rendering freed goes back to the system (glibc
            // keeps freed memory otherwise: a big database's RSS grew by a
            // quarter from the rounds' leftovers).
            boost::asio::post(io_,
                              [c = std::make_shared<state::Database>(std::move(*copy))]() mutable {
                                  c.reset();
                                  ::malloc_trim(0);
                              });
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
        }
        // A big database is written less often: at most a tenth of a core.
        auto stretch = std::chrono::duration_cast<std::chrono::milliseconds>(last_render_ * 10);
        next_write = Clock::now() + std::max(interval_, stretch);
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
    // Whatever copy the thread was handed is dropped here, on this thread.
    copy_.reset();
    std::string error = write_behind(db_);
    if (!error.empty()) throw cc::fs::FsError(error);
}

}  // namespace cc::app
