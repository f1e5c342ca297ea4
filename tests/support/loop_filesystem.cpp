#include "support/loop_filesystem.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <vector>

#include "support/command.h"

namespace fsev::test {

LoopFilesystem::LoopFilesystem(const std::string &type, uint64_t size_mib,
                               const std::string &mount_options)
    : type_(type), mount_point_(directory_.make_directory("mnt")) {
    if (type == "tmpfs") {
        std::string size = "size=" + std::to_string(size_mib) + "m";
        mount_.emplace("tmpfs", "fsev-test", mount_point_,
                       mount_options.empty() ? size : size + "," + mount_options);
    } else {
        std::string image = make_image(directory_.path(type + ".img"), size_mib);
        make_filesystem(type, image);
        loop_.emplace(image);
        mount_.emplace(type, loop_->path(), mount_point_, mount_options);
    }
    device_ = mount_->device();
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
