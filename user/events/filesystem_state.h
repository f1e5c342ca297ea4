#pragma once

#include <chrono>
#include <deque>
#include <optional>

#include "fsev/bpf_shared.h"
#include "model/event.h"
#include "model/trace_entry.h"

namespace fsev {

// An ext4 error record waiting for what ext4 writes after its tracepoint
// fires: first its own error record in sysfs (which tells the kind of
// error), then, with errors=remount-ro, the switch to read-only. Checked
// again on the event loop until it shows or its deadline passes.
struct ErrorCheck {
    enum class Awaiting { error_record, read_only_switch };
    Awaiting awaiting = Awaiting::error_record;
    fsev_record record{};
    Event event;  // the error event; its id is final once the error record is read
    std::chrono::steady_clock::time_point deadline;
};

// Everything the daemon keeps about one traced filesystem (one superblock):
// what the trace table asks of it, whether it is read-only and why, and how
// far ext4's own error count has been classified. Kept when its entry goes,
// so a filesystem traced again keeps its error history.
struct FilesystemState {
    std::optional<TraceEntry> entry;  // types, thresholds, mount point; none while untraced
    bool read_only = false;           // as the mount table (or statfs when traced) last showed it
    bool read_only_by_error = false;  // FS_ERR_RO_REMOUNT reported, no remount rw since
    uint64_t ext4_errors_seen = 0;    // ext4's errors_count up to which errors are classified
    std::optional<ErrorCheck> check;  // a deferred check under way
    // Records of this filesystem that came during the check, in order: its
    // events keep the kernel's order, other filesystems' go out meanwhile.
    std::deque<fsev_record> waiting;
};

}  // namespace fsev
