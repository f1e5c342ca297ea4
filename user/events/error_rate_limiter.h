#pragma once

#include <chrono>
#include <cstdint>
#include <map>

namespace fsev {

// Per-entry token bucket for ERR events: a filesystem throwing thousands of
// errors must not flood listeners, but nothing is dropped silently — the
// number held back is counted and reported with the next event let through.
class ErrorRateLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    explicit ErrorRateLimiter(uint32_t burst = 10, uint32_t per_second = 10)
        : burst_(burst), per_second_(per_second) {}

    // True when an event of this entry may go out now.
    bool allow(uint32_t trace_id, Clock::time_point now);
    // Events held back since the last one allowed; reading resets it.
    uint64_t take_suppressed(uint32_t trace_id);
    uint64_t suppressed_total() const { return suppressed_total_; }
    void forget(uint32_t trace_id) { buckets_.erase(trace_id); }

  private:
    struct Bucket {
        double tokens;
        Clock::time_point refilled;
        uint64_t suppressed = 0;
    };
    uint32_t burst_;
    uint32_t per_second_;
    std::map<uint32_t, Bucket> buckets_;
    uint64_t suppressed_total_ = 0;
};

}  // namespace fsev
