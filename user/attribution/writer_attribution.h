#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "attribution/cgroup_names.h"
#include "attribution/writer_counts.h"
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

    static constexpr std::chrono::milliseconds kBatchSnapshotAge{10};

    // `cgroup_root`: the cgroup v2 mount point; empty: found in mountinfo.
    // `batch_snapshot_age`: see Batch.
    WriterAttribution(WriterMapFds maps, std::chrono::milliseconds period,
                      std::string cgroup_root = {},
                      std::chrono::nanoseconds batch_snapshot_age = kBatchSnapshotAge);

    int timer_fd() const { return timer_.fd(); }
    // Reads the timer and takes a snapshot.
    void on_timer();
    // THRESH and ENOSPC events get the top writers of the short window
    // (a snapshot is taken first, so the window ends now; within a Batch,
    // at most `batch_snapshot_age` ago).
    void add_writers(Event &event);

    // While one lives (the daemon opens one per ring-buffer drain), the
    // events share one snapshot of the map and its top writers per
    // filesystem instead of copying the whole map each: a storm of
    // crossings would otherwise spend most of its time walking the map. The
    // snapshot is taken for the first event and again once it is
    // `batch_snapshot_age` old, so an event's figures end at most that long
    // before it is published. Events from other threads while a batch is
    // open share its snapshot too.
    class Batch {
      public:
        explicit Batch(WriterAttribution &attribution);
        ~Batch();
        Batch(const Batch &) = delete;
        Batch &operator=(const Batch &) = delete;

      private:
        WriterAttribution &attribution_;
    };
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
    // An event's top writers of the short window on `device`.
    struct EventTop {
        std::vector<EventWriter> writers;
        uint64_t other_bytes = 0;
    };
    const EventTop &event_top_locked(uint32_t device);

    WriterMapFds maps_;
    std::chrono::nanoseconds batch_snapshot_age_;
    Timer timer_;
    std::mutex mutex_;
    WriterWindows windows_;
    CgroupNames cgroups_;
    // What events share while a Batch is open: whether the last event's
    // snapshot was taken within the open batch, when, and the top writers
    // found in it so far, per device.
    int open_batches_ = 0;
    bool event_snapshot_shared_ = false;
    WriterWindows::Clock::time_point event_snapshot_taken_{};
    std::map<uint32_t, EventTop> event_tops_;
};

}  // namespace fsev
