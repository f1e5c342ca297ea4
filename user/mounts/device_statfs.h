#pragma once

#include <sys/statfs.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mounts/mountinfo.h"

namespace fsev {

// The id of the mount an open file (O_PATH is enough) lies on, as
// /proc/PID/mountinfo numbers mounts. Throws std::system_error.
uint64_t mount_id_of(int fd);

// statfs of the filesystem whose superblock is `device`, read through a
// mount in `mounts` (the daemon's mount table) that really shows it:
// `preferred` first, then every other mount of the device in table order. A
// mount point covered by a later mount (a tmpfs over the ext4) shows the
// covering filesystem, so it is checked by the mount the path opens, never by
// the path alone. nullopt when no mount of the device shows it (every one
// covered, or it is mounted only in another mount namespace).
std::optional<struct statfs> statfs_of_device(dev_t device, const std::string &preferred,
                                              const std::vector<MountInfo> &mounts);

// The same, reading the daemon's mount table itself; nullopt without it.
std::optional<struct statfs> statfs_of_device(dev_t device, const std::string &preferred);

// True while a filesystem on `device` is mounted in some mount namespace
// (ustat(2) finds superblocks machine-wide, whatever the caller's namespace).
bool superblock_mounted(dev_t device);

}  // namespace fsev
