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
#include "mounts/device_statfs.h"
#include "mounts/foreign_devices.h"
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

bool same_file(int a, int b) {
    struct stat first {};
    struct stat second {};
    return ::fstat(a, &first) == 0 && ::fstat(b, &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

UniqueFd open_in_root(int root, const std::string &path, uint64_t resolve) {
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = resolve;
    long opened = ::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how);
    if (opened < 0) throw last_system_error(path);
    return UniqueFd(static_cast<int>(opened));
}

// Opens `path` as the writer would. Absolute paths and symlinks resolve in
// its root ("/", ".." and absolute symlinks stay inside it). A relative path
// starts from its working directory: through that directory's path in its
// root while the path still leads there (so ".." climbs as the kernel would),
// else straight from the directory itself -- a working directory that was
// deleted, or lies outside the writer's root, has no path. From there a
// relative path may not climb above the directory (RESOLVE_BENEATH: EXDEV).
UniqueFd open_as_writer(const std::string &proc, int root, const std::string &path) {
    if (path.front() == '/') return open_in_root(root, path, RESOLVE_IN_ROOT);
    UniqueFd cwd(::open((proc + "/cwd").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cwd.valid()) throw last_system_error("open " + proc + "/cwd");
    try {
        std::string cwd_path = working_directory(proc);
        UniqueFd by_path = open_in_root(root, cwd_path, RESOLVE_IN_ROOT);
        if (same_file(by_path.get(), cwd.get()))
            return open_in_root(root, cwd_path + "/" + path, RESOLVE_IN_ROOT);
    } catch (const std::system_error &) {
        // No path to the working directory: resolve from it directly.
    }
    return open_in_root(cwd.get(), path, RESOLVE_BENEATH);
}

const MountInfo *find_by_id(const std::vector<MountInfo> &mounts, uint64_t mount_id) {
    for (const MountInfo &mount : mounts)
        if (mount.mount_id == mount_id) return &mount;
    return nullptr;
}

const MountInfo *find_by_device(const std::vector<MountInfo> &mounts, dev_t device) {
    for (const MountInfo &mount : mounts)
        if (mount.device == device) return &mount;
    return nullptr;
}

}  // namespace

ResolvedFilesystem ProcessPathResolver::resolve(const std::string &path) {
    // FUSE reports pid 0 for a writer in a pid namespace we cannot see into.
    if (writer_ <= 0) throw system_error(EPERM, "the writing process is not visible to fsev-bpf");
    const std::string proc = "/proc/" + std::to_string(writer_);
    UniqueFd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) throw last_system_error("open " + proc + "/root");
    UniqueFd target = open_as_writer(proc, root.get(), path);

    // The filesystem is the one the path opens: its mount, by id, and the
    // file's device. AT_STATX_DONT_SYNC: a path inside our own FUSE run
    // directory must not wait for a FUSE request while a write is handled.
    struct statx status {};
    if (::statx(target.get(), "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &status) != 0)
        throw last_system_error("statx " + path);
    uint64_t mount_id = mount_id_of(target.get());
    dev_t file_device = makedev(status.stx_dev_major, status.stx_dev_minor);

    // The writer's table names the mount as the writer sees it, but hides
    // mounts outside its root (a chrooted writer's own filesystem). The
    // daemon's table shows every mount of their shared namespace, by its
    // path from the daemon's root, which is what the daemon watches. So the
    // daemon's table answers when the mount is in it; then any mount of the
    // same superblock there; only a filesystem mounted in no namespace the
    // daemon can see keeps the writer's own view of it.
    const MountInfo *writer_mount = find_mount(mount_id, false);
    if (!writer_mount) writer_mount = find_mount(mount_id, true);  // mounted since it was read
    if (!daemon_mounts_) daemon_mounts_ = read_mountinfo("self");
    const MountInfo *mount = find_by_id(*daemon_mounts_, mount_id);
    if (!mount) {
        dev_t device = writer_mount ? writer_mount->device : file_device;
        mount = find_by_device(*daemon_mounts_, device);
    }
    if (!mount) mount = writer_mount;
    if (!mount)
        throw system_error(ENOENT, path + ": its mount (id " + std::to_string(mount_id) +
                                       ") is in neither the writer's nor fsev-bpf's mount table");

    ResolvedFilesystem filesystem;
    // The superblock's device, as the mount table and BPF (sb->s_dev) see
    // it. Files may show another: each btrfs subvolume has its own st_dev.
    filesystem.device = mount->device;
    filesystem.file_device = file_device;
    filesystem.mount_point = mount->mount_point;
    filesystem.fstype = mount->fstype;
    filesystem.source = mount->source;
    filesystem.block_backed = block_backed(filesystem.device, filesystem.source);
    seen_by_daemon_[filesystem.device] = mount != writer_mount;
    if (mount == writer_mount) remember_foreign_device(filesystem.device);
    return filesystem;
}

FilesystemSize ProcessPathResolver::size(const ResolvedFilesystem &filesystem) {
    auto seen = seen_by_daemon_.find(filesystem.device);
    if (seen != seen_by_daemon_.end() && seen->second)
        return filesystem_size(filesystem.mount_point);
    return filesystem_size("/proc/" + std::to_string(writer_) + "/root" + filesystem.mount_point);
}

const MountInfo *ProcessPathResolver::find_mount(uint64_t mount_id, bool reread) {
    if (!mounts_ || reread) mounts_ = read_mountinfo(std::to_string(writer_));
    for (const MountInfo &mount : *mounts_)
        if (mount.mount_id == mount_id) return &mount;
    return nullptr;
}

}  // namespace fsev
