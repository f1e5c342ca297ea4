#pragma once

#include <string>
#include <vector>

#include "model/filesystem.h"

namespace fsev {

// The daemon's mount table for rules: every mount of /proc/self/mountinfo,
// and sizes from statfs on the mount point.
class DaemonMountedFilesystems : public MountedFilesystems {
  public:
    std::vector<ResolvedFilesystem> list() override;
    FilesystemSize size(const ResolvedFilesystem &filesystem) override;
};

// statfs(2) on `path`: f_blocks and f_frsize (f_bsize when f_frsize is 0).
// Throws std::system_error.
FilesystemSize filesystem_size(const std::string &path);

// True when a mount is backed by a block device: its st_dev has a real major
// number (anonymous devices, used by tmpfs, proc, overlay, NFS, FUSE, have 0),
// or its source is a block device node (btrfs shows an anonymous st_dev).
bool block_backed(dev_t device, const std::string &source);

}  // namespace fsev
