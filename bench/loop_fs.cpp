#include "loop_fs.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "common/system_error.h"
#include "support/command.h"

namespace fsev::bench {

using test::run_checked;
using test::run_command;

LoopFs::LoopFs(const std::string &parent_directory, uint64_t size_mib) {
    std::string pattern = parent_directory + "/fsev-bench-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw last_system_error("mkdtemp in " + parent_directory);
    directory_ = pattern;
    std::string image = directory_ + "/ext4.img";
    mount_point_ = directory_ + "/mnt";
    try {
        std::filesystem::create_directory(mount_point_);
        run_checked({"truncate", "-s", std::to_string(size_mib) + "M", image});
        run_checked({"mkfs.ext4", "-q", "-F", "-b", "4096", image});
        loop_device_ = run_checked({"losetup", "--find", "--show", image});
        while (!loop_device_.empty() && loop_device_.back() == '\n') loop_device_.pop_back();
        run_checked({"mount", "-t", "ext4", loop_device_, mount_point_});
        mounted_ = true;
        struct stat status {};
        if (::stat(mount_point_.c_str(), &status) != 0)
            throw last_system_error("stat " + mount_point_);
        device_ = status.st_dev;
    } catch (...) {
        cleanup();
        throw;
    }
}

LoopFs::~LoopFs() {
    cleanup();
}

void LoopFs::cleanup() {
    if (mounted_ && run_command({"umount", mount_point_}).exit_code != 0)
        run_command({"umount", "-l", mount_point_});
    mounted_ = false;
    if (!loop_device_.empty()) run_command({"losetup", "-d", loop_device_});
    loop_device_.clear();
    std::error_code ignored;
    if (!directory_.empty()) std::filesystem::remove_all(directory_, ignored);
    directory_.clear();
}

uint64_t LoopFs::available_blocks() const {
    struct statfs status {};
    if (::statfs(mount_point_.c_str(), &status) != 0)
        throw last_system_error("statfs " + mount_point_);
    return status.f_bavail;
}

}  // namespace fsev::bench
