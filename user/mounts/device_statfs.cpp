#include "mounts/device_statfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "common/system_error.h"
#include "common/unique_fd.h"

namespace fsev {

namespace {

uint64_t mount_id_from_fdinfo(int fd) {
    std::ifstream fdinfo("/proc/self/fdinfo/" + std::to_string(fd));
    std::string key;
    uint64_t value = 0;
    while (fdinfo >> key) {
        if (key == "mnt_id:" && fdinfo >> value) return value;
    }
    throw system_error(ENOTSUP, "no mnt_id in fdinfo");
}

// statfs through `path` when the mount it opens is a mount of `device`.
std::optional<struct statfs> statfs_if_shows(dev_t device, const std::string &path,
                                             const std::vector<MountInfo> &mounts) {
    UniqueFd opened(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (!opened.valid()) return std::nullopt;
    uint64_t mount_id = 0;
    try {
        mount_id = mount_id_of(opened.get());
    } catch (const std::system_error &) {
        return std::nullopt;
    }
    bool shows = false;
    for (const MountInfo &mount : mounts)
        if (mount.mount_id == mount_id) shows = mount.device == device;
    struct statfs numbers {};
    if (!shows || ::fstatfs(opened.get(), &numbers) != 0) return std::nullopt;
    return numbers;
}

}  // namespace

uint64_t mount_id_of(int fd) {
    // AT_STATX_DONT_SYNC: never wait on a network or FUSE server for this.
    struct statx status {};
    if (::statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &status) != 0)
        throw last_system_error("statx");
    return (status.stx_mask & STATX_MNT_ID) ? status.stx_mnt_id : mount_id_from_fdinfo(fd);
}

std::optional<struct statfs> statfs_of_device(dev_t device, const std::string &preferred,
                                              const std::vector<MountInfo> &mounts) {
    if (auto numbers = statfs_if_shows(device, preferred, mounts)) return numbers;
    for (const MountInfo &mount : mounts) {
        if (mount.device != device || mount.mount_point == preferred) continue;
        if (auto numbers = statfs_if_shows(device, mount.mount_point, mounts)) return numbers;
    }
    return std::nullopt;
}

std::optional<struct statfs> statfs_of_device(dev_t device, const std::string &preferred) {
    // Most often the path opens a file of that very superblock (its st_dev):
    // then the mount table, which can be thousands of lines, is not read.
    // A btrfs subvolume shows a device of its own, and a covering mount
    // another filesystem's: those are told apart by the mount table.
    UniqueFd opened(::open(preferred.c_str(), O_PATH | O_CLOEXEC));
    struct stat status {};
    struct statfs numbers {};
    if (opened.valid() && ::fstat(opened.get(), &status) == 0 && status.st_dev == device &&
        ::fstatfs(opened.get(), &numbers) == 0)
        return numbers;
    try {
        return statfs_of_device(device, preferred, read_mountinfo("self"));
    } catch (const std::system_error &) {
        return std::nullopt;
    }
}

bool superblock_mounted(dev_t device) {
#ifdef SYS_ustat
    // The kernel's old struct ustat: f_tfree, f_tinode, f_fname, f_fpack.
    struct {
        int64_t free_blocks;
        uint64_t free_inodes;
        char name[6];
        char pack[6];
    } answer{};
    // ustat takes the "new" 32-bit device encoding, which glibc's dev_t
    // shares for every major < 4096 and minor < 2^20.
    return ::syscall(SYS_ustat, static_cast<unsigned>(device), &answer) == 0;
#else
    (void)device;
    return false;
#endif
}

}  // namespace fsev
