// The noderange language (confluent's), parsed and evaluated:
//   n1,n2          union            n1-n20, n1:n20   range (zero padding kept)
//   a,-b           exclusion        n[1-20], r[1-3]u[01-10], n[1,4,7-9]
//   a@b            intersection     (a,b)@c  grouping
//   rack1          a group (its member nodes)
//   attr=value, attr!=value, attr=~regex, attr!~regex   attribute match
//   /regex, ~regex                  node names matching a regex
// Operators apply left to right. Matches after `@` or `,-` look only at the
// nodes gathered so far (as confluent does).
//
// Errors are NoderangeError with one line: "invalid noderange 'n[1-': missing ']'"
// (BadRequest), "Unknown node n5" (NotFound).
// Threading: pure functions over a NodeSource the caller keeps alive.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "daemon/state/database.hpp"

namespace cc::state {

using NodeSet = std::unordered_set<std::string>;

// What evaluation needs to know about existing nodes and groups.
class NodeSource {
  public:
    virtual ~NodeSource() = default;
    virtual bool is_node(const std::string& name) const = 0;
    // Adds the group's members to `out`; false when `name` is no group.
    virtual bool add_group_members(const std::string& name, NodeSet& out) const = 0;
    virtual void add_all_nodes(NodeSet& out) const = 0;
    // The value an attribute match compares with (nullopt when unset).
    virtual std::optional<std::string> match_value(const std::string& node,
                                                   const std::string& attribute) const = 0;
};

// Largest number of names one noderange may expand to (hostile input bound).
inline constexpr size_t kMaxNoderangeNames = 1'000'000;

// Evaluates against existing nodes; unknown names raise NotFound naming them.
NodeSet evaluate_noderange(std::string_view noderange, const NodeSource& source);
// Expands names only: every name stands for itself, nothing need exist.
// Attribute and regex matches are refused (BadRequest).
NodeSet expand_noderange_names(std::string_view noderange);

std::vector<std::string> natural_sorted(const NodeSet& set);

}  // namespace cc::state
