#include "events/ext4_sysfs.h"

#include <sys/sysmacros.h>

#include <fstream>
#include <iterator>

#include "fsev/fs_event.h"
#include "mounts/mountinfo.h"

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

std::optional<bool> superblock_read_only(uint32_t major_number, uint32_t minor_number,
                                         const std::string &mountinfo) {
    std::ifstream file(mountinfo);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    for (const MountInfo &mount : parse_mountinfo(text))
        if (major(mount.device) == major_number && minor(mount.device) == minor_number)
            return super_options_read_only(mount.super_options);
    return std::nullopt;
}

}  // namespace fsev
