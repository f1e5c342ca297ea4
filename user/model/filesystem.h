#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace fsev {

// The filesystem a request's MOUNT names, as the writer sees it.
struct ResolvedFilesystem {
    dev_t device = 0;         // the superblock's device (the mount table's major:minor)
    std::string mount_point;  // where it is mounted (unescaped)
    std::string fstype;
    std::string source;  // device path, or what the mount table shows
    // st_dev of the path; 0 = device. Differs on btrfs (one per subvolume).
    dev_t file_device = 0;
    bool block_backed = false;  // on a block device (what a `blockdev` rule selects)
};

// A filesystem's size, as `df` shows it: statfs f_blocks blocks of
// f_frsize (= f_bsize on ext4) bytes.
struct FilesystemSize {
    uint64_t total_blocks = 0;
    uint64_t block_size = 0;
};

// Turns a MOUNT path into its filesystem. Throws std::system_error with the
// errno (ENOENT for a path that does not exist).
class PathResolver {
  public:
    virtual ~PathResolver() = default;
    virtual ResolvedFilesystem resolve(const std::string &path) = 0;
    // Asked only for levels given as `%` or bytes. Throws std::system_error.
    virtual FilesystemSize size(const ResolvedFilesystem &filesystem) {
        throw std::system_error(EOPNOTSUPP, std::generic_category(),
                                "no size known for " + filesystem.mount_point);
    }
};

// The daemon's own view of what is mounted, for rules: every mount (bind
// mounts too, in mount-table order) and the size of a mounted filesystem.
class MountedFilesystems {
  public:
    virtual ~MountedFilesystems() = default;
    virtual std::vector<ResolvedFilesystem> list() = 0;
    virtual FilesystemSize size(const ResolvedFilesystem &filesystem) = 0;
};

}  // namespace fsev
