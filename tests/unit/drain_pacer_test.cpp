// When the event loop waits before draining the ring buffer: only in a
// burst, never for an isolated crossing or one crossing per round trip.
#include "daemon/drain_pacer.h"

#include <gtest/gtest.h>

namespace fsev {
namespace {

using namespace std::chrono_literals;
using Clock = DrainPacer::Clock;

// Drains `count` times, `gap` apart, `records` each, from `start`; returns
// the time of the last drain.
Clock::time_point drain_every(DrainPacer &pacer, Clock::time_point start,
                              std::chrono::microseconds gap, int count, int records) {
    Clock::time_point now = start;
    for (int i = 0; i < count; ++i) {
        now = start + i * gap;
        pacer.drained(now, records);
    }
    return now;
}

const Clock::time_point kStart = Clock::time_point{} + 1h;

TEST(DrainPacer, TheFirstWakeUpDrainsAtOnce) {
    DrainPacer pacer;
    EXPECT_EQ(pacer.wait_before_drain(kStart), 0us);
}

TEST(DrainPacer, ACrossingPerRoundTripDrainsAtOnce) {
    // A subscriber that waits for each event before the next crossing: one
    // record every 30 us, faster than the latency bench's round trips.
    DrainPacer pacer;
    auto last = drain_every(pacer, kStart, 30us, 1000, 1);
    EXPECT_EQ(pacer.wait_before_drain(last + 30us), 0us);
}

TEST(DrainPacer, AStormWaitsOnceItsRateIsSeen) {
    // One record every 3 us (333,000/s): the 64th record within the window
    // makes the next wake-up wait.
    DrainPacer pacer;
    auto last = drain_every(pacer, kStart, 3us, DrainPacer::kBurstRecords - 1, 1);
    EXPECT_EQ(pacer.wait_before_drain(last + 3us), 0us);
    pacer.drained(last + 3us, 1);
    EXPECT_EQ(pacer.wait_before_drain(last + 6us), DrainPacer::kBurstWait);
}

TEST(DrainPacer, AStormKeepsWaitingAcrossWindows) {
    // Once waiting, each drain takes many records at once, fewer drains per
    // window; the wait holds while the rate does, including right after a
    // window starts.
    DrainPacer pacer;
    auto last = drain_every(pacer, kStart, 150us, 100, 40);
    for (auto after : {1us, 50us, 150us, 999us})
        EXPECT_EQ(pacer.wait_before_drain(last + after), DrainPacer::kBurstWait) << after.count();
}

TEST(DrainPacer, TheWaitEndsWithTheStorm) {
    DrainPacer pacer;
    auto last = drain_every(pacer, kStart, 3us, 1000, 1);
    ASSERT_EQ(pacer.wait_before_drain(last + 3us), DrainPacer::kBurstWait);
    // Quiet for two windows: the next crossing is drained at once.
    EXPECT_EQ(pacer.wait_before_drain(last + 2 * DrainPacer::kWindow + 1us), 0us);
    // A storm slowing to one crossing per round trip stops waiting within
    // two windows.
    last = drain_every(pacer, last + 30us, 30us, 2 * 1000 / 30 + 2, 1);
    EXPECT_EQ(pacer.wait_before_drain(last + 30us), 0us);
}

TEST(DrainPacer, ABatchOfRecordsInOneDrainCountsAsABurst) {
    // Records that piled up (a writer faster than one wake-up each) count
    // by number, not by drains.
    DrainPacer pacer;
    pacer.drained(kStart, DrainPacer::kBurstRecords);
    EXPECT_EQ(pacer.wait_before_drain(kStart + 10us), DrainPacer::kBurstWait);
}

}  // namespace
}  // namespace fsev
