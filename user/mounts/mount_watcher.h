#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "mounts/mountinfo.h"

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

}  // namespace fsev
