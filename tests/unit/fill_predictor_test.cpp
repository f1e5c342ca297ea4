// FS_WARN_FULL_SOON's decision on synthetic fill curves, sampled every
// 250 ms: a constant fill warns once, when the true time to the level
// crosses the horizon; a sawtooth never; a burst then idle at most once.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <vector>

#include "prediction/fill_predictor.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
constexpr double kMiB = 1 << 20;

// Samples `available(seconds)` every 250 ms for `duration`; returns the
// times (seconds) the warning fired.
std::vector<double> run_curve(FillPredictor &predictor, std::function<double(double)> available,
                              double duration, uint64_t level) {
    std::vector<double> fired;
    auto start = FillPredictor::Clock::time_point{} + 1h;
    for (double t = 0; t <= duration; t += 0.25) {
        auto when = start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::duration<double>(t));
        if (predictor.add_sample(when, static_cast<uint64_t>(std::max(0.0, available(t))), level))
            fired.push_back(t);
    }
    return fired;
}

TEST(FillPredictorTest, ConstantFillWarnsOnceWhenTheTrueTimeCrossesTheHorizon) {
    FillPredictor predictor(30s);
    // 100 MiB free, 1 MiB/s, level at 10 MiB: the level is reached at 90 s,
    // so the true time to it drops below 30 s at 60 s.
    auto fired = run_curve(
        predictor, [](double t) { return 100 * kMiB - t * kMiB; }, 100, 10 * kMiB);
    ASSERT_EQ(fired.size(), 1u);
    double true_time_left = 90 - fired[0];
    EXPECT_NEAR(true_time_left, 30, 3);  // within 10 %
    EXPECT_NEAR(*predictor.seconds_until_level(), 0, 1e-9);
}

TEST(FillPredictorTest, SawtoothWithinTheHorizonDoesNotWarn) {
    FillPredictor predictor(30s);
    // Fill 40 MiB in 8 s, delete it all, repeat every 10 s; 50 MiB free at
    // the bottom, the level at 5 MiB. Over the last quarter of the horizon
    // it looks like 5 MiB/s (9 s to the level at the peak): a naive
    // predictor warns every period.
    auto sawtooth = [](double t) {
        double phase = std::fmod(t, 10);
        return 50 * kMiB - (phase < 8 ? phase : 8 - (phase - 8) * 4) * 5 * kMiB;
    };
    EXPECT_TRUE(run_curve(predictor, sawtooth, 300, 5 * kMiB).empty());
}

TEST(FillPredictorTest, BurstThenIdleWarnsAtMostOnce) {
    FillPredictor predictor(30s);
    // Idle at 100 MiB for 40 s, then 80 MiB in 4 s, then idle for 200 s.
    auto burst = [](double t) {
        if (t < 40) return 100 * kMiB;
        if (t < 44) return 100 * kMiB - (t - 40) * 20 * kMiB;
        return 20 * kMiB;
    };
    EXPECT_LE(run_curve(predictor, burst, 240, 10 * kMiB).size(), 1u);
}

TEST(FillPredictorTest, ReArmsOnlyWhenTheProjectionRisesWellAboveTheHorizon) {
    FillPredictor predictor(20s);
    // 1 MiB/s towards a level 60 MiB away, then the pace drops to a third
    // for a while (projection between 1x and 2x the horizon: still no
    // second warning), then it stops, then it fills fast again.
    auto curve = [](double t) {
        double a = 100 * kMiB;
        a -= std::min(t, 45.0) * kMiB;                         // fills to 55 MiB at 45 s
        if (t > 45) a -= (std::min(t, 75.0) - 45) * kMiB / 3;  // 10 MiB more, slowly
        if (t > 120) a -= (t - 120) * 2 * kMiB;                // fast again
        return a;
    };
    auto fired = run_curve(predictor, curve, 130, 40 * kMiB);
    ASSERT_EQ(fired.size(), 2u);
    EXPECT_LT(fired[0], 46);
    EXPECT_GT(fired[1], 120);
}

TEST(FillPredictorTest, ALongHorizonKeepsABoundedHistory) {
    FillPredictor predictor(std::chrono::hours(24));
    // Two days of 250 ms samples: 691200 of them.
    auto fired = run_curve(
        predictor, [](double t) { return 1e12 - t * 1e6; }, 2 * 86400, 0);
    EXPECT_LE(predictor.samples_kept(), 1100u);
    ASSERT_TRUE(predictor.fill_rate());
    EXPECT_NEAR(*predictor.fill_rate(), 1e6, 1e3);
    EXPECT_TRUE(fired.empty());  // 1e6 s left: far beyond a day
}

TEST(FillPredictorTest, NothingIsDecidedBeforeAWholeHorizonOfSamples) {
    FillPredictor predictor(30s);
    auto fired = run_curve(
        predictor, [](double t) { return 100 * kMiB - t * 5 * kMiB; }, 29, 10 * kMiB);
    EXPECT_TRUE(fired.empty());
    EXPECT_FALSE(predictor.seconds_until_level());
}

}  // namespace
}  // namespace fsev
