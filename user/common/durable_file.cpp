#include "common/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/system_error.h"
#include "common/unique_fd.h"

namespace fsev {

namespace {

std::string directory_of(const std::string &path) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

void write_all(int fd, const std::string &text, const std::string &path) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            throw last_system_error("write " + path);
        }
        done += static_cast<size_t>(wrote);
    }
}

}  // namespace

void replace_file_durably(const std::string &path, const std::string &text) {
    std::string temporary = path + ".tmp";
    {
        UniqueFd file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!file.valid()) throw last_system_error("create " + temporary);
        write_all(file.get(), text, temporary);
        if (::fsync(file.get()) != 0) throw last_system_error("fsync " + temporary);
        if (::close(file.release()) != 0) throw last_system_error("close " + temporary);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        throw last_system_error("rename " + temporary + " to " + path);
    std::string directory = directory_of(path);
    UniqueFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory_fd.valid()) throw last_system_error("open " + directory);
    if (::fsync(directory_fd.get()) != 0) throw last_system_error("fsync " + directory);
}

void make_directories(const std::string &directory) {
    if (directory.empty()) return;  // the working directory
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) throw std::system_error(error, "create " + directory);
    if (!std::filesystem::is_directory(directory))
        throw system_error(ENOTDIR, directory + " is not a directory");
}

}  // namespace fsev
