#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "mounts/mountinfo.h"
#include "model/trace_entry.h"

namespace fsev {

// Watches the daemon's mount table. The fd wakes (POLLPRI/EPOLLPRI) on every
// mount, umount and remount; call mount_points() then to see the new table.
class MountWatcher {
  public:
    MountWatcher();
    int fd() const { return mountinfo_.get(); }
    // Per st_dev, every mount point of that filesystem (bind mounts too).
    std::multimap<dev_t, std::string> mount_points() const;

  private:
    UniqueFd mountinfo_;
};

std::multimap<dev_t, std::string> mount_points_by_device(const std::vector<MountInfo> &mounts);

// Adds to `mount_points` the entries a writer in another mount namespace
// registered for a filesystem mounted only there (remember_foreign_device),
// while it is still mounted somewhere: the daemon's table cannot show them,
// yet they are not gone. Once the filesystem is unmounted everywhere they
// are left out, and syncing the table with the result removes them.
std::multimap<dev_t, std::string> with_entries_mounted_elsewhere(
    std::multimap<dev_t, std::string> mount_points, const std::vector<TraceEntry> &entries);

}  // namespace fsev
