#include "support/loop_filesystem.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <sys/sysmacros.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "support/command.h"
#include "support/scratch_mount.h"

namespace fsev::test {

LoopFilesystem::LoopFilesystem(const std::string &type, uint64_t size_mib,
                               const std::string &mount_options)
    : type_(type) {
    directory_ = make_scratch_directory("/tmp");
    mount_point_ = directory_ + "/mnt";
    try {
        std::filesystem::create_directory(mount_point_);
        std::string options = mount_options;
        if (type == "tmpfs") {
            options =
                "size=" + std::to_string(size_mib) + "m" + (options.empty() ? "" : "," + options);
            run_checked({"mount", "-t", "tmpfs", "-o", options, "fsev-test", mount_point_});
        } else {
            std::string image = directory_ + "/" + type + ".img";
            run_checked({"truncate", "-s", std::to_string(size_mib) + "M", image});
            if (type == "xfs")
                run_checked({"mkfs.xfs", "-q", "-f", image});
            else
                run_checked({"mkfs." + type, "-q", "-f", image});
            loop_device_ = attach_loop_device(image);
            std::vector<std::string> mount = {"mount", "-t", type};
            if (!options.empty()) mount.insert(mount.end(), {"-o", options});
            mount.insert(mount.end(), {loop_device_, mount_point_});
            run_checked(mount);
        }
        mounted_ = true;
        // The superblock's device, as events name it (a btrfs subvolume's
        // files show another st_dev).
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

LoopFilesystem::~LoopFilesystem() {
    cleanup();
}

void LoopFilesystem::cleanup() {
    if (mounted_) unmount();
    remove_scratch(loop_device_, directory_);
    loop_device_.clear();
    directory_.clear();
}

void LoopFilesystem::unmount() {
    if (!mounted_) return;
    unmount_scratch(mount_point_);
    mounted_ = false;
}

uint64_t LoopFilesystem::available_blocks() const {
    return available_blocks_at(mount_point_);
}

uint32_t LoopFilesystem::block_size() const {
    return block_size_at(mount_point_);
}

bool LoopFilesystem::write_file(const std::string &name, uint64_t bytes) const {
    int fd = ::open(path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    std::vector<char> chunk(1 << 16, 'x');
    while (bytes > 0) {
        size_t size = bytes < chunk.size() ? static_cast<size_t>(bytes) : chunk.size();
        ssize_t written = ::write(fd, chunk.data(), size);
        if (written <= 0) {
            int error = errno;
            ::close(fd);
            errno = error;
            return false;
        }
        bytes -= static_cast<uint64_t>(written);
    }
    ::close(fd);
    return true;
}

bool filesystem_available(const std::string &type) {
    if (type == "tmpfs") return true;
    run_command({"modprobe", type});
    std::ifstream list("/proc/filesystems");
    std::string line;
    bool known = false;
    while (std::getline(list, line))
        if (line.size() >= type.size() && line.substr(line.size() - type.size()) == type &&
            (line.size() == type.size() || line[line.size() - type.size() - 1] == '\t'))
            known = true;
    return known && run_command({"which", "mkfs." + type}).exit_code == 0;
}

}  // namespace fsev::test
