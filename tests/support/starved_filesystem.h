#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "support/scratch_mount.h"
#include "support/temp_dir.h"

namespace fsev::test {

// A filesystem on a loop device whose image is a sparse file on a small
// tmpfs: once the tmpfs is filled from outside, every write to a part of
// the image not written before fails (the loop device gets ENOSPC from its
// backing file and fails the I/O), as a thin-provisioned disk that ran out
// does. Needs nothing but loop devices and tmpfs. The destructor unmounts
// and removes everything.
class StarvedFilesystem {
  public:
    // `type`: "btrfs" (which writes every change to new places).
    StarvedFilesystem(const std::string &type, uint64_t size_mib);
    StarvedFilesystem(const StarvedFilesystem &) = delete;
    StarvedFilesystem &operator=(const StarvedFilesystem &) = delete;

    const std::string &mount_point() const { return mount_point_; }
    dev_t device() const { return device_; }  // the superblock's, as the mount table shows
    std::string path(const std::string &name) const { return mount_point_ + "/" + name; }
    // Fills the tmpfs under the image: writes to new parts of it fail now.
    void starve();

  private:
    TempDir directory_;
    std::string mount_point_;
    std::optional<ScratchMount> store_;  // the tmpfs holding the image
    std::optional<LoopDevice> loop_;
    std::optional<ScratchMount> mount_;
    dev_t device_ = 0;
};

}  // namespace fsev::test
