#include "daemon/collective/fresh_start.hpp"

#include <ctime>

#include "daemon/state/member_files.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/util/fs.hpp"

namespace cc::collective {

namespace fs = std::filesystem;

std::string backup_name(std::chrono::system_clock::time_point when) {
    std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    return std::string("cfg.backup-") + buf;
}

fs::path reset_for_join(const fs::path& etc_dir, const fs::path& state_dir, const std::string& name,
                        const proto::Membership& members,
                        std::chrono::system_clock::time_point now) {
    const fs::path cfg = etc_dir / "cfg";
    fs::path backup;
    if (fs::exists(cfg)) {
        backup = etc_dir / backup_name(now);
        for (int n = 2; fs::exists(backup); ++n)
            backup = etc_dir / (backup_name(now) + "-" + std::to_string(n));
        fs::rename(cfg, backup);
    }
    cc::fs::ensure_dir(cfg, 0755);

    const storage::Layout layout(state_dir);
    if (fs::exists(layout.collective())) {
        for (const auto& entry : fs::directory_iterator(layout.collective()))
            fs::remove_all(entry.path());
    }
    cc::fs::ensure_dir(layout.log_dir(), 0700);
    bool takes_over_a_voter = false;
    for (const auto& m : members.members)
        if (m.name == name) takes_over_a_voter = m.role == proto::Role::Voter && !m.promote;
    if (!takes_over_a_voter) storage::HardStateFile(layout.hardstate()).save({0, ""});
    cc::fs::sync_dir(layout.collective());

    state::save_myname(cfg / "myname", name);
    state::save_collective(cfg / "collective", {0, members});
    cc::fs::sync_dir(etc_dir);
    return backup;
}

}  // namespace cc::collective
