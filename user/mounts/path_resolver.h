#pragma once

#include <sys/types.h>

#include "config/trace_table.h"

namespace fsev {

// Resolves a MOUNT path as the writing process would: relative paths against
// its working directory, absolute paths and symlinks against its root, in its
// mount namespace (all through /proc/PID). The mount point, type and source
// come from the writer's own /proc/PID/mountinfo.
class ProcessPathResolver : public PathResolver {
  public:
    explicit ProcessPathResolver(pid_t writer) : writer_(writer) {}
    ResolvedFilesystem resolve(const std::string &path) override;

  private:
    pid_t writer_;
};

}  // namespace fsev
