#include "trace/space_checks.h"

#include <sys/timerfd.h>

#include <algorithm>
#include <cstdint>

#include "common/system_error.h"

namespace fsev {

SpaceChecks::SpaceChecks(Check check, std::chrono::milliseconds trailing_delay)
    : check_(std::move(check)),
      trailing_delay_(trailing_delay),
      timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (!timer_.valid()) throw last_system_error("create timerfd for space checks");
}

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
    uint64_t expirations = 0;
    if (::read(timer_.get(), &expirations, sizeof expirations) < 0) {
        // EAGAIN: already handled; the pending list below decides anyway.
    }
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
    itimerspec when{};
    if (!pending_.empty()) {
        auto next = std::min_element(pending_.begin(), pending_.end(), [](auto &a, auto &b) {
                        return a.second.due < b.second.due;
                    })->second.due;
        auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(next - Clock::now());
        int64_t ns = std::max<int64_t>(wait.count(), 1);  // 0 would disarm
        when.it_value.tv_sec = ns / 1'000'000'000;
        when.it_value.tv_nsec = ns % 1'000'000'000;
    }
    ::timerfd_settime(timer_.get(), 0, &when, nullptr);
}

}  // namespace fsev
