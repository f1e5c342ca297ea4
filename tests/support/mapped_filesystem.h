#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "support/scratch_mount.h"
#include "support/temp_dir.h"

namespace fsev::test {

// A filesystem on a device-mapper device over a loop-mounted image, so a
// test can make every I/O of the device fail (the dm `error` target), as a
// dying disk does, on any kernel with device-mapper. The destructor
// unmounts and removes the dm and loop devices and the image.
class MappedFilesystem {
  public:
    // `type`: "xfs" or "btrfs".
    MappedFilesystem(const std::string &type, uint64_t size_mib);
    MappedFilesystem(const MappedFilesystem &) = delete;
    MappedFilesystem &operator=(const MappedFilesystem &) = delete;

    const std::string &mount_point() const { return mount_point_; }
    dev_t device() const { return device_; }  // the superblock's, as the mount table shows
    std::string path(const std::string &name) const { return mount_point_ + "/" + name; }
    // From now on every read and write of the device fails with EIO.
    void fail_all_io();

  private:
    // The dm device over the loop device, removed when destroyed.
    class Mapping {
      public:
        Mapping(const std::string &name, const std::string &table);
        ~Mapping();
        Mapping(const Mapping &) = delete;
        Mapping &operator=(const Mapping &) = delete;
        const std::string &name() const { return name_; }

      private:
        std::string name_;
    };

    TempDir directory_;
    std::string mount_point_;
    uint64_t sectors_ = 0;
    std::optional<LoopDevice> loop_;
    std::optional<Mapping> mapping_;
    std::optional<ScratchMount> mount_;
    dev_t device_ = 0;
};

// Empty when device-mapper and dmsetup work here, else why not.
std::string device_mapper_unavailable();

}  // namespace fsev::test
