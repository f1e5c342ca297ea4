#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace fsev {

// Event-type bits a trace entry asks for (config names info,warn,err,thr).
enum TraceTypes : uint32_t {
    TRACE_INFO = 1u << 0,
    TRACE_WARN = 1u << 1,
    TRACE_ERR = 1u << 2,
    TRACE_THRESH = 1u << 3,
    TRACE_ALL = TRACE_INFO | TRACE_WARN | TRACE_ERR | TRACE_THRESH,
};

// One line of /run/fsev/config: what is traced on one superblock.
struct TraceEntry {
    uint32_t id = 0;           // FS_EVENT_ATR_FS_ID, cyclic from 1
    dev_t device = 0;          // the superblock's device, sb->s_dev (glibc encoding)
    dev_t file_device = 0;     // st_dev of files at the mount point; differs on btrfs
    uint32_t types = 0;        // TraceTypes bits
    bool has_lower = false;    // L1 set
    bool has_upper = false;    // L2 set
    uint64_t lower_level = 0;  // L1: available blocks, reached first while filling
    uint64_t upper_level = 0;  // L2: available blocks, closer to full (L1 >= L2)
    std::string mount_point;   // as shown in the listing
    std::string fstype;        // e.g. ext4
    std::string source;        // device path, e.g. /dev/loop0
    // L1/L2 as requested when given as a share or an amount ("10%", "20G");
    // empty for the RFC's block counts. The levels above are what they
    // resolved to on this filesystem.
    std::string lower_requested;
    std::string upper_requested;
    std::string
        rule;  // the selector of the rule that made the entry ("@blockdev"); empty if written
    // `predict`: warn FS_WARN_FULL_SOON when L2 (or full) is this many
    // seconds away or less at the current fill rate; 0: no prediction.
    uint64_t predict_seconds = 0;
};

// Told about every change of the trace table, after it is applied. The BPF
// side, netlink (NEW_TRACE) and metrics listen here.
class TraceTableObserver {
  public:
    virtual ~TraceTableObserver() = default;
    virtual void entry_created(const TraceEntry &entry) = 0;
    // `thresholds_reset` when L1/L2 were (re)set: the state must re-arm.
    virtual void entry_changed(const TraceEntry &entry, bool thresholds_reset) = 0;
    // `filesystem_gone` when removed because the filesystem was unmounted.
    virtual void entry_removed(const TraceEntry &entry, bool filesystem_gone) = 0;
};

}  // namespace fsev
