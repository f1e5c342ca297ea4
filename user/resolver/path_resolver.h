#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "model/filesystem.h"
#include "mounts/mountinfo.h"

namespace fsev {

// Resolves a MOUNT path as the writing process would: relative paths against
// its working directory, absolute paths and symlinks against its root, in its
// mount namespace (all through /proc/PID). The mount point, type and source
// come from the writer's own /proc/PID/mountinfo, read once per resolver
// (one config write) and again only when a mount is not in it: a write of N
// lines on a machine with M mounts reads M lines once, not N times.
class ProcessPathResolver : public PathResolver {
  public:
    explicit ProcessPathResolver(pid_t writer) : writer_(writer) {}
    ResolvedFilesystem resolve(const std::string &path) override;
    // statfs on the mount point as the writer sees it (through its root).
    FilesystemSize size(const ResolvedFilesystem &filesystem) override;

  private:
    const MountInfo *find_mount(uint64_t mount_id, bool reread);

    pid_t writer_;
    std::optional<std::vector<MountInfo>> mounts_;
};

}  // namespace fsev
