// This server's short host name (up to the first dot), "localhost" when the
// system has none: the default member name and the certificate's CN.
// Threading: no shared state.
#pragma once

#include <string>

namespace cc::util {

std::string short_host_name();

}  // namespace cc::util
