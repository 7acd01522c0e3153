#include "daemon/collective/recovery.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "daemon/util/log.hpp"

namespace cc::collective {

namespace {

proto::ApiError error(proto::Outcome code, std::string message) {
    return proto::ApiError{code, proto::text_or_default(code, message)};
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

// As long as a write may take (raft::Config::proposal_timeout).
constexpr auto kCommitWait = std::chrono::seconds(5);
constexpr auto kPollEvery = std::chrono::milliseconds(50);

}  // namespace

struct Recovery::Wait {
    explicit Wait(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
    uint64_t index = 0;
    uint64_t term = 0;
    std::string done_text;
    Reply reply;
};

Recovery::Recovery(boost::asio::io_context& io, ConsensusAccess& consensus, std::string my_name)
    : io_(io), consensus_(consensus), my_name_(std::move(my_name)) {}

Recovery::~Recovery() {
    *alive_ = false;
}

void Recovery::recover(const proto::ApiRecover& request, bool in_collective, Reply reply) {
    if (!in_collective) {
        reply(error(proto::Outcome::Refused,
                    "this server is not in a collective; there is nothing to recover"));
        return;
    }
    auto plan = consensus_.recovery_plan();
    if (auto* why = std::get_if<std::string>(&plan)) {
        reply(error(proto::Outcome::Refused, *why + "; nothing was changed"));
        return;
    }
    auto& p = std::get<raft::RecoveryPlan>(plan);
    std::vector<std::string> keep;
    for (const auto& m : p.survivors.members) keep.push_back(m.name);
    if (!request.confirm) {
        reply(proto::ApiRecoverPlan{my_name_, keep, p.dropped, p.last_index, p.last_term});
        return;
    }
    if (p.dropped != request.dropped) {
        reply(error(proto::Outcome::Refused,
                    "the reachable members changed since the plan was shown (it would now drop " +
                        joined(p.dropped) +
                        "); run collective recover again; nothing was changed"));
        return;
    }
    if (auto why = consensus_.force_recover(p.survivors)) {
        reply(error(proto::Outcome::Refused, *why + "; nothing was changed"));
        return;
    }
    auto st = consensus_.consensus_status();
    cc::log::warn("collective recover on ", my_name_, ": dropped ", joined(p.dropped),
                  "; the member list is now ", joined(keep), " from index ", st.last_index,
                  " of term ", st.term, " (entries after ", p.last_index,
                  " held only by dropped members are lost)");
    auto w = std::make_shared<Wait>(io_);
    w->deadline = std::chrono::steady_clock::now() + kCommitWait;
    w->index = st.last_index;
    w->term = st.term;
    w->done_text = "Recovered: the collective is now " + joined(keep) + " (dropped " +
                   joined(p.dropped) + "); a dropped member must be wiped and invited again";
    w->reply = std::move(reply);
    poll(std::move(w));
}

void Recovery::poll(std::shared_ptr<Wait> w) {
    auto st = consensus_.consensus_status();
    if (st.term != w->term) {
        w->reply(error(proto::Outcome::Unknown,
                       "leadership changed before the new member list was committed; check "
                       "collective show"));
        return;
    }
    if (st.commit_index >= w->index && st.applied_index >= w->index) {
        cc::log::info("collective recover: the new member list is committed at index ", w->index);
        w->reply(proto::ApiDone{{w->done_text}});
        return;
    }
    if (std::chrono::steady_clock::now() >= w->deadline) {
        w->reply(error(proto::Outcome::Unknown,
                       "the new member list was not committed within 5 s (a surviving member "
                       "did not answer); check collective show"));
        return;
    }
    w->timer.expires_after(kPollEvery);
    w->timer.async_wait([this, w, alive = alive_](boost::system::error_code ec) {
        if (ec || !*alive) return;
        poll(w);
    });
}

}  // namespace cc::collective
