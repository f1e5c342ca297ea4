#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "common/timer.h"
#include "trace/bpf_trace_sync.h"

namespace fsev {

// When to statfs a filesystem without exact space hooks. BPF signals
// activity on it (at most once per superblock per interval) and notes the
// time of all activity; each signal is checked at once, and a trailing
// check follows `trailing_delay` later. A trailing check that finds newer
// activity or a count still moving (writeback, deferred frees) schedules
// another, so the state after the last change is seen. Nothing signalled,
// nothing checked: no clock runs for an idle filesystem.
// Runs on the event loop thread; checks() may be read from any thread.
class SpaceChecks {
  public:
    using Clock = std::chrono::steady_clock;
    // Checks one entry now; returns its available count (nullopt: entry gone
    // or unreadable, so no trailing check).
    using Check = std::function<std::optional<SpaceReading>(uint32_t trace_id)>;

    SpaceChecks(Check check, std::chrono::milliseconds trailing_delay);

    // Readable when trailing checks are due (for the event loop).
    int fd() const { return timer_.fd(); }
    // BPF signalled activity on the entry.
    void signalled(uint32_t trace_id);
    // The timer fired.
    void on_timer();
    // statfs checks made so far (signalled and trailing).
    uint64_t checks() const { return checks_.load(std::memory_order_relaxed); }
    // Entries with a trailing check still to come.
    size_t pending() const { return pending_.size(); }

  private:
    struct Pending {
        Clock::time_point due;
        SpaceReading last;
    };
    std::optional<SpaceReading> run(uint32_t trace_id);
    void arm();

    Check check_;
    std::chrono::milliseconds trailing_delay_;
    Timer timer_;
    std::map<uint32_t, Pending> pending_;  // by trace id
    std::atomic<uint64_t> checks_{0};
};

}  // namespace fsev
