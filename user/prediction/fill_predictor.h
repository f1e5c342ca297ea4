#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace fsev {

// When will a filesystem reach its level, from samples of its available
// bytes, and whether to warn about it (FS_WARN_FULL_SOON).
//
// The fill rate is the smaller of two net rates: over the last quarter of
// the horizon (follows a change of pace) and over the whole horizon (a
// burst, or a fill undone by periodic deletes such as log rotation, nets
// out there). Net rates see deletes, so a sawtooth whose period is within
// the horizon does not fill. Nothing is decided before a whole horizon of
// samples exists. The warning fires once when the projection drops below
// the horizon and is armed again only when it rises above twice the
// horizon (or the filesystem stops filling).
class FillPredictor {
  public:
    using Clock = std::chrono::steady_clock;

    explicit FillPredictor(std::chrono::nanoseconds horizon) : horizon_(horizon) {}

    // One sample: available bytes now, and the level (bytes) the projection
    // aims at (L2, or 0 for "full"). True when the warning fires now.
    bool add_sample(Clock::time_point when, uint64_t available_bytes, uint64_t level_bytes);

    // Seconds until the level at the current rate; nullopt when not filling
    // or not enough samples yet; 0 at or past the level.
    std::optional<double> seconds_until_level() const { return projection_; }
    // Net consumption in bytes per second (positive: filling), if known.
    std::optional<double> fill_rate() const { return rate_; }
    std::chrono::nanoseconds horizon() const { return horizon_; }
    bool armed() const { return armed_; }
    size_t samples_kept() const { return samples_.size(); }

  private:
    struct Sample {
        Clock::time_point when;
        double available;
    };
    // Net rate over `window` back from the newest sample.
    std::optional<double> rate_over(std::chrono::nanoseconds window) const;

    std::chrono::nanoseconds horizon_;
    std::deque<Sample> samples_;
    std::optional<double> rate_;
    std::optional<double> projection_;
    bool armed_ = true;
};

}  // namespace fsev
