#include "support/mapped_filesystem.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/command.h"

namespace fsev::test {

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

MappedFilesystem::Mapping::Mapping(const std::string &name, const std::string &table)
    : name_(name) {
    run_checked({"dmsetup", "create", name_, "--table", table});
    try {
        // Without udev (a minimal guest) nobody else makes the node.
        run_checked({"dmsetup", "mknodes", name_});
    } catch (...) {
        run_command({"dmsetup", "remove", name_});
        throw;
    }
}

MappedFilesystem::Mapping::~Mapping() {
    // A lazily unmounted filesystem may hold the device for a moment.
    for (int attempt = 0; attempt < 50; attempt++) {
        if (run_command({"dmsetup", "remove", name_}).exit_code == 0) break;
        ::usleep(100'000);
    }
}

MappedFilesystem::MappedFilesystem(const std::string &type, uint64_t size_mib)
    : mount_point_(directory_.make_directory("mnt")), sectors_(size_mib * 2048) {
    loop_.emplace(make_image(directory_.path(type + ".img"), size_mib));
    // Unique among the tests running at once: the pid and the scratch
    // directory's random part.
    std::string name = "fsev-test-" + std::to_string(::getpid()) + "-" +
                       directory_.path().substr(directory_.path().rfind('-') + 1);
    mapping_.emplace(name, "0 " + std::to_string(sectors_) + " linear " + loop_->path() + " 0");
    std::string device = "/dev/mapper/" + name;
    make_filesystem(type, device);
    mount_.emplace(type, device, mount_point_);
    device_ = mount_->device();
}

void MappedFilesystem::fail_all_io() {
    // Suspended without freezing the filesystem first (--nolockfs): a
    // freeze would write out everything the test wants to fail later.
    run_checked({"dmsetup", "suspend", "--nolockfs", mapping_->name()});
    run_checked({"dmsetup", "load", mapping_->name(), "--table",
                 "0 " + std::to_string(sectors_) + " error"});
    run_checked({"dmsetup", "resume", mapping_->name()});
}

}  // namespace fsev::test
