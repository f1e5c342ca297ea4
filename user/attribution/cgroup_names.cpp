#include "attribution/cgroup_names.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace fsev {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        if (!part.empty()) parts.push_back(part);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

bool is_hex_id(std::string_view text) {
    if (text.size() < 12) return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string short_id(std::string_view id) {
    return std::string(id.substr(0, 12));
}

}  // namespace

Workload workload_of(std::string_view cgroup_path) {
    Workload pod, unit;
    for (std::string_view part : components(cgroup_path)) {
        std::string_view name = part;
        if (ends_with(name, ".scope")) name.remove_suffix(6);
        // Container runtimes, as systemd scopes or cgroupfs directories.
        for (std::string_view runtime : {"docker-", "cri-containerd-", "crio-", "libpod-"}) {
            if (starts_with(name, runtime) && is_hex_id(name.substr(runtime.size())))
                return Workload{"container", short_id(name.substr(runtime.size()))};
        }
        if (is_hex_id(name) &&
            (!pod.kind.empty() || cgroup_path.find("/docker/") != std::string_view::npos))
            return Workload{"container", short_id(name)};
        // kubepods-burstable-pod<uid>.slice (systemd) or pod<uid> (cgroupfs).
        size_t at = part.rfind("-pod");
        if (starts_with(part, "kubepods") && at != std::string_view::npos) {
            std::string_view uid = part.substr(at + 4);
            if (ends_with(uid, ".slice")) uid.remove_suffix(6);
            pod = Workload{"pod", std::string(uid)};
        } else if (starts_with(part, "pod") &&
                   cgroup_path.find("kubepods") != std::string_view::npos) {
            pod = Workload{"pod", std::string(part.substr(3))};
        }
        if (ends_with(part, ".service"))
            unit = Workload{"service", std::string(part)};
        else if (ends_with(part, ".scope"))
            unit = Workload{"scope", std::string(part)};
    }
    if (!pod.kind.empty()) return pod;
    return unit;
}

std::optional<std::string> cgroup2_mount_point(const std::string &mountinfo) {
    std::ifstream in(mountinfo);
    std::string line;
    while (std::getline(in, line)) {
        // ... mount_point ... - fstype source options
        size_t separator = line.find(" - ");
        if (separator == std::string::npos) continue;
        std::istringstream tail(line.substr(separator + 3));
        std::string fstype;
        tail >> fstype;
        if (fstype != "cgroup2") continue;
        std::istringstream head(line.substr(0, separator));
        std::string id, parent, device, root, mount_point;
        head >> id >> parent >> device >> root >> mount_point;
        if (root == "/") return mount_point;  // octal escapes: none in usual mount points
    }
    return std::nullopt;
}

CgroupNames::CgroupNames(std::string root) : root_(std::move(root)) {
    if (root_.empty()) root_ = cgroup2_mount_point().value_or("");
}

void CgroupNames::rescan() {
    last_scan_ = std::chrono::steady_clock::now();
    if (root_.empty()) return;
    std::error_code error;
    struct stat status {};
    if (::stat(root_.c_str(), &status) == 0) paths_[status.st_ino] = std::string(1, '/');
    namespace fs = std::filesystem;
    fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied,
                                        error);
    for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (!it->is_directory(error) || it->is_symlink(error)) continue;
        if (::stat(it->path().c_str(), &status) != 0) continue;
        // Built by append: GCC 12's -O3 sees a false overlap (-Wrestrict) in
        // "/" + std::string.
        std::string path(1, '/');
        path.append(fs::relative(it->path(), root_, error).string());
        paths_[status.st_ino] = std::move(path);
    }
}

std::optional<std::string> CgroupNames::path(uint64_t cgroup_id) {
    std::lock_guard lock(mutex_);
    auto found = paths_.find(cgroup_id);
    if (found == paths_.end() &&
        std::chrono::steady_clock::now() - last_scan_ >= std::chrono::seconds(1)) {
        rescan();
        found = paths_.find(cgroup_id);
    }
    if (found == paths_.end()) return std::nullopt;
    return found->second;
}

std::string CgroupNames::describe(uint64_t cgroup_id) {
    return path(cgroup_id).value_or("cgroup:" + std::to_string(cgroup_id));
}

}  // namespace fsev
