#include "daemon/storage/storage_error.hpp"

#include <cstring>

#include "daemon/util/fs.hpp"

namespace cc::storage {

StorageError system_error(const std::string& what, const std::filesystem::path& path, int err) {
    return StorageError(what + " " + path.string() + ": " + std::strerror(err), path, err);
}

StorageError sync_error(const std::string& what, const std::filesystem::path& path, int err) {
    StorageError e = system_error(what, path, err);
    cc::fs::report_sync_failure(e.what());
    return e;
}

}  // namespace cc::storage
