#include "support/scratch_mount.h"

#include <sys/statfs.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "support/command.h"

namespace fsev::test {

std::string make_scratch_directory(const std::string &parent) {
    std::string pattern = parent + "/fsev-test-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp in " + parent + " failed");
    return pattern;
}

std::string attach_loop_device(const std::string &image) {
    std::string device = run_checked({"losetup", "--find", "--show", image});
    while (!device.empty() && device.back() == '\n') device.pop_back();
    return device;
}

void unmount_scratch(const std::string &mount_point) {
    if (run_command({"umount", mount_point}).exit_code != 0)
        run_command({"umount", "-l", mount_point});
}

void remove_scratch(const std::string &loop_device, const std::string &directory) {
    if (!loop_device.empty()) run_command({"losetup", "-d", loop_device});
    std::error_code ignored;
    if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
}

uint64_t available_blocks_at(const std::string &path) {
    struct statfs status {};
    if (::statfs(path.c_str(), &status) != 0) throw std::runtime_error("statfs failed");
    return status.f_bavail;
}

uint32_t block_size_at(const std::string &path) {
    struct statfs status {};
    if (::statfs(path.c_str(), &status) != 0) throw std::runtime_error("statfs failed");
    return static_cast<uint32_t>(status.f_bsize);
}

}  // namespace fsev::test
