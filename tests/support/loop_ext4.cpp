#include "support/loop_ext4.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "model/device.h"
#include "support/command.h"
#include "support/scratch_mount.h"

namespace fsev::test {

namespace {

std::vector<std::string> split_words(const std::string &text) {
    std::vector<std::string> words;
    size_t start = 0;
    while ((start = text.find_first_not_of(' ', start)) != std::string::npos) {
        size_t end = text.find(' ', start);
        words.push_back(text.substr(start, end - start));
        start = end;
    }
    return words;
}

std::vector<std::string> mount_command(const std::string &options, const std::string &device,
                                       const std::string &mount_point) {
    std::vector<std::string> command = {"mount", "-t", "ext4"};
    if (!options.empty()) command.insert(command.end(), {"-o", options});
    command.insert(command.end(), {device, mount_point});
    return command;
}

}  // namespace

LoopExt4::LoopExt4(const LoopExt4Options &options) : mount_options_(options.mount_options) {
    directory_ = make_scratch_directory(options.parent_directory);
    image_ = directory_ + "/ext4.img";
    mount_point_ = directory_ + "/mnt";
    try {
        std::filesystem::create_directory(mount_point_);
        run_checked({"truncate", "-s", std::to_string(options.size_mib) + "M", image_});
        std::vector<std::string> mkfs = {"mkfs.ext4", "-q", "-F"};
        for (auto &word : split_words(options.mkfs_options)) mkfs.push_back(word);
        mkfs.push_back(image_);
        run_checked(mkfs);
        loop_device_ = attach_loop_device(image_);
        run_checked(mount_command(mount_options_, loop_device_, mount_point_));
        mounted_ = true;
        struct stat status {};
        if (::stat(mount_point_.c_str(), &status) != 0)
            throw std::runtime_error("stat mount point");
        device_ = status.st_dev;
    } catch (...) {
        cleanup();
        throw;
    }
}

LoopExt4::~LoopExt4() {
    cleanup();
}

void LoopExt4::cleanup() {
    if (mounted_) unmount();
    remove_scratch(loop_device_, directory_);
    loop_device_.clear();
    directory_.clear();
}

void LoopExt4::unmount() {
    if (!mounted_) return;
    unmount_scratch(mount_point_);
    mounted_ = false;
}

void LoopExt4::mount_again() {
    unmount();
    run_checked(mount_command(mount_options_, loop_device_, mount_point_));
    mounted_ = true;
}

std::string LoopExt4::sysfs_name() const {
    return loop_device_.substr(loop_device_.rfind('/') + 1);
}

uint32_t LoopExt4::kernel_device() const {
    return kernel_dev_from_user(device_);
}

uint64_t LoopExt4::available_blocks() const {
    return available_blocks_at(mount_point_);
}

uint32_t LoopExt4::block_size() const {
    return block_size_at(mount_point_);
}

void LoopExt4::write_file(const std::string &name, uint64_t bytes, bool sync_file) const {
    int fd = ::open(path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("open " + path(name) + " failed");
    std::vector<char> chunk(1 << 16, 'x');
    while (bytes > 0) {
        size_t size = bytes < chunk.size() ? static_cast<size_t>(bytes) : chunk.size();
        ssize_t written = ::write(fd, chunk.data(), size);
        if (written <= 0) {
            ::close(fd);
            throw std::runtime_error("write " + path(name) + " failed");
        }
        bytes -= static_cast<uint64_t>(written);
    }
    if (sync_file && ::fsync(fd) != 0) {
        ::close(fd);
        throw std::runtime_error("fsync failed");
    }
    ::close(fd);
}

void LoopExt4::trigger_error(const std::string &message) const {
    std::ofstream trigger("/sys/fs/ext4/" + sysfs_name() + "/trigger_fs_error");
    trigger << message << '\n';
    trigger.flush();
    if (!trigger) throw std::runtime_error("writing trigger_fs_error failed");
}

}  // namespace fsev::test
