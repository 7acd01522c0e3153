// CfgWriter: keeps cfg/nodes and cfg/nodegroups in step with the applied
// state without rendering on the daemon thread, and without a second node
// database.
//
// Rendering 100,000 nodes takes most of a second, so it happens on the
// writer's own thread, from a copy of the daemon's Database made on the
// daemon thread when the writer asks for one (Database::copy: copy-on-write,
// a pointer per entity; an entity changed meanwhile gets its own list). Every
// interval (stretched to ten times the last render time, so a big database
// costs at most a tenth of a core) the writer asks; if a domain moved past
// its file, it renders and writes that file atomically, hands the copy back
// to the daemon thread to be destroyed (copies are made and destroyed there,
// see state::Entity), and posts on_saved(I) with the smallest index the files
// hold, up to which the log may be compacted.
//
// A failed write (full disk, read-only dir) is logged once per streak and
// retried next round; the files on disk stay intact (atomic replace).
//
// A snapshot from the leader is the one write made on the daemon thread (it
// must be durable before it is acknowledged): serialized with the thread's
// writes, and the thread never writes an older state over it.
//
// Threading: every public method is called on the daemon thread; on_saved
// and the copies run there too (posted).
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/app/raft_driver.hpp"
#include "daemon/state/database.hpp"

namespace cc::app {

// The file of a domain under cfg/.
std::filesystem::path cfg_file(const std::filesystem::path& cfg_dir, proto::Domain d);

class CfgWriter final : public ApplyListener {
  public:
    // `db` is the daemon's database (read on the daemon thread only).
    CfgWriter(boost::asio::io_context& io, const state::Database& db, std::filesystem::path cfg_dir,
              std::chrono::milliseconds interval, std::function<void(uint64_t)> on_saved);
    // Stops the thread without writing (use flush_blocking for a clean stop).
    ~CfgWriter() override;
    CfgWriter(const CfgWriter&) = delete;
    CfgWriter& operator=(const CfgWriter&) = delete;

    // Starts the writer thread; the files hold what the database loaded.
    void start();
    // Shutdown: stops the thread, then writes every domain that is behind,
    // here. Throws cc::fs::FsError when the files could not be written.
    void flush_blocking();

    // ApplyListener (applied changes need no bookkeeping: the writer reads
    // the database itself when it asks for a copy).
    void install_snapshot(const state::Database& db, const std::string& bytes,
                          uint64_t index) override;

    // Smallest index the files hold (after flush_blocking: the final one).
    uint64_t saved_index() const;

  private:
    void run();
    // Daemon thread: answers the writer's request with a copy, or with none
    // when every file already holds the state.
    void hand_over();
    // Writes the domains of `db` that are behind; returns the error text, if any.
    std::string write_behind(const state::Database& db);

    boost::asio::io_context& io_;
    const state::Database& db_;
    std::filesystem::path cfg_dir_;
    std::chrono::milliseconds interval_;
    std::function<void(uint64_t)> on_saved_;
    std::thread thread_;
    mutable std::mutex mu_;
    // Held while cfg/nodes or cfg/nodegroups is written, by the writer thread
    // or by install_snapshot on the daemon thread (taken before mu_).
    std::mutex files_mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool requested_ = false;               // the writer waits for hand_over()
    bool answered_ = false;                // hand_over() ran for the request
    std::optional<state::Database> copy_;  // its copy, when one was needed
    std::array<uint64_t, 2> written_{0, 0};
    bool failing_ = false;
    std::chrono::microseconds last_render_{0};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::app
