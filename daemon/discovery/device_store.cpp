#include "daemon/discovery/device_store.hpp"

#include <arpa/inet.h>

#include <toml++/toml.h>

#include "daemon/storage/storage_error.hpp"
#include "daemon/storage/toml_file.hpp"
#include "daemon/util/fs.hpp"

namespace cc::discovery {

namespace {

const std::string kRemedy =
    "fix or remove the file (it holds only this member's discovery data; devices register "
    "again)";

constexpr const char* kStringFields[] = {"model", "serial", "uuid", "type"};

std::string* field(Device& d, std::string_view name) {
    if (name == "model") return &d.model;
    if (name == "serial") return &d.serial;
    if (name == "uuid") return &d.uuid;
    return &d.type;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string where(const std::filesystem::path& path, const toml::node& n) {
    return path.string() + ":" + std::to_string(n.source().begin.line);
}

// One line of text without control characters (a table cell).
void check_text(const char* what, const std::string& value) {
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f)
            throw InvalidInput(std::string(what) + " must be one line of printable text");
}

}  // namespace

std::optional<std::string> try_normalize_mac(std::string_view mac) {
    if (mac.size() != 17) return std::nullopt;
    const char sep = mac[2];
    if (sep != ':' && sep != '-') return std::nullopt;
    std::string out;
    out.reserve(17);
    for (size_t i = 0; i < 17; ++i) {
        if (i % 3 == 2) {
            if (mac[i] != sep) return std::nullopt;
            out += ':';
            continue;
        }
        int v = hex_value(mac[i]);
        if (v < 0) return std::nullopt;
        out += "0123456789abcdef"[v];
    }
    return out;
}

std::string normalize_mac(std::string_view mac) {
    if (auto m = try_normalize_mac(mac)) return *m;
    throw InvalidInput("invalid MAC address \"" + std::string(mac) +
                       "\": expected six pairs of hex digits, e.g. aa:bb:cc:dd:ee:ff");
}

std::string normalize_ip(std::string_view ip) {
    const std::string text(ip);
    unsigned char buf[16];
    char out[INET6_ADDRSTRLEN];
    if (::inet_pton(AF_INET, text.c_str(), buf) == 1 &&
        ::inet_ntop(AF_INET, buf, out, sizeof out) != nullptr)
        return out;
    if (::inet_pton(AF_INET6, text.c_str(), buf) == 1 &&
        ::inet_ntop(AF_INET6, buf, out, sizeof out) != nullptr)
        return out;
    throw InvalidInput("invalid IP address \"" + text + "\": expected IPv4 or IPv6");
}

DeviceStore::DeviceStore(const std::filesystem::path& state_dir)
    : path_(state_dir / "discovery" / "devices") {
    auto t = storage::load_state_file(path_, kRemedy);
    if (!t) return;
    auto corrupt = [&](const toml::node& n, const std::string& why) {
        return storage::StorageError("corrupt " + where(path_, n) + ": " + why + "; " + kRemedy,
                                     path_);
    };
    const toml::node* list = t->get("device");
    if (list == nullptr) return;
    const toml::array* arr = list->as_array();
    if (arr == nullptr) throw corrupt(*list, "device must be an array of tables ([[device]])");
    for (const toml::node& n : *arr) {
        const toml::table* e = n.as_table();
        if (e == nullptr) throw corrupt(n, "each device must be a table ([[device]])");
        Device d;
        auto mac = (*e)["mac"].value_exact<std::string>();
        if (!mac) throw corrupt(n, "a device needs mac = \"aa:bb:cc:dd:ee:ff\"");
        auto normalized = try_normalize_mac(*mac);
        if (!normalized) throw corrupt(n, "invalid MAC address \"" + *mac + "\"");
        d.mac = *normalized;
        for (const char* key : kStringFields) {
            const toml::node* v = e->get(key);
            if (v == nullptr) continue;
            auto s = v->value_exact<std::string>();
            if (!s) throw corrupt(*v, std::string(key) + " must be a string");
            *field(d, key) = *s;
        }
        if (const toml::node* ips = e->get("ip")) {
            const toml::array* a = ips->as_array();
            if (a == nullptr) throw corrupt(*ips, "ip must be an array of strings");
            for (const toml::node& ip : *a) {
                auto s = ip.value_exact<std::string>();
                if (!s) throw corrupt(ip, "ip must be an array of strings");
                d.ips.push_back(*s);
            }
        }
        // What add() refuses is corrupt here too, so the store never holds a
        // value it would not write (found by tests/fuzz/device_store.cpp).
        try {
            for (const char* key : kStringFields) check_text(key, *field(d, key));
            for (auto& ip : d.ips) ip = normalize_ip(ip);
        } catch (const InvalidInput& bad) {
            throw corrupt(n, bad.what());
        }
        if (devices_.count(d.mac)) throw corrupt(n, "MAC address " + d.mac + " appears twice");
        devices_.emplace(d.mac, std::move(d));
    }
}

const Device* DeviceStore::find(const std::string& mac) const {
    auto it = devices_.find(mac);
    return it == devices_.end() ? nullptr : &it->second;
}

void DeviceStore::add(Device d) {
    d.mac = normalize_mac(d.mac);
    for (const char* key : kStringFields) check_text(key, *field(d, key));
    for (auto& ip : d.ips) ip = normalize_ip(ip);
    auto next = devices_;
    auto [it, fresh] = next.try_emplace(d.mac, d);
    if (!fresh) {
        Device& old = it->second;
        for (const char* key : kStringFields)
            if (!field(d, key)->empty()) *field(old, key) = *field(d, key);
        if (!d.ips.empty()) old.ips = d.ips;
    }
    save(next);
    devices_ = std::move(next);
}

bool DeviceStore::remove(const std::string& mac) {
    if (!devices_.count(mac)) return false;
    auto next = devices_;
    next.erase(mac);
    save(next);
    devices_ = std::move(next);
    return true;
}

void DeviceStore::clear() {
    save({});
    devices_.clear();
}

void DeviceStore::save(const std::map<std::string, Device>& devices) const {
    toml::array list;
    for (const auto& [mac, d] : devices) {
        toml::table e;
        e.insert("mac", mac);
        Device copy = d;
        for (const char* key : kStringFields)
            if (!field(copy, key)->empty()) e.insert(key, *field(copy, key));
        if (!d.ips.empty()) {
            toml::array ips;
            for (const auto& ip : d.ips) ips.push_back(ip);
            e.insert("ip", std::move(ips));
        }
        list.push_back(std::move(e));
    }
    toml::table t;
    if (!list.empty()) t.insert("device", std::move(list));
    try {
        cc::fs::ensure_dir(path_.parent_path(), 0700);
    } catch (const cc::fs::FsError& e) {
        throw storage::StorageError(e.what(), path_.parent_path());
    }
    storage::save_state_file(path_, std::move(t));
}

}  // namespace cc::discovery
