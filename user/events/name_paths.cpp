#include "events/name_paths.h"

#include <fcntl.h>
#include <unistd.h>

namespace fsev {

std::string parent_of(const std::string &path) {
    std::string trimmed = path;
    while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
    size_t slash = trimmed.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return trimmed.substr(0, slash);
}

std::optional<std::string> directory_of_new_name(uint32_t pid, int32_t dirfd,
                                                 const std::string &path, const std::string &proc) {
    if (path.empty()) return std::nullopt;
    std::string parent = parent_of(path);
    std::string task = proc + "/" + std::to_string(pid);
    bool task_alive = pid != 0 && ::access(task.c_str(), F_OK) == 0;
    if (parent.front() == '/') return task_alive ? task + "/root" + parent : parent;
    if (!task_alive) return std::nullopt;
    std::string base = dirfd == AT_FDCWD ? task + "/cwd" : task + "/fd/" + std::to_string(dirfd);
    return base + "/" + parent;
}

}  // namespace fsev
