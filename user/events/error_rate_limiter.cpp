#include "events/error_rate_limiter.h"

#include <algorithm>
#include <utility>

namespace fsev {

bool ErrorRateLimiter::allow(uint32_t trace_id, Clock::time_point now) {
    Bucket &bucket = buckets_.try_emplace(trace_id, Bucket{double(burst_), now, 0}).first->second;
    std::chrono::duration<double> elapsed = now - bucket.refilled;
    bucket.tokens = std::min<double>(burst_, bucket.tokens + elapsed.count() * per_second_);
    bucket.refilled = now;
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return true;
    }
    ++bucket.suppressed;
    ++suppressed_total_;
    return false;
}

uint64_t ErrorRateLimiter::take_suppressed(uint32_t trace_id) {
    auto found = buckets_.find(trace_id);
    if (found == buckets_.end()) return 0;
    return std::exchange(found->second.suppressed, 0);
}

}  // namespace fsev
