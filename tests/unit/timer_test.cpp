// The event loop's timer: periodic, once, stopped, and reading it when it
// has not fired.
#include "common/timer.h"

#include <gtest/gtest.h>
#include <poll.h>

namespace fsev {
namespace {

using namespace std::chrono_literals;

bool fires_within(const Timer &timer, std::chrono::milliseconds timeout) {
    pollfd ready{timer.fd(), POLLIN, 0};
    return ::poll(&ready, 1, static_cast<int>(timeout.count())) == 1;
}

TEST(Timer, StartedEveryPeriodFiresAgainAndAgain) {
    Timer timer("a test");
    timer.start_every(5ms);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(fires_within(timer, 1s)) << "firing " << i;
        EXPECT_GE(timer.expirations(), 1u);
    }
}

TEST(Timer, StartedOnceFiresOnce) {
    Timer timer("a test");
    timer.start_once(5ms);
    ASSERT_TRUE(fires_within(timer, 1s));
    EXPECT_EQ(timer.expirations(), 1u);
    EXPECT_FALSE(fires_within(timer, 50ms));
}

TEST(Timer, AZeroDelayStillFires) {
    Timer timer("a test");
    timer.start_once(0ns);
    EXPECT_TRUE(fires_within(timer, 1s));
}

TEST(Timer, StoppedOrNewDoesNotFireAndReadsNothing) {
    Timer timer("a test");
    EXPECT_FALSE(fires_within(timer, 20ms));
    EXPECT_EQ(timer.expirations(), 0u);
    timer.start_every(10ms);
    timer.stop();
    EXPECT_FALSE(fires_within(timer, 50ms));
    EXPECT_EQ(timer.expirations(), 0u);
}

}  // namespace
}  // namespace fsev
