#include "events/ext4_sysfs.h"

#include <fstream>

#include "fsev/fs_event.h"
#include <sstream>

namespace fsev {

std::optional<Ext4ErrorRecord> read_ext4_error_record(const std::string &fs_id,
                                                      const std::string &sysfs_root) {
    if (fs_id.empty() || fs_id.find('/') != std::string::npos) return std::nullopt;
    std::ifstream count(sysfs_root + "/" + fs_id + "/errors_count");
    std::ifstream code(sysfs_root + "/" + fs_id + "/last_error_errcode");
    Ext4ErrorRecord record;
    if (!(count >> record.errors_count) || !(code >> record.last_error_code)) return std::nullopt;
    return record;
}

uint32_t ext4_error_event_id(uint32_t code) {
    constexpr uint32_t kUnknown = 1, kIo = 2, kLastKnown = 17;  // EXT4_ERR_UNKNOWN, _EIO, _EFAULT
    if (ext4_error_means_corruption(code)) return FS_ERR_CORRUPTED;
    if (code == 0 || code == kUnknown || code == kIo || code > kLastKnown) return FS_ERR_UNKNOWN;
    return FS_ERR_INTERNAL;
}

bool super_options_read_only(const std::string &super_options) {
    std::istringstream options(super_options);
    std::string option;
    while (std::getline(options, option, ','))
        if (option == "ro" || option == "emergency_ro") return true;
    return false;
}

std::optional<bool> superblock_read_only(uint32_t major_number, uint32_t minor_number,
                                         const std::string &mountinfo) {
    std::ifstream table(mountinfo);
    std::string line;
    std::string wanted = std::to_string(major_number) + ":" + std::to_string(minor_number);
    while (std::getline(table, line)) {
        // id parent major:minor root mountpoint options [optional...] - fstype source super_options
        std::istringstream fields(line);
        std::string id, parent, device;
        fields >> id >> parent >> device;
        if (device != wanted) continue;
        size_t separator = line.find(" - ");
        if (separator == std::string::npos) continue;
        std::istringstream tail(line.substr(separator + 3));
        std::string fstype, source, super_options;
        tail >> fstype >> source >> super_options;
        return super_options_read_only(super_options);
    }
    return std::nullopt;
}

}  // namespace fsev
