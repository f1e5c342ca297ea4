#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

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
    ~StarvedFilesystem();
    StarvedFilesystem(const StarvedFilesystem &) = delete;
    StarvedFilesystem &operator=(const StarvedFilesystem &) = delete;

    const std::string &mount_point() const { return mount_point_; }
    dev_t device() const { return device_; }  // the superblock's, as the mount table shows
    std::string path(const std::string &name) const { return mount_point_ + "/" + name; }
    // Fills the tmpfs under the image: writes to new parts of it fail now.
    void starve();

  private:
    void cleanup();
    std::string directory_;
    std::string store_;  // the tmpfs holding the image
    std::string mount_point_;
    std::string loop_device_;
    dev_t device_ = 0;
    bool store_mounted_ = false;
    bool mounted_ = false;
};

}  // namespace fsev::test
