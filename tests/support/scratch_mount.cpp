#include "support/scratch_mount.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <stdexcept>

#include "support/command.h"

namespace fsev::test {

std::string make_image(const std::string &path, uint64_t size_mib) {
    run_checked({"truncate", "-s", std::to_string(size_mib) + "M", path});
    return path;
}

LoopDevice::LoopDevice(const std::string &image) {
    path_ = run_checked({"losetup", "--find", "--show", image});
    while (!path_.empty() && path_.back() == '\n') path_.pop_back();
}

LoopDevice::~LoopDevice() {
    run_command({"losetup", "-d", path_});
}

ScratchMount::ScratchMount(const std::string &type, const std::string &source,
                           const std::string &target, const std::string &options)
    : command_{"mount", "-t", type}, target_(target) {
    if (!options.empty()) command_.insert(command_.end(), {"-o", options});
    command_.insert(command_.end(), {source, target});
    mount();
}

void ScratchMount::mount() {
    if (mounted_) return;
    run_checked(command_);
    mounted_ = true;
}

void ScratchMount::unmount() {
    if (!mounted_) return;
    if (run_command({"umount", target_}).exit_code != 0) run_command({"umount", "-l", target_});
    mounted_ = false;
}

dev_t ScratchMount::device() const {
    std::string numbers = run_checked({"findmnt", "-n", "-o", "MAJ:MIN", target_});
    unsigned major_number = 0, minor_number = 0;
    if (std::sscanf(numbers.c_str(), "%u:%u", &major_number, &minor_number) != 2)
        throw std::runtime_error("findmnt " + target_ + ": " + numbers);
    return makedev(major_number, minor_number);
}

void make_filesystem(const std::string &type, const std::string &device,
                     const std::vector<std::string> &extra_options) {
    // ext4's mkfs forces with -F, the others with -f.
    std::vector<std::string> command = {"mkfs." + type, "-q", type == "ext4" ? "-F" : "-f"};
    command.insert(command.end(), extra_options.begin(), extra_options.end());
    command.push_back(device);
    run_checked(command);
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
