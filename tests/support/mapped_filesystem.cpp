#include "support/mapped_filesystem.h"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "support/command.h"

namespace fsev::test {

namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

// The device-mapper driver registers this misc device once it is there.
static bool device_mapper_in_kernel() {
    std::ifstream misc("/proc/misc");
    std::string line;
    while (std::getline(misc, line))
        if (line.find(" device-mapper") != std::string::npos) return true;
    return false;
}

std::string device_mapper_unavailable() {
    if (run_command({"which", "dmsetup"}).exit_code != 0)
        return "dmsetup is missing (Debian package dmsetup, scripts/install-deps.sh)";
    run_command({"modprobe", "dm_mod"});
    if (!device_mapper_in_kernel()) return "this kernel has no device-mapper (CONFIG_BLK_DEV_DM)";
    // Without udev (a minimal guest) nobody else makes the control node.
    if (!std::filesystem::exists("/dev/mapper/control")) run_command({"dmsetup", "mknodes"});
    return "";
}

MappedFilesystem::MappedFilesystem(const std::string &type, uint64_t size_mib) {
    char pattern[] = "/tmp/fsev-dm-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    mount_point_ = directory_ + "/mnt";
    dm_name_ = "fsev-test-" + std::to_string(::getpid()) + "-" +
               std::filesystem::path(directory_).filename().string().substr(8);
    sectors_ = size_mib * 2048;
    try {
        std::filesystem::create_directory(mount_point_);
        std::string image = directory_ + "/" + type + ".img";
        run_checked({"truncate", "-s", std::to_string(size_mib) + "M", image});
        loop_device_ = trimmed(run_checked({"losetup", "--find", "--show", image}));
        run_checked({"dmsetup", "create", dm_name_, "--table",
                     "0 " + std::to_string(sectors_) + " linear " + loop_device_ + " 0"});
        mapped_ = true;
        // Without udev (a minimal guest) nobody else makes the node.
        run_checked({"dmsetup", "mknodes", dm_name_});
        std::string device = "/dev/mapper/" + dm_name_;
        run_checked({"mkfs." + type, "-q", "-f", device});
        run_checked({"mount", "-t", type, device, mount_point_});
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

MappedFilesystem::~MappedFilesystem() {
    cleanup();
}

void MappedFilesystem::fail_all_io() {
    // Suspended without freezing the filesystem first (--nolockfs): a
    // freeze would write out everything the test wants to fail later.
    run_checked({"dmsetup", "suspend", "--nolockfs", dm_name_});
    run_checked(
        {"dmsetup", "load", dm_name_, "--table", "0 " + std::to_string(sectors_) + " error"});
    run_checked({"dmsetup", "resume", dm_name_});
}

void MappedFilesystem::cleanup() {
    if (mounted_ && run_command({"umount", mount_point_}).exit_code != 0)
        run_command({"umount", "-l", mount_point_});
    mounted_ = false;
    if (mapped_) {
        // A lazily unmounted filesystem may hold the device for a moment.
        for (int attempt = 0; attempt < 50; attempt++) {
            if (run_command({"dmsetup", "remove", dm_name_}).exit_code == 0) break;
            ::usleep(100'000);
        }
    }
    mapped_ = false;
    if (!loop_device_.empty()) run_command({"losetup", "-d", loop_device_});
    loop_device_.clear();
    std::error_code ignored;
    if (!directory_.empty()) std::filesystem::remove_all(directory_, ignored);
    directory_.clear();
}

}  // namespace fsev::test
