#include "daemon/app/cfg_writer.hpp"

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
}  // namespace

std::filesystem::path cfg_file(const std::filesystem::path& cfg_dir, proto::Domain d) {
    return cfg_dir / (d == proto::Domain::Nodes ? "nodes" : "nodegroups");
}

CfgWriter::CfgWriter(boost::asio::io_context& io, std::filesystem::path cfg_dir,
                     state::Database& db, std::chrono::milliseconds interval,
                     std::function<void(uint64_t)> on_saved)
    : io_(io),
      cfg_dir_(std::move(cfg_dir)),
      db_(db),
      interval_(interval),
      on_saved_(std::move(on_saved)),
      timer_(io) {
    for (auto d : kDomains) written_[slot(d)] = db_.applied_index(d);
}

CfgWriter::~CfgWriter() {
    *alive_ = false;
    timer_.cancel();
    pool_.join();
}

void CfgWriter::start() {
    arm();
}

uint64_t CfgWriter::saved_index() const {
    return std::min(written_[0], written_[1]);
}

void CfgWriter::arm() {
    if (stopped_) return;
    timer_.expires_after(interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        round();
        arm();
    });
}

CfgWriter::Job CfgWriter::render_behind() {
    auto t0 = std::chrono::steady_clock::now();
    Job job;
    for (auto d : kDomains) {
        uint64_t idx = db_.applied_index(d);
        if (idx <= written_[slot(d)]) continue;
        job.text[slot(d)] = db_.render(d);
        job.index[slot(d)] = idx;
    }
    last_render_ = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    return job;
}

void CfgWriter::round() {
    if (writing_) return;
    Job job = render_behind();
    if (job.index[0] == 0 && job.index[1] == 0) return;
    if (last_render_ > std::chrono::milliseconds(50))
        cc::log::debug("rendering cfg files took ", last_render_.count() / 1000, " ms");
    writing_ = true;
    auto shared = std::make_shared<Job>(std::move(job));
    boost::asio::post(pool_, [this, shared, alive = alive_, dir = cfg_dir_] {
        std::string error;
        try {
            for (auto d : kDomains)
                if (shared->index[slot(d)])
                    cc::fs::write_atomic(cfg_file(dir, d), shared->text[slot(d)]);
        } catch (const std::exception& e) {
            error = e.what();
        }
        boost::asio::post(io_, [this, shared, alive, error] {
            if (*alive) finished(*shared, error);
        });
    });
}

void CfgWriter::finished(const Job& job, const std::string& error) {
    writing_ = false;
    if (!error.empty()) {
        if (!failing_)
            cc::log::error(error, "; the configuration files are retried every ", interval_.count(),
                           " ms (the log keeps every change meanwhile)");
        failing_ = true;
        return;
    }
    if (failing_) cc::log::info("configuration files written again after the earlier failure");
    failing_ = false;
    for (auto d : kDomains)
        if (job.index[slot(d)]) written_[slot(d)] = job.index[slot(d)];
    if (on_saved_) on_saved_(saved_index());
}

void CfgWriter::flush_blocking() {
    stopped_ = true;
    timer_.cancel();
    pool_.join();  // a write in progress finishes; its completion is not needed
    Job job = render_behind();
    for (auto d : kDomains) {
        if (!job.index[slot(d)]) continue;
        cc::fs::write_atomic(cfg_file(cfg_dir_, d), job.text[slot(d)]);
        written_[slot(d)] = job.index[slot(d)];
    }
}

}  // namespace cc::app
