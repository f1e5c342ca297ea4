// When the daemon checks a filesystem without exact hooks: at a signal, then
// trailing checks while activity or the count moves, then nothing.
#include "trace/space_checks.h"

#include <gtest/gtest.h>
#include <poll.h>

#include "events/event_ids.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

// Waits for the timer and handles it; false if it never fired.
bool fire(SpaceChecks &checks, std::chrono::milliseconds timeout = 1s) {
    pollfd ready{checks.fd(), POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return false;
    checks.on_timer();
    return true;
}

TEST(SpaceChecks, ASignalIsCheckedAtOnceAndOnceMoreAfterTheDelay) {
    std::vector<uint32_t> checked;
    SpaceChecks checks(
        [&](uint32_t id) {
            checked.push_back(id);
            return SpaceReading{100, 5};
        },
        5ms);
    checks.signalled(3);
    EXPECT_EQ(checked, std::vector<uint32_t>{3});
    ASSERT_TRUE(fire(checks));
    EXPECT_EQ(checked, (std::vector<uint32_t>{3, 3}));
    // Nothing moved: no more checks, no timer armed.
    EXPECT_EQ(checks.pending(), 0u);
    EXPECT_FALSE(fire(checks, 50ms));
    EXPECT_EQ(checks.checks(), 2u);
}

TEST(SpaceChecks, TrailingChecksContinueWhileActivityOrTheCountMoves) {
    std::vector<SpaceReading> readings = {{100, 1}, {90, 1}, {90, 2}, {90, 2}};
    size_t next = 0;
    SpaceChecks checks([&](uint32_t) { return readings.at(next++); }, 2ms);
    checks.signalled(1);
    while (fire(checks, 100ms)) {
    }
    EXPECT_EQ(next, readings.size());  // moved, noted activity, then quiet
    EXPECT_EQ(checks.pending(), 0u);
}

TEST(SpaceChecks, AGoneEntryGetsNoTrailingCheck) {
    int calls = 0;
    SpaceChecks checks(
        [&](uint32_t) -> std::optional<SpaceReading> {
            ++calls;
            return std::nullopt;
        },
        2ms);
    checks.signalled(9);
    EXPECT_FALSE(fire(checks, 30ms));
    EXPECT_EQ(calls, 1);
}

TEST(XfsShutdown, FlagsDecideTheErrorId) {
    EXPECT_EQ(xfs_shutdown_event_id(0x4 | 0x2), FS_ERR_SHUTDOWN);  // xfs_io -x -c shutdown
    EXPECT_EQ(xfs_shutdown_event_id(0x4), FS_ERR_SHUTDOWN);
    EXPECT_EQ(xfs_shutdown_event_id(0x8), FS_ERR_CORRUPTED);
    EXPECT_EQ(xfs_shutdown_event_id(0x10), FS_ERR_CORRUPTED);
    EXPECT_EQ(xfs_shutdown_event_id(0x1), FS_ERR_INTERNAL);
    EXPECT_EQ(xfs_shutdown_event_id(0x2), FS_ERR_INTERNAL);
    EXPECT_EQ(xfs_shutdown_event_id(0x20), FS_ERR_INTERNAL);
    EXPECT_EQ(xfs_shutdown_event_id(0), FS_ERR_UNKNOWN);
}

}  // namespace
}  // namespace fsev
