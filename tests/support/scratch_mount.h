#pragma once

#include <cstdint>
#include <string>

namespace fsev::test {

// The pieces every test filesystem (LoopExt4, LoopFilesystem) is made of
// and torn down with, whatever its type.

// A fresh directory `parent`/fsev-test-XXXXXX; throws std::runtime_error.
std::string make_scratch_directory(const std::string &parent);
// Attaches `image` to a free loop device and returns its path (/dev/loopN).
std::string attach_loop_device(const std::string &image);
// Unmounts `mount_point`, lazily if a failed test still holds files open.
void unmount_scratch(const std::string &mount_point);
// Detaches `loop_device` (if any) and removes `directory` (if any), errors ignored.
void remove_scratch(const std::string &loop_device, const std::string &directory);

uint64_t available_blocks_at(const std::string &path);  // statfs f_bavail
uint32_t block_size_at(const std::string &path);        // statfs f_bsize

}  // namespace fsev::test
