// collective recover: forced recovery of a collective whose majority of
// voting members is lost for good. The consensus core decides where it may
// run (raft::Core::plan_recovery); this answers the API request: the plan
// first (what the tool shows and asks to confirm), then, confirmed against
// the same list of dropped members, the new member list in a new term, and
// the answer once that entry is committed and applied here.
//
// Threading: construct and call on the daemon thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "daemon/collective/consensus_access.hpp"
#include "proto/api.hpp"

namespace cc::collective {

class Recovery {
  public:
    using Reply = std::function<void(proto::ApiResponse)>;

    Recovery(boost::asio::io_context& io, ConsensusAccess& consensus, std::string my_name);
    ~Recovery();
    Recovery(const Recovery&) = delete;
    Recovery& operator=(const Recovery&) = delete;

    void recover(const proto::ApiRecover& request, bool in_collective, Reply reply);

  private:
    struct Wait;
    void poll(std::shared_ptr<Wait> w);

    boost::asio::io_context& io_;
    ConsensusAccess& consensus_;
    std::string my_name_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::collective
