#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "common/unique_fd.h"

namespace fsev {

// When to statfs a filesystem without exact space hooks. BPF signals
// activity on it (at most once per superblock per interval); each signal is
// checked at once, and one trailing check follows `trailing_delay` later so
// the state after the last write is seen. A trailing check that finds the
// count still moving (writeback, deferred frees) schedules another. Nothing
// signalled, nothing checked: no clock runs for an idle filesystem.
// Runs on the event loop thread; checks() may be read from any thread.
class SpaceChecks {
  public:
    using Clock = std::chrono::steady_clock;
    // Checks one entry now; returns its available count (nullopt: entry gone
    // or unreadable, so no trailing check).
    using Check = std::function<std::optional<uint64_t>(uint32_t trace_id)>;

    SpaceChecks(Check check, std::chrono::milliseconds trailing_delay);

    // A timerfd, readable when trailing checks are due (for the event loop).
    int fd() const { return timer_.get(); }
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
        std::optional<uint64_t> last_count;
    };
    std::optional<uint64_t> run(uint32_t trace_id);
    void arm();

    Check check_;
    std::chrono::milliseconds trailing_delay_;
    UniqueFd timer_;
    std::map<uint32_t, Pending> pending_;  // by trace id
    std::atomic<uint64_t> checks_{0};
};

}  // namespace fsev
