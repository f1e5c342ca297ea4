#include "daemon/mount_events.h"

#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "fsev/fs_event.h"
#include "mounts/device_statfs.h"

namespace fsev {

uint32_t remount_event_id(bool was_read_only, const std::string &super_options) {
    if (has_mount_option(super_options, "emergency_ro")) return 0;
    bool read_only = has_mount_option(super_options, "ro");
    if (read_only == was_read_only) return 0;
    return read_only ? FS_INFO_REMOUNT_RO : FS_INFO_REMOUNT_RW;
}

MountEvents::MountEvents(Publish publish, std::function<bool(dev_t)> read_only_by_error,
                         std::function<void(dev_t)> writable_again)
    : publish_(std::move(publish)),
      read_only_by_error_(std::move(read_only_by_error)),
      writable_again_(std::move(writable_again)) {}

Event MountEvents::info_event(const TraceEntry &entry, uint32_t id) const {
    Event event;
    event.type = FS_EVENT_INFO;
    event.id = id;
    event.trace_id = entry.id;
    event.has_device = major(entry.device) != 0;
    event.dev_major = major(entry.device);
    event.dev_minor = minor(entry.device);
    event.mount_point = entry.mount_point;
    // The entry's own filesystem, checked by device: a covering mount, or the
    // daemon's view of a path from another namespace, gives no numbers.
    if (auto space = statfs_of_device(entry.device, entry.mount_point)) {
        event.available_blocks = space->f_bavail;
        event.block_size = static_cast<uint32_t>(space->f_bsize);
    }
    return event;
}

void MountEvents::entry_created(const TraceEntry &entry) {
    auto space = statfs_of_device(entry.device, entry.mount_point);
    bool read_only = space && (static_cast<unsigned long>(space->f_flags) & ST_RDONLY);
    std::lock_guard lock(mutex_);
    read_only_[entry.device] = read_only;
}

void MountEvents::entry_removed(const TraceEntry &entry, bool filesystem_gone) {
    {
        std::lock_guard lock(mutex_);
        read_only_.erase(entry.device);
    }
    if (filesystem_gone && (entry.types & TRACE_INFO)) {
        Event event = info_event(entry, FS_INFO_UMOUNT);
        event.available_blocks = 0;  // gone: nothing to measure
        event.block_size = 0;
        publish_(event);
    }
}

void MountEvents::mounts_changed(const std::vector<TraceEntry> &entries,
                                 const std::vector<MountInfo> &mounts) {
    std::vector<Event> events;
    {
        std::lock_guard lock(mutex_);
        for (const TraceEntry &entry : entries) {
            for (const MountInfo &mount : mounts) {
                if (mount.device != entry.device) continue;
                bool &was_read_only = read_only_[entry.device];
                uint32_t id = remount_event_id(was_read_only, mount.super_options);
                if (id == FS_INFO_REMOUNT_RO && read_only_by_error_(entry.device)) id = 0;
                if (has_mount_option(mount.super_options, "emergency_ro"))
                    was_read_only = true;
                else
                    was_read_only = has_mount_option(mount.super_options, "ro");
                if (id == FS_INFO_REMOUNT_RW) writable_again_(entry.device);
                if (id != 0 && (entry.types & TRACE_INFO)) events.push_back(info_event(entry, id));
                break;  // one superblock, one state: the first of its mounts says it
            }
        }
    }
    for (const Event &event : events) publish_(event);
}

}  // namespace fsev
