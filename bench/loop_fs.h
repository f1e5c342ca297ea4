#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace fsev::bench {

// A fresh ext4 image in `parent_directory` (tmpfs by default, so the device
// under the loop adds as little noise as possible), mounted on a loop device.
// The destructor unmounts, detaches and removes everything.
class LoopFs {
  public:
    LoopFs(const std::string &parent_directory, uint64_t size_mib);
    ~LoopFs();
    LoopFs(const LoopFs &) = delete;
    LoopFs &operator=(const LoopFs &) = delete;

    const std::string &mount_point() const { return mount_point_; }
    const std::string &loop_device() const { return loop_device_; }
    dev_t device() const { return device_; }  // st_dev of files on it
    std::string path(const std::string &name) const { return mount_point_ + "/" + name; }
    uint64_t available_blocks() const;  // statfs f_bavail (ext4 sums the per-cpu counters)

  private:
    void cleanup();

    std::string directory_;
    std::string mount_point_;
    std::string loop_device_;
    dev_t device_ = 0;
    bool mounted_ = false;
};

}  // namespace fsev::bench
