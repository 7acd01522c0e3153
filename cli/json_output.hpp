// The JSON documents of the read tools' --json (docs/json.md is the contract;
// change a shape only together with it). Every string goes through
// cc::collective::json_string, the one escaper that `collective show --json`
// and `nodediscover list --json` use too.
//
// Layout: a top-level array or object holds one entry per line, two spaces in
// (like nodediscover list --json), so that a large answer stays greppable;
// an empty one is "[]" or "{}". Every document ends with a newline.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <vector>

#include "proto/api.hpp"

namespace cc::cli {

// ["n1", "n2"]: nodelist, nodegrouplist.
std::string json_names(const std::vector<std::string>& names);
// The names of the objects, in the order given.
std::string json_names(const proto::ApiObjects& objects);

// nodeattrib, nodelist with attributes, nodegroupattrib:
//   {"n1": {"attr": "value", ...}, ...}
// with blame (-b) each value carries where it comes from:
//   {"n1": {"attr": {"value": "a", "inherited_from": "rack1"}, ...}, ...}
// ("inherited_from": null for a value set on the object itself). Every object
// the answer holds is a key, even one without attributes ({}).
std::string json_attributes(const proto::ApiObjects& objects, bool blame);

// The error document, one line: {"error": "<line>", "exit": N}, where line is
// what the tool prints on stderr without --json and N its exit status.
std::string json_error(const std::string& line, int exit_status);

}  // namespace cc::cli
