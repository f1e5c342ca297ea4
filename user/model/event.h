#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fsev/fs_event.h"

namespace fsev {

// A writer that took space on the event's filesystem (THRESH, ENOSPC).
struct EventWriter {
    uint32_t pid = 0;  // thread group id; 0 when not in the daemon's pid namespace
    std::string comm;
    uint64_t cgroup_id = 0;
    std::string cgroup;    // cgroup v2 path, or "cgroup:<id>" when it cannot be found
    std::string workload;  // "container <id>", "pod <uid>", "service <unit>", ...; may be empty
    uint64_t bytes = 0;    // space taken within the window
};

// One event as the outside world sees it: what goes out as an FS_EVENT
// netlink message, a stdout line and a metrics update. Built by the daemon
// from ring-buffer records and trace-table changes.
struct Event {
    uint32_t type = FS_EVENT_NONE;  // enum fs_event_type (the genl command)
    uint32_t id = 0;                // FS_* event id (0 for NEW_TRACE)
    uint32_t trace_id = 0;          // FS_EVENT_ATR_FS_ID
    bool has_device = false;        // the filesystem has a block device
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint32_t caused_pid = 0;                 // 0 when no task caused it
    uint64_t available_blocks = 0;           // FS_EVENT_ATR_DATA (THRESH)
    uint32_t direction = FS_EVENT_DIR_NONE;  // THRESH only
    uint32_t block_size = 0;                 // bytes per block; 0 when unknown
    uint32_t counted_by = 0;                 // enum fs_event_count_source (THRESH)
    std::string mount_point;                 // FS_EVENT_ATR_MOUNT (NEW_TRACE); also for display
    // FS_EVENT_ATR_WRITERS: who took most space over the last
    // `writers_window_seconds` (0: no writers attribute).
    uint32_t writers_window_seconds = 0;
    std::vector<EventWriter> writers;
    uint64_t other_writers_bytes = 0;
};

// Anything that wants every event: netlink publisher, metrics, stdout.
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void deliver(const Event &event) = 0;
};

}  // namespace fsev
