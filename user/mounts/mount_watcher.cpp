#include "mounts/mount_watcher.h"

#include <fcntl.h>

#include "common/system_error.h"
#include "mounts/device_statfs.h"
#include "mounts/foreign_devices.h"

namespace fsev {

MountWatcher::MountWatcher() : mountinfo_(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) {
    if (!mountinfo_.valid()) throw last_system_error("open /proc/self/mountinfo");
}

std::multimap<dev_t, std::string> MountWatcher::mount_points() const {
    return mount_points_by_device(read_mountinfo("self"));
}

std::multimap<dev_t, std::string> mount_points_by_device(const std::vector<MountInfo> &mounts) {
    std::multimap<dev_t, std::string> by_device;
    for (const auto &mount : mounts) by_device.emplace(mount.device, mount.mount_point);
    return by_device;
}

std::multimap<dev_t, std::string> with_entries_mounted_elsewhere(
    std::multimap<dev_t, std::string> mount_points, const std::vector<TraceEntry> &entries) {
    for (const TraceEntry &entry : entries) {
        if (mount_points.count(entry.device) || !is_foreign_device(entry.device)) continue;
        if (superblock_mounted(entry.device))
            mount_points.emplace(entry.device, entry.mount_point);
        else
            forget_foreign_device(entry.device);
    }
    return mount_points;
}

}  // namespace fsev
