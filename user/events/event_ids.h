#pragma once

#include <cstdint>
#include <string>

namespace fsev {

// The ERR id of an XFS forced shutdown from its SHUTDOWN_* flags:
// corruption (in core or on disk) is FS_ERR_CORRUPTED, the administrator's
// shutdown (xfs_io -x -c shutdown) FS_ERR_SHUTDOWN, a metadata or log I/O
// error or a removed device FS_ERR_INTERNAL.
uint32_t xfs_shutdown_event_id(uint64_t flags);

// The INFO id for a superblock whose read-only state went from
// `was_read_only` to what `super_options` say now: FS_INFO_REMOUNT_RO or
// _RW for an administrator's remount, nothing when unchanged or when the
// switch is ext4's own reaction to an error ("emergency_ro", reported as
// FS_ERR_RO_REMOUNT instead).
uint32_t remount_event_id(bool was_read_only, const std::string &super_options);

}  // namespace fsev
