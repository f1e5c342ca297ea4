#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fsev {

// ext4 keeps its own record of the last error in /sys/fs/ext4/<s_id>/.
// The ext4_error tracepoint fires before ext4 stores the error code, so the
// daemon reads it here once errors_count has moved on.
struct Ext4ErrorRecord {
    uint64_t errors_count = 0;
    uint32_t last_error_code = 0;  // EXT4_ERR_* (fs/ext4/super.c ext4_errno_to_code)
};

std::optional<Ext4ErrorRecord> read_ext4_error_record(
    const std::string &fs_id, const std::string &sysfs_root = "/sys/fs/ext4");

// EXT4_ERR_EFSBADCRC / EXT4_ERR_EFSCORRUPTED: on-disk metadata is damaged.
constexpr bool ext4_error_means_corruption(uint32_t code) {
    return code == 4 || code == 5;
}

// The FS_ERR_* id for ext4's error code (fs/ext4/super.c ext4_errno_to_code):
// damaged metadata is FS_ERR_CORRUPTED (run fsck); an I/O error (EIO) or an
// unknown code is FS_ERR_UNKNOWN (the device failed, the filesystem cannot
// tell why); any other specific code (ENOMEM, EROFS, ENOSPC, EFBIG, ...) is
// an internal failure of the filesystem, FS_ERR_INTERNAL.
uint32_t ext4_error_event_id(uint32_t code);

// True when the superblock with this device number is read-only, either
// remounted so or switched by an error ("emergency_ro", kernels >= 6.15).
// Reads the super options column of /proc/self/mountinfo.
std::optional<bool> superblock_read_only(uint32_t major_number, uint32_t minor_number,
                                         const std::string &mountinfo = "/proc/self/mountinfo");

}  // namespace fsev
