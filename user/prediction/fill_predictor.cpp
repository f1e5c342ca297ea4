#include "prediction/fill_predictor.h"

#include <algorithm>

namespace fsev {

std::optional<double> FillPredictor::rate_over(std::chrono::nanoseconds window) const {
    const Sample &now = samples_.back();
    // The newest sample at or before now - window starts it.
    const Sample *start = nullptr;
    for (const Sample &sample : samples_) {
        if (sample.when > now.when - window) break;
        start = &sample;
    }
    if (!start || start->when == now.when) return std::nullopt;
    double seconds = std::chrono::duration<double>(now.when - start->when).count();
    return (start->available - now.available) / seconds;
}

bool FillPredictor::add_sample(Clock::time_point when, uint64_t available_bytes,
                               uint64_t level_bytes) {
    // Samples closer than a 512th of the horizon to the one before the
    // newest replace the newest: a long horizon keeps ~1000 samples, not
    // every one of a 250 ms timer.
    Sample sample{when, static_cast<double>(available_bytes)};
    if (samples_.size() >= 2 && when - samples_[samples_.size() - 2].when < horizon_ / 512)
        samples_.back() = sample;
    else
        samples_.push_back(sample);
    // Keep one sample at or before the start of the longest window.
    while (samples_.size() > 2 && samples_[1].when <= when - horizon_) samples_.pop_front();

    rate_.reset();
    projection_.reset();
    if (when - samples_.front().when < horizon_) return false;  // not a whole horizon yet
    auto recent = rate_over(horizon_ / 4);
    auto whole = rate_over(horizon_);
    if (!recent || !whole) return false;
    rate_ = std::min(*recent, *whole);
    double left = static_cast<double>(available_bytes) - static_cast<double>(level_bytes);
    if (left <= 0) {
        projection_ = 0;
        return false;  // at or past the level: that is the level's own event
    }
    if (*rate_ <= 0) {
        armed_ = true;  // not filling
        return false;
    }
    projection_ = left / *rate_;
    double horizon_seconds = std::chrono::duration<double>(horizon_).count();
    if (armed_ && *projection_ < horizon_seconds) {
        armed_ = false;
        return true;
    }
    if (!armed_ && *projection_ > 2 * horizon_seconds) armed_ = true;
    return false;
}

}  // namespace fsev
