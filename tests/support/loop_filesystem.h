#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "support/scratch_mount.h"
#include "support/temp_dir.h"

namespace fsev::test {

// A fresh filesystem of any type in a temporary directory: xfs or btrfs on
// a loop-mounted image, tmpfs with size=. The destructor unmounts, detaches
// and removes everything, whatever state a failing test left.
class LoopFilesystem {
  public:
    // `type`: "xfs", "btrfs" or "tmpfs"; `mount_options` are added to -o.
    LoopFilesystem(const std::string &type, uint64_t size_mib,
                   const std::string &mount_options = "");
    LoopFilesystem(const LoopFilesystem &) = delete;
    LoopFilesystem &operator=(const LoopFilesystem &) = delete;

    const std::string &type() const { return type_; }
    const std::string &mount_point() const { return mount_point_; }
    std::string loop_device() const { return loop_ ? loop_->path() : ""; }  // empty for tmpfs
    dev_t device() const { return device_; }  // the superblock's, as the mount table shows
    std::string path(const std::string &name) const { return mount_point_ + "/" + name; }
    uint64_t available_blocks() const;  // statfs f_bavail
    uint32_t block_size() const;        // statfs f_bsize
    // Writes `bytes` into `name` in 64 KiB writes; false when a write failed
    // (errno kept), e.g. ENOSPC.
    bool write_file(const std::string &name, uint64_t bytes) const;
    void unmount() { mount_->unmount(); }

  private:
    std::string type_;
    TempDir directory_;
    std::string mount_point_;
    std::optional<LoopDevice> loop_;
    std::optional<ScratchMount> mount_;
    dev_t device_ = 0;
};

// True when the kernel offers `type` (/proc/filesystems, after modprobe)
// and its mkfs is installed.
bool filesystem_available(const std::string &type);

}  // namespace fsev::test
