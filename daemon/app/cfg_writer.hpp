// CfgWriter: keeps cfg/nodes and cfg/nodegroups in step with the applied
// state. Every interval, each domain whose applied index moved past what its
// file holds is rendered to TOML on the daemon thread (the Database is not
// thread-safe) and written atomically on a background thread, so a slow disk
// or a big file never stalls the API. When a round is durable, on_saved(I) is
// called with the smallest index the files now hold (the log can be
// compacted up to it).
//
// A failed write (full disk, read-only dir) is logged once per streak and
// retried next round; the files on disk stay intact (atomic replace).
//
// Threading: construct, call and destroy on the daemon thread.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "daemon/state/database.hpp"

namespace cc::app {

// The file of a domain under cfg/.
std::filesystem::path cfg_file(const std::filesystem::path& cfg_dir, proto::Domain d);

class CfgWriter {
  public:
    CfgWriter(boost::asio::io_context& io, std::filesystem::path cfg_dir, state::Database& db,
              std::chrono::milliseconds interval, std::function<void(uint64_t)> on_saved);
    ~CfgWriter();
    CfgWriter(const CfgWriter&) = delete;
    CfgWriter& operator=(const CfgWriter&) = delete;

    void start();
    // Shutdown: stops the timer, waits for a write in progress, then writes
    // every domain that is behind, on this thread. Throws cc::fs::FsError.
    void flush_blocking();

    // Smallest index the files hold.
    uint64_t saved_index() const;
    // Time the last round spent rendering on the daemon thread.
    std::chrono::microseconds last_render_time() const { return last_render_; }

  private:
    struct Job {
        std::array<std::string, 2> text;      // per domain, empty when not written
        std::array<uint64_t, 2> index{0, 0};  // index each text reflects
    };
    Job render_behind();
    void arm();
    void round();
    void finished(const Job& job, const std::string& error);

    boost::asio::io_context& io_;
    std::filesystem::path cfg_dir_;
    state::Database& db_;
    std::chrono::milliseconds interval_;
    std::function<void(uint64_t)> on_saved_;
    boost::asio::steady_timer timer_;
    boost::asio::thread_pool pool_{1};
    std::array<uint64_t, 2> written_{0, 0};
    bool writing_ = false;
    bool stopped_ = false;
    bool failing_ = false;
    std::chrono::microseconds last_render_{0};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::app
