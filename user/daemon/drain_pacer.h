#pragma once

#include <chrono>

namespace fsev {

// Decides how long the event loop waits, once the ring buffer wakes it,
// before draining it.
//
// The kernel wakes the reader (an irq_work, run in the writer's context)
// for a record submitted while the reader is caught up. A daemon that
// drains each record as it comes is always caught up, so in a storm every
// crossing pays for a wake-up: on a virtual machine the self-interrupt traps
// to the hypervisor and costs the writer more than the crossing itself.
// Waiting a little before draining lets the records submitted meanwhile
// find the reader behind; they raise no wake-up and go out in one batch.
//
// Only a burst waits: a drain rate of at least kBurstRecords records in a
// window of kWindow. An isolated crossing, or a writer that waits for each
// event before making the next, is drained at once.
class DrainPacer {
  public:
    using Clock = std::chrono::steady_clock;

    static constexpr std::chrono::microseconds kWindow{1000};
    // 64,000 records/s: far above one crossing per round trip to a
    // subscriber (at most ~20 per ms), far below a storm (100,000s per s).
    static constexpr int kBurstRecords = 64;
    // Long enough to gather tens of records at storm rates, short against
    // the 1 ms within which a crossing is published.
    static constexpr std::chrono::microseconds kBurstWait{100};

    // Woken at `now`: how long to wait before draining (zero: drain now).
    std::chrono::microseconds wait_before_drain(Clock::time_point now) const;
    // A drain that ended at `now` handled `records`.
    void drained(Clock::time_point now, int records);

  private:
    // Windows start at the first drain after the previous one ended.
    Clock::time_point window_start_{};
    int records_in_window_ = 0;
    int records_in_previous_window_ = 0;
};

}  // namespace fsev
