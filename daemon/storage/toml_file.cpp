#include "daemon/storage/toml_file.hpp"

#include <cerrno>
#include <limits>
#include <sstream>

#include "daemon/storage/file_io.hpp"
#include "daemon/storage/storage_error.hpp"
#include "daemon/util/check.hpp"
#include "daemon/util/fs.hpp"
#include "proto/codec.hpp"

namespace cc::storage {

namespace {
std::string where(const std::filesystem::path& path, const toml::node* n) {
    if (n == nullptr) return path.string();
    return path.string() + ":" + std::to_string(n->source().begin.line);
}
}  // namespace

std::optional<toml::table> load_state_file(const std::filesystem::path& path,
                                           const std::string& remedy) {
    std::string text;
    try {
        text = read_whole_file(path);
    } catch (const StorageError& e) {
        if (e.error_number == ENOENT) return std::nullopt;
        throw;
    }
    toml::table t;
    try {
        t = toml::parse(text, path.string());
    } catch (const toml::parse_error& e) {
        throw StorageError("corrupt " + path.string() + ":" +
                               std::to_string(e.source().begin.line) + ": " +
                               std::string(e.description()) + "; " + remedy,
                           path);
    }
    // value_exact: value<int64_t>() would cast a float (1e46: undefined behaviour).
    auto format = t["format"].value_exact<int64_t>();
    if (!format || *format < 1) {
        throw StorageError("corrupt " + where(path, t.get("format")) +
                               ": format must be a positive integer; " + remedy,
                           path);
    }
    if (*format > kStateFileFormat) {
        throw StorageError(path.string() + " has format " + std::to_string(*format) +
                               ", newer than this confluentd understands: upgrade confluentd",
                           path);
    }
    return t;
}

void save_state_file(const std::filesystem::path& path, toml::table table) {
    table.insert_or_assign("format", kStateFileFormat);
    std::ostringstream text;
    text << table << "\n";
    try {
        cc::fs::write_atomic(path, text.str(), 0600);
    } catch (const cc::fs::FsError& e) {
        throw StorageError(e.what(), path);
    }
}

uint64_t state_uint(const std::filesystem::path& path, const toml::table& t, const char* key,
                    const std::string& remedy) {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
        throw StorageError("corrupt " + path.string() + ": " + key + " is missing; " + remedy,
                           path);
    }
    auto v = n->value_exact<int64_t>();
    if (!v || *v < 0 || static_cast<uint64_t>(*v) >= proto::kMaxTermOrIndex) {
        throw StorageError("corrupt " + where(path, n) + ": " + key +
                               " must be a non-negative integer below 2^62; " + remedy,
                           path);
    }
    return static_cast<uint64_t>(*v);
}

std::string state_string(const std::filesystem::path& path, const toml::table& t, const char* key,
                         const std::string& remedy) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return {};
    auto v = n->value_exact<std::string>();
    if (!v) {
        throw StorageError(
            "corrupt " + where(path, n) + ": " + key + " must be a string; " + remedy, path);
    }
    return *v;
}

bool state_bool(const std::filesystem::path& path, const toml::table& t, const char* key,
                const std::string& remedy) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return false;
    auto v = n->value_exact<bool>();
    if (!v) {
        throw StorageError(
            "corrupt " + where(path, n) + ": " + key + " must be true or false; " + remedy, path);
    }
    return *v;
}

int64_t to_toml_int(uint64_t v) {
    CC_CHECK(v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), "value ", v,
             " does not fit a TOML integer");
    return static_cast<int64_t>(v);
}

}  // namespace cc::storage
