#include "support/temp_dir.h"

#include <sys/mount.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "mounts/mountinfo.h"

namespace fsev::test {

TempDir::TempDir(const std::string &prefix, const std::string &parent) {
    std::string pattern = parent + "/" + prefix + "-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp in " + parent + " failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::vector<std::string> inside;
    for (const auto &mount : read_mountinfo("self"))
        if (mount.mount_point.rfind(path_ + "/", 0) == 0) inside.push_back(mount.mount_point);
    std::sort(inside.begin(), inside.end(),
              [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
    for (const auto &mount_point : inside) ::umount2(mount_point.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::make_directory(const std::string &name) const {
    std::filesystem::create_directory(path(name));
    return path(name);
}

bool is_mounted(const std::string &path) {
    for (const auto &mount : read_mountinfo("self"))
        if (mount.mount_point == path) return true;
    return false;
}

}  // namespace fsev::test
