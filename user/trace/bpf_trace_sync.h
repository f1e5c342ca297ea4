#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "events/event.h"
#include "trace/trace_entry.h"

namespace fsev {

// Keeps the BPF map `traced_superblocks` equal to the trace table, and arms
// thresholds: when an entry gets thresholds (or they are reset), the
// current statfs count decides which levels are already reached, and those
// are reported at once (direction "filling"), so a consumer learns of a
// condition that already holds. From then on the BPF programs report each
// crossing. Thread-safe: the trace table calls it from the FUSE thread.
class BpfTraceSync : public TraceTableObserver {
  public:
    using EventCallback = std::function<void(const Event &)>;
    // Told after every change whether any entry asks for `warn` (the
    // syscall-exit program is attached only then).
    using WarnCallback = std::function<void(bool any_entry_wants_warn)>;
    BpfTraceSync(int map_fd, EventCallback on_armed_crossing, WarnCallback on_warn_wanted = {});

    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    std::optional<TraceEntry> find(uint32_t trace_id) const;
    std::optional<TraceEntry> find_by_device(dev_t device) const;
    // The reached bits the BPF side holds for an entry (FSEV_*_REACHED).
    std::optional<uint32_t> reached_levels(uint32_t trace_id) const;

  private:
    void write(const TraceEntry &entry, bool rearm);
    void tell_warn_wanted();

    int map_fd_;
    EventCallback on_armed_crossing_;
    WarnCallback on_warn_wanted_;
    mutable std::mutex mutex_;
    std::map<uint32_t, TraceEntry> entries_;  // by trace id
};

}  // namespace fsev
