#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fsev::test {

// The pieces every test filesystem (LoopExt4, LoopFilesystem,
// MappedFilesystem, StarvedFilesystem) is made of, with a TempDir. Each owns
// one thing and undoes it when destroyed, errors ignored, so a filesystem
// that holds them as members (directory first, mount last) is torn down in
// the right order whatever state a failing test left.

// A sparse file of `size_mib` MiB at `path`; returns `path`.
std::string make_image(const std::string &path, uint64_t size_mib);

// `image` attached to a free loop device; detached when destroyed.
class LoopDevice {
  public:
    explicit LoopDevice(const std::string &image);
    ~LoopDevice();
    LoopDevice(const LoopDevice &) = delete;
    LoopDevice &operator=(const LoopDevice &) = delete;

    const std::string &path() const { return path_; }  // /dev/loopN

  private:
    std::string path_;
};

// `source` mounted on `target` (`mount -t TYPE [-o OPTIONS] SOURCE TARGET`),
// unmounted when destroyed, lazily if a failed test still holds files open.
class ScratchMount {
  public:
    ScratchMount(const std::string &type, const std::string &source, const std::string &target,
                 const std::string &options = "");
    ~ScratchMount() { unmount(); }
    ScratchMount(const ScratchMount &) = delete;
    ScratchMount &operator=(const ScratchMount &) = delete;

    const std::string &target() const { return target_; }
    bool mounted() const { return mounted_; }
    void unmount();
    // Mounts it again after unmount(); nothing when still mounted.
    void mount();
    // The superblock's device, as the mount table and events name it (a
    // btrfs subvolume's files show another st_dev).
    dev_t device() const;

  private:
    std::vector<std::string> command_;
    std::string target_;
    bool mounted_ = false;
};

// mkfs.`type` `extra_options` on `device` (quiet, forced over an old one).
void make_filesystem(const std::string &type, const std::string &device,
                     const std::vector<std::string> &extra_options = {});

uint64_t available_blocks_at(const std::string &path);  // statfs f_bavail
uint32_t block_size_at(const std::string &path);        // statfs f_bsize

}  // namespace fsev::test
