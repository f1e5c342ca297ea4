#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "fsev/threshold.h"
#include "model/trace_entry.h"

namespace fsev {

// One check of a filesystem without exact hooks.
struct SpaceReading {
    uint64_t available = 0;         // statfs f_bavail
    uint64_t last_activity_ns = 0;  // when BPF last saw activity on it (CLOCK_MONOTONIC)
    bool operator==(const SpaceReading &) const = default;
};

// Keeps the BPF map `traced_superblocks` equal to the trace table, and arms
// thresholds: when an entry gets thresholds (or they are reset), the
// current statfs count decides which levels are already reached, and those
// are told at once (direction "filling"), so a consumer learns of a
// condition that already holds. From then on the BPF programs report each
// crossing. It makes no events: what it armed or found crossed goes to the
// LevelsCrossed callback (FilesystemEvents::levels_crossed). Thread-safe:
// the trace table calls it from the FUSE thread.
class BpfTraceSync : public TraceTableObserver {
  public:
    // Levels a statfs reading of the entry's filesystem crossed: `available`
    // blocks of `block_size` bytes.
    using LevelsCrossed =
        std::function<void(const TraceEntry &entry, const fsev_threshold_step &step,
                           uint64_t available, uint32_t block_size)>;
    // Told after every change whether any entry asks for `warn` (the
    // syscall-exit program is attached only then).
    using WarnCallback = std::function<void(bool any_entry_wants_warn)>;
    // Told after every change whether any entry asks for thresholds on a
    // filesystem without exact hooks (its activity is then watched).
    using ActivityCallback = std::function<void(bool any_entry_checked_on_activity)>;
    // Told after every change whether any entry asks for thr or warn on a
    // filesystem without exact hooks (successful writes to it are then
    // counted and signalled by the syscall-exit program).
    using WritesCallback = std::function<void(bool any_entry_wants_writes_seen)>;
    BpfTraceSync(int map_fd, LevelsCrossed on_levels_crossed, WarnCallback on_warn_wanted = {},
                 ActivityCallback on_activity_wanted = {}, WritesCallback on_writes_wanted = {});

    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    // The reached bits the BPF side holds for an entry (FSEV_*_REACHED).
    std::optional<uint32_t> reached_levels(uint32_t trace_id) const;

    // The BPF map activity_signals (struct fsev_activity per superblock),
    // read by check_space(); -1 when there is none.
    void set_activity_map(int map_fd) { activity_map_fd_ = map_fd; }

    // For an entry on a filesystem without exact hooks: reads its available
    // count with statfs now and runs the threshold state machine on it,
    // telling each crossing once (through the LevelsCrossed callback). Returns what was read;
    // nullopt when the entry has no thresholds or statfs failed.
    std::optional<SpaceReading> check_space(uint32_t trace_id);

  private:
    void write(const TraceEntry &entry, bool rearm);
    void tell_warn_wanted();

    int map_fd_;
    int activity_map_fd_ = -1;
    LevelsCrossed on_levels_crossed_;
    WarnCallback on_warn_wanted_;
    ActivityCallback on_activity_wanted_;
    WritesCallback on_writes_wanted_;
    mutable std::mutex mutex_;
    std::map<uint32_t, TraceEntry> entries_;  // by trace id
};

}  // namespace fsev
