#include "daemon/storage/storage_error.hpp"

#include <cstring>

namespace cc::storage {

StorageError system_error(const std::string& what, const std::filesystem::path& path, int err) {
    return StorageError(what + " " + path.string() + ": " + std::strerror(err), path, err);
}

}  // namespace cc::storage
