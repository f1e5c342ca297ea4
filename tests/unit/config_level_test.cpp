// Threshold levels in the units people think in: block counts (the RFC's),
// shares of the filesystem's size and amounts of space, and how each becomes
// available blocks of one filesystem.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "config/level.h"
#include "config/request.h"
#include "config_test_support.h"

namespace fsev {
namespace {

using test::parse_error;

Level parsed(std::string_view text) {
    std::string why;
    std::optional<Level> level = parse_level_text(text, why);
    EXPECT_TRUE(level.has_value()) << text << ": " << why;
    return level.value_or(Level{});
}

std::string rejected(std::string_view text) {
    std::string why;
    std::optional<Level> level = parse_level_text(text, why);
    EXPECT_FALSE(level.has_value()) << text;
    return why;
}

TEST(ConfigLevel, BlocksAreTheRfcForm) {
    Level level = parsed("710000");
    EXPECT_EQ(level.unit, Level::Unit::blocks);
    EXPECT_FALSE(level.needs_size());
    EXPECT_EQ(level.resolve(0, 0), 710000u);
    EXPECT_EQ(parsed("18446744073709551615").resolve(1, 1), UINT64_MAX);
}

TEST(ConfigLevel, PercentOfTheSizeRoundedDown) {
    // 10% of 51437 blocks is 5143.7: available space is at or below 10%
    // exactly when the available count is at or below 5143.
    EXPECT_EQ(parsed("10%").resolve(51437, 1024), 5143u);
    EXPECT_EQ(parsed("5%").resolve(51437, 1024), 2571u);
    EXPECT_EQ(parsed("100%").resolve(51437, 1024), 51437u);
    EXPECT_EQ(parsed("0%").resolve(51437, 1024), 0u);
    EXPECT_EQ(parsed("2.5%").resolve(1000000, 4096), 25000u);
    EXPECT_EQ(parsed("0.000001%").resolve(100000000, 4096), 1u);
    EXPECT_EQ(parsed("10%").text, "10%");
}

TEST(ConfigLevel, PercentOfTheLargestSizeDoesNotOverflow) {
    EXPECT_EQ(parsed("100%").resolve(UINT64_MAX, 4096), UINT64_MAX);
    EXPECT_EQ(parsed("50%").resolve(UINT64_MAX, 4096), UINT64_MAX / 2);
}

TEST(ConfigLevel, BytesArePowersOf1024RoundedDownToBlocks) {
    EXPECT_EQ(parsed("20G").amount, 20ull << 30);
    EXPECT_EQ(parsed("20G").resolve(0, 4096), (20ull << 30) / 4096);
    EXPECT_EQ(parsed("5G").resolve(0, 1024), 5ull << 20);
    EXPECT_EQ(parsed("1K").resolve(0, 1024), 1u);
    EXPECT_EQ(parsed("1K").resolve(0, 4096), 0u);  // less than one block
    EXPECT_EQ(parsed("6K").resolve(0, 4096), 1u);
    EXPECT_EQ(parsed("512M").amount, 512ull << 20);
    EXPECT_EQ(parsed("1.5T").amount, 3ull << 39);
    EXPECT_EQ(parsed("0.5K").amount, 512u);
    EXPECT_EQ(parsed("15T").amount, 15ull << 40);
    EXPECT_EQ(parsed("16777215T").amount, 16777215ull << 40);
}

TEST(ConfigLevel, MalformedUnitsAreRejected) {
    for (std::string_view text : {"",
                                  "%",
                                  "G",
                                  "10%%",
                                  "10 %",
                                  "-5%",
                                  "+5%",
                                  "101%",
                                  "100.000001%",
                                  "10.%",
                                  ".5%",
                                  "1e3%",
                                  "0x10G",
                                  "10g",
                                  "10k",
                                  "10KB",
                                  "10KiB",
                                  "10B",
                                  "10P",
                                  "10GG",
                                  "1.5",
                                  "10.5",
                                  "1.2.3G",
                                  "1.0000001G",
                                  "0.0001K",
                                  "16777216T",
                                  "18446744073709551616",
                                  "99999999999999999999%"})
        rejected(text);
    EXPECT_EQ(rejected("101%"), "over 100%");
    EXPECT_EQ(rejected("16777216T"), "over 2^64-1 bytes");
}

TEST(ConfigLevel, RequestsTakeEveryUnitAndKeepTheText) {
    ParsedWrite write = parse_write("/a thr 10% 5%; /b thr 20G 5G; /c thr 10% 5G; /d thr 710000");
    ASSERT_EQ(write.requests.size(), 4u);
    EXPECT_EQ(write.requests[0].lower->text, "10%");
    EXPECT_EQ(write.requests[0].upper->unit, Level::Unit::percent);
    EXPECT_EQ(write.requests[1].lower->unit, Level::Unit::bytes);
    EXPECT_EQ(write.requests[2].upper->text, "5G");
    EXPECT_EQ(write.requests[3].lower->unit, Level::Unit::blocks);
}

TEST(ConfigLevel, RequestsWithMalformedUnitsAreInvalid) {
    for (std::string_view text :
         {"/a thr 10%%", "/a thr 10x", "/a thr 20g 5g", "/a thr 101%", "/a thr 10% -1%",
          "/a thr 5% 10%", "/a thr 5G 6G", "/a thr 0.5% 1%"})
        EXPECT_EQ(parse_error(text), EINVAL) << text;
    // Mixed units are compared once they are blocks of one filesystem.
    EXPECT_EQ(parse_error("/a thr 5G 10%"), 0);
}

}  // namespace
}  // namespace fsev
