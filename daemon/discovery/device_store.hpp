// Per-member discovery data: the devices this member has seen (what a DHCP
// hook or a discovery agent registers), keyed by MAC address.
//
// Never replicated: as in confluent ("/networking and /discovery apis are
// distinct per collective member"), each member keeps its own list in
// STATE/discovery/devices (TOML, written atomically with
// cc::fs::write_atomic, mode 0600), loaded at start. Nothing of it goes
// through the log or into cfg/. Which node a device became is not kept
// here: it is the node whose replicated `net.hwaddr` is the device's MAC
// (nodediscover assign sets that through the log), as confluent derives it.
//
// File format:
//   format = 1
//   [[device]]
//   mac = "aa:bb:cc:dd:ee:ff"      # normalized, unique
//   model = "..."                  # optional strings: model, serial, uuid, type
//   ip = ["10.0.0.5"]              # optional
//
// Threading: not thread-safe; the daemon uses it on its thread only.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cc::discovery {

// A value given by the user that is malformed; what() is one line for them.
struct InvalidInput : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// "AA-BB-cc:dd..." -> "aa:bb:cc:dd:ee:ff": six pairs of hex digits separated
// by ':' (or all by '-'); anything else raises InvalidInput naming the value.
std::string normalize_mac(std::string_view mac);
// The normalized MAC, or nothing when `mac` is malformed.
std::optional<std::string> try_normalize_mac(std::string_view mac);

// An IPv4 or IPv6 address in its canonical text; InvalidInput otherwise.
std::string normalize_ip(std::string_view ip);

struct Device {
    std::string mac;  // normalized
    std::string model;
    std::string serial;
    std::string uuid;
    std::string type;
    std::vector<std::string> ips;
    bool operator==(const Device&) const = default;
};

class DeviceStore {
  public:
    // Loads STATE/discovery/devices (none yet: an empty store). A corrupt
    // file raises storage::StorageError naming the file and line.
    explicit DeviceStore(const std::filesystem::path& state_dir);

    const std::filesystem::path& path() const { return path_; }
    // Every device, ordered by MAC.
    const std::map<std::string, Device>& devices() const { return devices_; }
    const Device* find(const std::string& mac) const;

    // Adds the device, or updates the one with its MAC: the non-empty
    // fields of `d` replace the stored ones (ips as a whole). Validates
    // (InvalidInput) and saves before it changes anything in memory: a
    // failed save (storage::StorageError) leaves the store as it was.
    void add(Device d);
    // Forgets one device (false when unknown) or every device; saved first.
    bool remove(const std::string& mac);
    void clear();

  private:
    void save(const std::map<std::string, Device>& devices) const;

    std::filesystem::path path_;
    std::map<std::string, Device> devices_;
};

}  // namespace cc::discovery
