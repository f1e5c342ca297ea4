#include "fsev/threshold.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

constexpr __u32 kBoth = FSEV_HAS_LOWER | FSEV_HAS_UPPER;
constexpr __u64 kL1 = 1000, kL2 = 500;

struct Crossing {
    __u32 id;
    __u32 direction;
    bool operator==(const Crossing &other) const = default;
};

// Runs the machine over a sequence of available counts; returns every crossing.
std::vector<Crossing> run(const std::vector<__u64> &counts, __u32 levels = kBoth,
                          __u32 *final_reached = nullptr) {
    std::vector<Crossing> crossings;
    __u32 reached = 0;
    for (__u64 available : counts) {
        fsev_threshold_step step = fsev_threshold_advance(reached, levels, kL1, kL2, available);
        for (__u32 i = 0; i < step.count; ++i)
            crossings.push_back({step.crossings[i].event_id, step.crossings[i].direction});
        reached = step.reached;
    }
    if (final_reached) *final_reached = reached;
    return crossings;
}

const Crossing kLrFilling{FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING};
const Crossing kUrFilling{FS_THRESH_UR_REACHED, FS_EVENT_DIR_FILLING};
const Crossing kLrFreeing{FS_THRESH_LR_REACHED, FS_EVENT_DIR_FREEING};
const Crossing kUrFreeing{FS_THRESH_UR_REACHED, FS_EVENT_DIR_FREEING};

TEST(Threshold, FillingReportsLowerThenUpperEachOnce) {
    EXPECT_EQ(run({2000, 1500, 1001, 1000, 999, 700, 501, 500, 499, 10, 0}),
              (std::vector<Crossing>{kLrFilling, kUrFilling}));
}

TEST(Threshold, ALevelIsReachedAtEqualityNotJustBelow) {
    EXPECT_EQ(run({1001, 1000}), (std::vector<Crossing>{kLrFilling}));
    EXPECT_EQ(run({1000, 1001}), (std::vector<Crossing>{kLrFilling, kLrFreeing}));
}

TEST(Threshold, FreeingReArmsAndReportsUpperThenLower) {
    EXPECT_EQ(run({2000, 400, 501, 600, 1001, 5000}),
              (std::vector<Crossing>{kLrFilling, kUrFilling, kUrFreeing, kLrFreeing}));
}

TEST(Threshold, OneJumpOverBothLevelsReportsBothInOrder) {
    // The RFC's free path returned after the first level; both are reported here.
    EXPECT_EQ(run({5000, 100}), (std::vector<Crossing>{kLrFilling, kUrFilling}));
    EXPECT_EQ(run({5000, 100, 5000}),
              (std::vector<Crossing>{kLrFilling, kUrFilling, kUrFreeing, kLrFreeing}));
}

TEST(Threshold, NoRepeatWithoutACrossingInBetween) {
    EXPECT_EQ(run({900, 800, 900, 950, 999, 800}), (std::vector<Crossing>{kLrFilling}));
}

TEST(Threshold, RepeatedCyclesReportEveryCrossing) {
    std::vector<__u64> counts;
    for (int cycle = 0; cycle < 5; ++cycle)
        counts.insert(counts.end(), {2000, 750, 300, 750, 2000});
    std::vector<Crossing> crossings = run(counts);
    ASSERT_EQ(crossings.size(), 20u);
    for (size_t i = 0; i < crossings.size(); i += 4) {
        EXPECT_EQ(crossings[i], kLrFilling);
        EXPECT_EQ(crossings[i + 1], kUrFilling);
        EXPECT_EQ(crossings[i + 2], kUrFreeing);
        EXPECT_EQ(crossings[i + 3], kLrFreeing);
    }
}

TEST(Threshold, OnlyLowerLevelSet) {
    __u32 reached = 0;
    EXPECT_EQ(run({2000, 100, 2000}, FSEV_HAS_LOWER, &reached),
              (std::vector<Crossing>{kLrFilling, kLrFreeing}));
    EXPECT_EQ(reached, 0u);
}

TEST(Threshold, NoLevelsNeverReports) {
    EXPECT_TRUE(run({2000, 0, 2000}, 0).empty());
}

TEST(Threshold, RandomWalkMatchesAnIndependentOracle) {
    std::mt19937_64 random(42);
    __u32 reached = 0;
    bool lower = false, upper = false;
    for (int i = 0; i < 20000; ++i) {
        __u64 available = random() % 1600;
        fsev_threshold_step step = fsev_threshold_advance(reached, kBoth, kL1, kL2, available);
        std::vector<Crossing> expected;
        bool now_lower = available <= kL1, now_upper = available <= kL2;
        if (!lower && now_lower) expected.push_back(kLrFilling);
        if (!upper && now_upper) expected.push_back(kUrFilling);
        if (upper && !now_upper) expected.push_back(kUrFreeing);
        if (lower && !now_lower) expected.push_back(kLrFreeing);
        std::vector<Crossing> got;
        for (__u32 c = 0; c < step.count; ++c)
            got.push_back({step.crossings[c].event_id, step.crossings[c].direction});
        ASSERT_EQ(got, expected) << "at step " << i << " available " << available;
        lower = now_lower;
        upper = now_upper;
        reached = step.reached;
    }
}

TEST(Threshold, NearALevelCoversExactlyTheUncertainReadings) {
    // An approximate reading `a` with error up to m means the truth is in [a-m, a+m].
    // The decision "truth <= level" is uncertain iff a-m <= level < a+m.
    EXPECT_TRUE(fsev_near_a_level(kBoth, kL1, kL2, 1000, 64));
    EXPECT_TRUE(fsev_near_a_level(kBoth, kL1, kL2, 1063, 64));
    EXPECT_TRUE(fsev_near_a_level(kBoth, kL1, kL2, 1064, 64));   // truth may be exactly 1000
    EXPECT_FALSE(fsev_near_a_level(kBoth, kL1, kL2, 1065, 64));  // truth > 1000 for sure
    EXPECT_TRUE(fsev_near_a_level(kBoth, kL1, kL2, 937, 64));
    EXPECT_FALSE(fsev_near_a_level(kBoth, kL1, kL2, 936, 64));  // truth <= 1000 for sure
    EXPECT_FALSE(fsev_near_a_level(kBoth, kL1, kL2, 750, 64));
    EXPECT_TRUE(fsev_near_a_level(kBoth, kL1, kL2, 500, 64));
    EXPECT_TRUE(fsev_near_a_level(kBoth, kL1, kL2, 10, 1000));  // margin larger than the count
    EXPECT_FALSE(fsev_near_a_level(0, kL1, kL2, 1000, 64));
    EXPECT_FALSE(fsev_near_a_level(kBoth, kL1, kL2, 1000, 0));  // exact reading: never uncertain
}

TEST(Threshold, CheapDecisionOutsideTheMarginAgreesWithTheExactOne) {
    std::mt19937_64 random(7);
    const __u64 margin = 64;
    for (int i = 0; i < 100000; ++i) {
        __u64 truth = random() % 2000;
        __u64 error = random() % (2 * margin + 1);
        __u64 approximate = truth + margin >= error ? truth + margin - error : 0;
        if (truth + margin < error) continue;
        if (fsev_near_a_level(kBoth, kL1, kL2, approximate, margin)) continue;
        ASSERT_EQ(fsev_reached_bits(kBoth, kL1, kL2, approximate),
                  fsev_reached_bits(kBoth, kL1, kL2, truth))
            << "truth " << truth << " approximate " << approximate;
    }
}

}  // namespace

TEST(Threshold, BlocksToACrossingIsTheLeastMoveThatChangesTheBits) {
    EXPECT_EQ(fsev_blocks_to_a_crossing(kBoth, kL1, kL2, 1300), 300u);  // down to L1
    EXPECT_EQ(fsev_blocks_to_a_crossing(kBoth, kL1, kL2, 1001), 1u);
    EXPECT_EQ(fsev_blocks_to_a_crossing(kBoth, kL1, kL2, 1000), 1u);   // up to 1001 leaves L1
    EXPECT_EQ(fsev_blocks_to_a_crossing(kBoth, kL1, kL2, 800), 201u);  // L1 behind, L2 300 ahead
    EXPECT_EQ(fsev_blocks_to_a_crossing(kBoth, kL1, kL2, 700), 200u);  // down to L2
    EXPECT_EQ(fsev_blocks_to_a_crossing(kBoth, kL1, kL2, 0), 501u);
    EXPECT_EQ(fsev_blocks_to_a_crossing(FSEV_HAS_LOWER, kL1, kL2, 700), 301u);
    EXPECT_EQ(fsev_blocks_to_a_crossing(0, kL1, kL2, 700), ~0ull);
}

TEST(Threshold, NoMoveShorterThanBlocksToACrossingChangesTheBits) {
    std::mt19937_64 random(11);
    for (int i = 0; i < 100000; ++i) {
        __u64 available = random() % 2000;
        __u64 distance = fsev_blocks_to_a_crossing(kBoth, kL1, kL2, available);
        __u32 bits = fsev_reached_bits(kBoth, kL1, kL2, available);
        for (__u64 move = 0; move < distance && move < 50; ++move) {
            ASSERT_EQ(fsev_reached_bits(kBoth, kL1, kL2, available + move), bits) << available;
            if (available >= move) {
                ASSERT_EQ(fsev_reached_bits(kBoth, kL1, kL2, available - move), bits) << available;
            }
        }
        __u32 up = fsev_reached_bits(kBoth, kL1, kL2, available + distance);
        __u32 down =
            available >= distance ? fsev_reached_bits(kBoth, kL1, kL2, available - distance) : bits;
        ASSERT_TRUE(up != bits || down != bits)
            << "a move of " << distance << " from " << available << " crosses nothing";
    }
}
