// Where the nodes of lost members go: the pure half of automatic
// reassignment (daemon/app/reassigner.hpp does the clock and the log).
//
// Each node managed by a lost member that has `collective.managercandidates`
// goes to the online candidate that manages the fewest nodes at that moment
// (ties: the first in natural order), one node at a time, so equal
// candidates end within one node of each other. A node without an online
// candidate keeps its manager.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace cc::app {

struct NodeOwner {
    std::string node;
    std::string manager;                  // effective (own or inherited); empty: none
    std::vector<std::string> candidates;  // expanded member names; empty: none
};

struct ReassignPlan {
    // to -> nodes, in the order given.
    std::map<std::string, std::vector<std::string>> moves;
    // from -> to -> how many.
    std::map<std::string, std::map<std::string, size_t>> moved;
    // lost member -> nodes that stay with it: no candidates at all, or none online.
    std::map<std::string, size_t> without_candidates;
    std::map<std::string, size_t> candidates_offline;
    bool empty() const { return moves.empty(); }
};

ReassignPlan plan_reassignment(const std::vector<NodeOwner>& nodes,
                               const std::set<std::string>& lost,
                               const std::set<std::string>& online);

// "moved 212 nodes from mgt3 to mgt1 and mgt2" (one line per lost member).
std::vector<std::string> describe_moves(const ReassignPlan& plan);

}  // namespace cc::app
