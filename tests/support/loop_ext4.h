#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "support/scratch_mount.h"
#include "support/temp_dir.h"

namespace fsev::test {

struct LoopExt4Options {
    uint64_t size_mib = 64;
    std::string mkfs_options = "-b 4096";           // extra mkfs.ext4 arguments
    std::string mount_options = "errors=continue";  // empty: mount's defaults
    // Where the temporary directory with the image and the mount point is
    // made; the bench uses a tmpfs so the backing file adds little noise.
    std::string parent_directory = "/tmp";
};

// A fresh ext4 image mounted on a loop device in a temporary directory.
// The destructor unmounts, detaches the loop device and removes the files,
// whatever state a failing test left them in.
class LoopExt4 {
  public:
    explicit LoopExt4(const LoopExt4Options &options = {});
    LoopExt4(const LoopExt4 &) = delete;
    LoopExt4 &operator=(const LoopExt4 &) = delete;

    const std::string &mount_point() const { return mount_point_; }
    const std::string &loop_device() const { return loop_->path(); }  // /dev/loopN
    std::string sysfs_name() const;           // loopN, as in /sys/fs/ext4/loopN
    dev_t device() const { return device_; }  // st_dev of files on it
    uint32_t kernel_device() const;           // the same, as BPF sees it

    uint64_t available_blocks() const;  // statfs f_bavail
    uint32_t block_size() const;        // statfs f_bsize

    std::string path(const std::string &name) const { return mount_point_ + "/" + name; }
    // Writes `bytes` of data into `name`; fsync when asked.
    void write_file(const std::string &name, uint64_t bytes, bool sync_file) const;
    void trigger_error(const std::string &message) const;
    void unmount();
    // Unmounts and mounts the same image again (an empty cache, same device).
    void mount_again();

  private:
    TempDir directory_;
    std::string mount_point_;
    std::optional<LoopDevice> loop_;
    std::optional<ScratchMount> mount_;
    dev_t device_ = 0;
};

}  // namespace fsev::test
