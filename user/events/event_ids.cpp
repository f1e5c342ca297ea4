#include "events/event_ids.h"

#include "fsev/fs_event.h"
#include "mounts/mountinfo.h"

namespace fsev {

uint32_t xfs_shutdown_event_id(uint64_t flags) {
    // SHUTDOWN_* of fs/xfs/xfs_mount.h, stable since 2.6.
    constexpr uint64_t kMetaIoError = 0x1, kLogIoError = 0x2, kForceUmount = 0x4,
                       kCorruptInCore = 0x8, kCorruptOnDisk = 0x10, kDeviceRemoved = 0x20;
    if (flags & (kCorruptInCore | kCorruptOnDisk)) return FS_ERR_CORRUPTED;
    // The administrator's goingdown ioctl (xfs_io -x -c shutdown) passes
    // FORCE_UMOUNT, with LOG_IO_ERROR when it skips the log flush.
    if (flags & kForceUmount) return FS_ERR_SHUTDOWN;
    if (flags & (kMetaIoError | kLogIoError | kDeviceRemoved)) return FS_ERR_INTERNAL;
    return FS_ERR_UNKNOWN;
}

uint32_t remount_event_id(bool was_read_only, const std::string &super_options) {
    if (has_mount_option(super_options, "emergency_ro")) return 0;
    bool read_only = has_mount_option(super_options, "ro");
    if (read_only == was_read_only) return 0;
    return read_only ? FS_INFO_REMOUNT_RO : FS_INFO_REMOUNT_RW;
}

}  // namespace fsev
