#include "support/scratch_mount.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "support/command.h"

namespace fsev::test {

ScratchDirectory::ScratchDirectory(const std::string &parent) {
    std::string pattern = parent + "/fsev-test-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp in " + parent + " failed");
    path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDirectory::make(const std::string &name) const {
    std::string made = path_ + "/" + name;
    std::filesystem::create_directory(made);
    return made;
}

std::string ScratchDirectory::make_image(const std::string &name, uint64_t size_mib) const {
    std::string image = path_ + "/" + name;
    run_checked({"truncate", "-s", std::to_string(size_mib) + "M", image});
    return image;
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
