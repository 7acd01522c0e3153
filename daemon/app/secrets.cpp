#include "daemon/app/secrets.hpp"

namespace cc::app {

std::string read_secret(const state::Database& db, const std::string& node,
                        const std::string& attribute) {
    return db.node_attributes(node, {attribute}).at(0).value;
}

}  // namespace cc::app
