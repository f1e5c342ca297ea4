#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fsev {

// What a cgroup v2 path says about who runs in it.
struct Workload {
    std::string kind;  // "container", "pod", "service", "scope", "" (none)
    std::string name;  // e.g. the container id, the unit name
};

// Reads a container, pod or systemd unit out of a cgroup path:
// .../docker-<id>.scope and /docker/<id> (container <id>, shortened to 12),
// .../kubepods[-burstable|...]-pod<uid>.slice/... and /kubepods/.../pod<uid>
// (pod <uid>; the container below it wins when there is one),
// libpod-<id>.scope (podman), <name>.service, <name>.scope.
Workload workload_of(std::string_view cgroup_path);

// Finds the cgroup v2 hierarchy's mount point in /proc/self/mountinfo
// ("cgroup2"); nullopt when none is mounted.
std::optional<std::string> cgroup2_mount_point(
    const std::string &mountinfo = "/proc/self/mountinfo");

// cgroup id -> path below the cgroup v2 root ("/" for the root itself). A
// cgroup v2 id is the inode number of its directory in cgroupfs, so the
// hierarchy is walked, matching inode numbers. One walk names every cgroup;
// an id not found walks again, at most once a second.
class CgroupNames {
  public:
    // `root`: the cgroup v2 mount point; empty: found in mountinfo.
    explicit CgroupNames(std::string root = {});
    // The path, or nullopt when the cgroup is gone or no v2 is mounted.
    std::optional<std::string> path(uint64_t cgroup_id);
    // "/system.slice/foo.service" style text for any id: the path, or
    // "cgroup:<id>" when it cannot be found.
    std::string describe(uint64_t cgroup_id);

  private:
    void rescan();
    std::string root_;
    std::chrono::steady_clock::time_point last_scan_{};
    std::mutex mutex_;
    std::map<uint64_t, std::string> paths_;
};

}  // namespace fsev
