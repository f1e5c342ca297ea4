#include "mounts/mounted_filesystems.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "common/system_error.h"
#include "mounts/mountinfo.h"

namespace fsev {

std::vector<ResolvedFilesystem> DaemonMountedFilesystems::list() {
    std::vector<ResolvedFilesystem> filesystems;
    for (const MountInfo &mount : read_mountinfo("self")) {
        ResolvedFilesystem filesystem;
        filesystem.device = mount.device;
        filesystem.mount_point = mount.mount_point;
        filesystem.fstype = mount.fstype;
        filesystem.source = mount.source;
        filesystem.block_backed = block_backed(mount.device, mount.source);
        filesystems.push_back(std::move(filesystem));
    }
    return filesystems;
}

FilesystemSize DaemonMountedFilesystems::size(const ResolvedFilesystem &filesystem) {
    return filesystem_size(filesystem.mount_point);
}

FilesystemSize filesystem_size(const std::string &path) {
    struct statfs numbers {};
    if (::statfs(path.c_str(), &numbers) != 0) throw last_system_error("statfs " + path);
    FilesystemSize size;
    size.total_blocks = numbers.f_blocks;
    size.block_size = static_cast<uint64_t>(numbers.f_frsize ? numbers.f_frsize : numbers.f_bsize);
    return size;
}

bool block_backed(dev_t device, const std::string &source) {
    if (major(device) != 0) return true;
    struct stat status {};
    return source.rfind("/dev/", 0) == 0 && ::stat(source.c_str(), &status) == 0 &&
           S_ISBLK(status.st_mode);
}

}  // namespace fsev
