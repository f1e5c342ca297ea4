#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <vector>

#include "model/filesystem.h"
#include "mounts/mountinfo.h"

namespace fsev {

// Resolves a MOUNT path as the kernel would for the writing process:
// relative paths from its working directory (even a deleted one), absolute
// paths and symlinks in its root, in its mount namespace (all through
// /proc/PID). The filesystem is the mount the path opens, found by mount id
// and device -- in fsev-bpf's own mount table when it is there (so a chrooted
// writer, or one in another namespace, names the mount the daemon watches),
// else in the writer's. Each table is read once per resolver (one config
// write): a write of N lines on a machine with M mounts reads M lines once.
class ProcessPathResolver : public PathResolver {
  public:
    explicit ProcessPathResolver(pid_t writer) : writer_(writer) {}
    ResolvedFilesystem resolve(const std::string &path) override;
    // statfs on the mount point as the writer sees it (through its root).
    FilesystemSize size(const ResolvedFilesystem &filesystem) override;

  private:
    const MountInfo *find_mount(uint64_t mount_id, bool reread);

    pid_t writer_;
    std::optional<std::vector<MountInfo>> mounts_;         // the writer's table
    std::optional<std::vector<MountInfo>> daemon_mounts_;  // fsev-bpf's own
    std::map<dev_t, bool> seen_by_daemon_;  // resolved filesystems: mount point from our table?
};

}  // namespace fsev
