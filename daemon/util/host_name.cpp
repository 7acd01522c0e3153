#include "daemon/util/host_name.hpp"

#include <unistd.h>

namespace cc::util {

std::string short_host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    std::string h(buf);
    return h.substr(0, h.find('.'));
}

}  // namespace cc::util
