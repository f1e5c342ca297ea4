#include "resolver/path_resolver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "common/system_error.h"
#include "common/unique_fd.h"
#include "mounts/mounted_filesystems.h"
#include "mounts/mountinfo.h"

namespace fsev {

namespace {

std::string read_link(const std::string &path) {
    char target[4096];
    ssize_t length = ::readlink(path.c_str(), target, sizeof target);
    if (length < 0) throw last_system_error("readlink " + path);
    return std::string(target, static_cast<size_t>(length));
}

// The writer's working directory as a path inside its own root. The kernel
// shows /proc/PID/cwd relative to *our* root, so a chrooted writer's root
// prefix is taken off.
std::string working_directory(const std::string &proc) {
    std::string cwd = read_link(proc + "/cwd");
    std::string root = read_link(proc + "/root");
    if (root != "/" && cwd.compare(0, root.size(), root) == 0 &&
        (cwd.size() == root.size() || cwd[root.size()] == '/'))
        cwd = cwd.size() == root.size() ? "/" : cwd.substr(root.size());
    return cwd;
}

uint64_t mount_id_from_fdinfo(int fd) {
    std::ifstream fdinfo("/proc/self/fdinfo/" + std::to_string(fd));
    std::string key;
    uint64_t value = 0;
    while (fdinfo >> key) {
        if (key == "mnt_id:" && fdinfo >> value) return value;
    }
    throw system_error(ENOTSUP, "no mnt_id in fdinfo");
}

}  // namespace

ResolvedFilesystem ProcessPathResolver::resolve(const std::string &path) {
    // FUSE reports pid 0 for a writer in a pid namespace we cannot see into.
    if (writer_ <= 0) throw system_error(EPERM, "the writing process is not visible to fsev-bpf");
    const std::string proc = "/proc/" + std::to_string(writer_);
    UniqueFd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) throw last_system_error("open " + proc + "/root");

    std::string full_path = path;
    if (path.front() != '/') full_path = working_directory(proc) + "/" + path;

    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT;  // "/", ".." and absolute symlinks stay in the writer's root
    long opened = ::syscall(SYS_openat2, root.get(), full_path.c_str(), &how, sizeof how);
    if (opened < 0) throw last_system_error(path);
    UniqueFd target(static_cast<int>(opened));

    // AT_STATX_DONT_SYNC: a path inside our own FUSE run directory must not
    // wait for a FUSE request while a config write is being handled.
    struct statx status {};
    if (::statx(target.get(), "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &status) != 0)
        throw last_system_error("statx " + path);
    uint64_t mount_id =
        (status.stx_mask & STATX_MNT_ID) ? status.stx_mnt_id : mount_id_from_fdinfo(target.get());

    ResolvedFilesystem filesystem;
    const MountInfo *mount = find_mount(mount_id, false);
    if (!mount) mount = find_mount(mount_id, true);  // mounted since the table was read
    if (!mount) throw system_error(ENOENT, path + ": its mount is not in the writer's mount table");
    // The superblock's device, as the mount table and BPF (sb->s_dev) see
    // it. Files may show another: each btrfs subvolume has its own st_dev.
    filesystem.device = mount->device;
    filesystem.file_device = makedev(status.stx_dev_major, status.stx_dev_minor);
    filesystem.mount_point = mount->mount_point;
    filesystem.fstype = mount->fstype;
    filesystem.source = mount->source;
    filesystem.block_backed = block_backed(filesystem.device, filesystem.source);
    return filesystem;
}

FilesystemSize ProcessPathResolver::size(const ResolvedFilesystem &filesystem) {
    return filesystem_size("/proc/" + std::to_string(writer_) + "/root" + filesystem.mount_point);
}

const MountInfo *ProcessPathResolver::find_mount(uint64_t mount_id, bool reread) {
    if (!mounts_ || reread) mounts_ = read_mountinfo(std::to_string(writer_));
    for (const MountInfo &mount : *mounts_)
        if (mount.mount_id == mount_id) return &mount;
    return nullptr;
}

}  // namespace fsev
