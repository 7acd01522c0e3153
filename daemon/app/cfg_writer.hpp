// CfgWriter: keeps cfg/nodes and cfg/nodegroups in step with the applied
// state without ever rendering on the daemon thread.
//
// Rendering 100,000 nodes takes most of a second, so the writer keeps its own
// replica of the node database on its own thread: it loads the cfg/ files at
// start and is fed, in log order, every command, index and snapshot the
// daemon's Database sees (applying is deterministic, so the replica equals
// the daemon's state at the same index). Every interval (stretched to ten
// times the last render time, so a big database costs at most a tenth of a
// core) each domain that moved past its file is rendered and written
// atomically; then on_saved(I) is posted to the daemon thread with the
// smallest index the files hold, up to which the log may be compacted.
//
// A failed write (full disk, read-only dir) is logged once per streak and
// retried next round; the files on disk stay intact (atomic replace).
//
// A snapshot from the leader is the one write made on the daemon thread (it
// must be durable before it is acknowledged): serialized with the thread's
// writes, and the thread never writes an older state over it.
//
// Threading: every public method is called on the daemon thread; on_saved
// runs there too (posted). The replica lives on the writer's own thread.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "daemon/app/raft_driver.hpp"
#include "daemon/state/database.hpp"

namespace cc::app {

// The file of a domain under cfg/.
std::filesystem::path cfg_file(const std::filesystem::path& cfg_dir, proto::Domain d);

class CfgWriter final : public ApplyListener {
  public:
    CfgWriter(boost::asio::io_context& io, std::filesystem::path cfg_dir,
              std::chrono::milliseconds interval, std::function<void(uint64_t)> on_saved);
    // Stops the thread without writing (use flush_blocking for a clean stop).
    ~CfgWriter() override;
    CfgWriter(const CfgWriter&) = delete;
    CfgWriter& operator=(const CfgWriter&) = delete;

    // Starts the writer thread, which loads its replica from the cfg/ files.
    void start();
    // Shutdown: applies everything queued, writes every domain that is
    // behind, stops the thread. Throws cc::fs::FsError (or the replica's
    // load error) when the files could not be written.
    void flush_blocking();

    // ApplyListener: called by the raft driver right after the daemon's
    // Database saw the same event.
    void command_applied(const proto::SessionCommand& c, uint64_t index) override;
    void index_noted(uint64_t index) override;
    void install_snapshot(const state::Database& db, const std::string& bytes,
                          uint64_t index) override;

    // Smallest index the files hold (after flush_blocking: the final one).
    uint64_t saved_index() const;

  private:
    struct Apply {
        proto::SessionCommand command;
        uint64_t index;
    };
    struct Note {
        uint64_t index;
    };
    struct Install {
        std::string bytes;
        uint64_t index;
    };
    using Op = std::variant<Apply, Note, Install>;

    void enqueue(Op op);
    void run();
    // Writes the domains that are behind; returns the error text, if any.
    std::string write_behind(state::Database& replica);

    boost::asio::io_context& io_;
    std::filesystem::path cfg_dir_;
    std::chrono::milliseconds interval_;
    std::function<void(uint64_t)> on_saved_;
    std::thread thread_;
    mutable std::mutex mu_;
    // Held while cfg/nodes or cfg/nodegroups is written, by the writer thread
    // or by install_snapshot on the daemon thread (taken before mu_).
    std::mutex files_mu_;
    std::condition_variable cv_;
    std::deque<Op> queue_;
    bool stop_ = false;
    bool stopped_ = false;
    bool abandon_ = false;     // destructor: stop without writing
    std::string final_error_;  // set by the thread when the final write failed
    std::array<uint64_t, 2> written_{0, 0};
    bool failing_ = false;
    std::chrono::microseconds last_render_{0};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::app
