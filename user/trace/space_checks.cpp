#include "trace/space_checks.h"

#include <algorithm>
#include <cstdint>

namespace fsev {

SpaceChecks::SpaceChecks(Check check, std::chrono::milliseconds trailing_delay)
    : check_(std::move(check)), trailing_delay_(trailing_delay), timer_("space checks") {}

std::optional<SpaceReading> SpaceChecks::run(uint32_t trace_id) {
    checks_.fetch_add(1, std::memory_order_relaxed);
    return check_(trace_id);
}

void SpaceChecks::signalled(uint32_t trace_id) {
    std::optional<SpaceReading> reading = run(trace_id);
    if (!reading) {
        pending_.erase(trace_id);
    } else {
        pending_[trace_id] = Pending{Clock::now() + trailing_delay_, *reading};
    }
    arm();
}

void SpaceChecks::on_timer() {
    // Fired or not, the pending list below decides.
    timer_.expirations();
    Clock::time_point now = Clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.due > now) {
            ++it;
            continue;
        }
        std::optional<SpaceReading> reading = run(it->first);
        if (reading && *reading != it->second.last) {
            // Activity the rate limit held back, or a count still moving
            // (writeback, deferred frees): look once more.
            it->second = Pending{now + trailing_delay_, *reading};
            ++it;
        } else {
            it = pending_.erase(it);
        }
    }
    arm();
}

void SpaceChecks::arm() {
    if (pending_.empty()) {
        timer_.stop();
        return;
    }
    auto next = std::min_element(pending_.begin(), pending_.end(), [](auto &a, auto &b) {
                    return a.second.due < b.second.due;
                })->second.due;
    timer_.start_once(next - Clock::now());
}

}  // namespace fsev
