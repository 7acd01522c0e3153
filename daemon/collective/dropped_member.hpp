// A member that the others no longer list (deleted, or dropped by
// `collective recover` while it was down) learns it when they refuse its key
// on its links to them (ssh::TransportHandlers::on_key_refused). With no
// leader of its own it can never rejoin that way: once a member has refused
// it for kPersist with no leader known meanwhile, it logs, once, that it
// must be wiped and invited again (with the command), and refuses writes
// with that line. A leader heard of clears it: a new joiner can meet a
// member that has not applied its addition yet, for a moment.
//
// Threading: daemon thread only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace cc::collective {

class DroppedMember {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kPersist = std::chrono::seconds(2);

    explicit DroppedMember(std::string my_name) : my_name_(std::move(my_name)) {}

    // `by` refused our key at `now`; `leader` is the leader this member
    // knows now (empty: none).
    void refused_by(const std::string& by, const std::string& leader, Clock::time_point now);
    // Whether the line is set (cheap: asked on every write).
    bool set() const { return line_.has_value(); }
    // The line writes are refused with, while it holds; `leader` as above.
    std::optional<std::string> reason(const std::string& leader);

  private:
    std::string my_name_;
    std::map<std::string, Clock::time_point> first_refusal_;  // by member, since no leader
    std::optional<std::string> line_;
};

}  // namespace cc::collective
