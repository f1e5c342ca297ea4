#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "attribution/cgroup_names.h"
#include "attribution/writer_windows.h"
#include "common/timer.h"
#include "model/event.h"

namespace fsev {

// A filesystem whose writers are shown: the trace entry's device and mount point.
struct AttributedFilesystem {
    uint32_t kernel_device = 0;
    std::string mount_point;
};

// The daemon's view of who takes space: snapshots of the BPF writers map
// on a timer (sliding 1 and 10 minute windows), cgroup ids named, and what
// events, /metrics and the run directory's `writers` file show of it.
// Thread-safe: events are published from the event loop and the config
// writer's thread, the file and /metrics are read from their own threads.
class WriterAttribution {
  public:
    static constexpr std::chrono::minutes kShortWindow{1};
    static constexpr std::chrono::minutes kLongWindow{10};
    static constexpr size_t kEventWriters = 5;   // writers an event names
    static constexpr size_t kMetricWriters = 5;  // cgroups per filesystem in /metrics

    // `cgroup_root`: the cgroup v2 mount point; empty: found in mountinfo.
    WriterAttribution(int writers_map_fd, std::chrono::milliseconds period,
                      std::string cgroup_root = {});

    int timer_fd() const { return timer_.fd(); }
    // Reads the timer and takes a snapshot.
    void on_timer();
    // THRESH and ENOSPC events get the top writers of the short window
    // (a snapshot is taken first, so the window ends now).
    void add_writers(Event &event);
    // The run directory's `writers` file: per filesystem, the top writers
    // over both windows.
    std::string writers_text(const std::vector<AttributedFilesystem> &filesystems);
    // fsev_written_bytes_total{mountpoint,cgroup}: since the daemon started,
    // the kMetricWriters cgroups with most bytes per filesystem and "other".
    std::string metrics_text(const std::vector<AttributedFilesystem> &filesystems);

  private:
    // `periodic`: kept in the history; otherwise only until the next one.
    void snapshot_locked(bool periodic);
    std::vector<EventWriter> named(const TopWriters &top);

    int map_fd_;
    Timer timer_;
    std::mutex mutex_;
    WriterWindows windows_;
    CgroupNames cgroups_;
};

}  // namespace fsev
