#include "support/starved_filesystem.h"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "support/command.h"

namespace fsev::test {

StarvedFilesystem::StarvedFilesystem(const std::string &type, uint64_t size_mib) {
    char pattern[] = "/tmp/fsev-starved-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    store_ = directory_ + "/store";
    mount_point_ = directory_ + "/mnt";
    try {
        std::filesystem::create_directory(store_);
        std::filesystem::create_directory(mount_point_);
        // Room for what mkfs and the first writes need, not for the image.
        run_checked({"mount", "-t", "tmpfs", "-o", "size=" + std::to_string(size_mib / 2) + "m",
                     "fsev-test-store", store_});
        store_mounted_ = true;
        std::string image = store_ + "/" + type + ".img";
        run_checked({"truncate", "-s", std::to_string(size_mib) + "M", image});
        run_checked({"mkfs." + type, "-q", "-f", image});
        loop_device_ = run_checked({"losetup", "--find", "--show", image});
        while (!loop_device_.empty() && loop_device_.back() == '\n') loop_device_.pop_back();
        run_checked({"mount", "-t", type, loop_device_, mount_point_});
        mounted_ = true;
        std::string numbers = run_checked({"findmnt", "-n", "-o", "MAJ:MIN", mount_point_});
        unsigned major_number = 0, minor_number = 0;
        if (std::sscanf(numbers.c_str(), "%u:%u", &major_number, &minor_number) != 2)
            throw std::runtime_error("findmnt " + mount_point_ + ": " + numbers);
        device_ = makedev(major_number, minor_number);
    } catch (...) {
        cleanup();
        throw;
    }
}

StarvedFilesystem::~StarvedFilesystem() {
    cleanup();
}

void StarvedFilesystem::starve() {
    // dd ends with ENOSPC: that is the point.
    run_command({"dd", "if=/dev/zero", "of=" + store_ + "/filler", "bs=1M"});
}

void StarvedFilesystem::cleanup() {
    if (mounted_ && run_command({"umount", mount_point_}).exit_code != 0)
        run_command({"umount", "-l", mount_point_});
    mounted_ = false;
    if (!loop_device_.empty()) run_command({"losetup", "-d", loop_device_});
    loop_device_.clear();
    if (store_mounted_ && run_command({"umount", store_}).exit_code != 0)
        run_command({"umount", "-l", store_});
    store_mounted_ = false;
    std::error_code ignored;
    if (!directory_.empty()) std::filesystem::remove_all(directory_, ignored);
    directory_.clear();
}

}  // namespace fsev::test
