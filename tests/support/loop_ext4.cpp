#include "support/loop_ext4.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "model/device.h"

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

}  // namespace

LoopExt4::LoopExt4(const LoopExt4Options &options)
    : directory_("fsev-test", options.parent_directory),
      mount_point_(directory_.make_directory("mnt")) {
    std::string image = make_image(directory_.path("ext4.img"), options.size_mib);
    make_filesystem("ext4", image, split_words(options.mkfs_options));
    loop_.emplace(image);
    mount_.emplace("ext4", loop_->path(), mount_point_, options.mount_options);
    struct stat status {};
    if (::stat(mount_point_.c_str(), &status) != 0) throw std::runtime_error("stat mount point");
    device_ = status.st_dev;
}

void LoopExt4::unmount() {
    mount_->unmount();
}

void LoopExt4::mount_again() {
    mount_->unmount();
    mount_->mount();
}

std::string LoopExt4::sysfs_name() const {
    return loop_device().substr(loop_device().rfind('/') + 1);
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
