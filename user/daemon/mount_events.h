#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/event.h"
#include "mounts/mountinfo.h"
#include "model/trace_entry.h"

namespace fsev {

// The INFO id for a superblock whose read-only state went from
// `was_read_only` to what `super_options` say now: FS_INFO_REMOUNT_RO or
// _RW for an administrator's remount, nothing when unchanged or when the
// switch is ext4's own reaction to an error ("emergency_ro", reported as
// FS_ERR_RO_REMOUNT instead).
uint32_t remount_event_id(bool was_read_only, const std::string &super_options);

// Turns mount-table changes of traced filesystems into INFO events:
// FS_INFO_UMOUNT when an entry goes with its filesystem, FS_INFO_REMOUNT_RO
// and FS_INFO_REMOUNT_RW when an administrator remounts it. The mount table
// does not say who did it, so the caused pid is 0.
class MountEvents : public TraceTableObserver {
  public:
    using Publish = std::function<void(const Event &)>;
    // `read_only_by_error`: true when the daemon already reported that an
    // error made this filesystem read-only (kernels < 6.15 show that as a
    // plain "ro", which must not count as an administrator's remount).
    MountEvents(Publish publish, std::function<bool(dev_t)> read_only_by_error,
                std::function<void(dev_t)> writable_again);

    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &, bool) override {}
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    // After every mount-table change, before gone filesystems are removed.
    void mounts_changed(const std::vector<TraceEntry> &entries,
                        const std::vector<MountInfo> &mounts);

  private:
    Event info_event(const TraceEntry &entry, uint32_t id) const;

    Publish publish_;
    std::function<bool(dev_t)> read_only_by_error_;
    std::function<void(dev_t)> writable_again_;
    std::mutex mutex_;
    std::map<dev_t, bool> read_only_;  // last seen state per traced superblock
};

}  // namespace fsev
