#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "events/error_rate_limiter.h"
#include "model/event.h"
#include "fsev/bpf_shared.h"
#include "model/trace_entry.h"

namespace fsev {

// The ERR id of an XFS forced shutdown from its SHUTDOWN_* flags:
// corruption (in core or on disk) is FS_ERR_CORRUPTED, the administrator's
// shutdown (xfs_io -x -c shutdown) FS_ERR_SHUTDOWN, a metadata or log I/O
// error or a removed device FS_ERR_INTERNAL.
uint32_t xfs_shutdown_event_id(uint64_t flags);

// Turns ring-buffer records into the events the outside world sees.
// Thresholds and ENOSPC arrive decided by BPF; errors are classified here,
// from ext4's own error record in sysfs, and followed by FS_ERR_RO_REMOUNT
// when the error switched the filesystem to read-only: seen in ext4's own
// flags (kernels that no longer set SB_RDONLY after an error, such as
// Debian's 6.1, show nothing in the mount table) or in the mount table.
class RecordInterpreter {
  public:
    using EntryLookup = std::function<std::optional<TraceEntry>(uint32_t trace_id)>;
    using DeviceLookup = std::function<std::optional<TraceEntry>(dev_t device)>;
    // FSEV_EXT4_* bits of the superblock at a kernel address, read from
    // ext4's own flags (Ext4Probes::ext4_state); nullopt when unknown.
    using Ext4StateReader = std::function<std::optional<uint32_t>(uint64_t superblock)>;
    struct Interpreted {
        Event event;
        uint64_t suppressed_before = 0;  // ERR events held back before this one
    };

    explicit RecordInterpreter(EntryLookup lookup, DeviceLookup device_lookup,
                               Ext4StateReader ext4_state = {},
                               ErrorRateLimiter limiter = ErrorRateLimiter());

    // The events a record stands for: none for raw records, for entries that
    // are gone, or for ERR events over the rate limit (those are counted).
    std::vector<Interpreted> interpret(const fsev_record &record);

    uint64_t suppressed_errors() const { return limiter_.suppressed_total(); }
    // The filesystem is writable again (remounted rw): a later error that
    // turns it read-only is reported again.
    void writable_again(uint32_t kernel_dev) { read_only_by_error_.erase(kernel_dev); }
    bool read_only_by_error(uint32_t kernel_dev) const {
        return read_only_by_error_.count(kernel_dev);
    }

  private:
    std::vector<Interpreted> interpret_name_enospc(const fsev_record &record);
    uint32_t classify_error(const fsev_record &record);
    bool became_read_only(const fsev_record &record);
    bool allowed(const Event &event, uint64_t &suppressed_before);

    EntryLookup lookup_;
    DeviceLookup device_lookup_;
    Ext4StateReader ext4_state_;
    ErrorRateLimiter limiter_;
    std::map<uint32_t, uint64_t> errors_seen_;  // kernel dev -> ext4 errors_count
    std::set<uint32_t> read_only_by_error_;     // kernel devs already reported RO
};

}  // namespace fsev
