#include "daemon/drain_pacer.h"

#include <algorithm>

namespace fsev {

std::chrono::microseconds DrainPacer::wait_before_drain(Clock::time_point now) const {
    auto age = now - window_start_;
    if (age >= 2 * kWindow) return std::chrono::microseconds::zero();  // both windows are old
    // A window still open counts with the one before it, so a burst keeps
    // waiting across a window's start; a closed one counts alone.
    int recent = age < kWindow ? std::max(records_in_window_, records_in_previous_window_)
                               : records_in_window_;
    return recent >= kBurstRecords ? kBurstWait : std::chrono::microseconds::zero();
}

void DrainPacer::drained(Clock::time_point now, int records) {
    auto age = now - window_start_;
    if (age >= kWindow) {
        // A window that ended more than a window ago says nothing of now.
        records_in_previous_window_ = age < 2 * kWindow ? records_in_window_ : 0;
        records_in_window_ = 0;
        window_start_ = now;
    }
    records_in_window_ += records;
}

}  // namespace fsev
