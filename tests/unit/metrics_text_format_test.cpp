#include "metrics/text_format.h"

#include <gtest/gtest.h>

namespace fsev::metrics {
namespace {

size_t count_of(const std::string &text, const std::string &needle) {
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

TEST(MetricsTextFormat, EscapesBackslashQuoteAndNewlineInLabelValues) {
    EXPECT_EQ(escape_label_value(R"(C:\dir)"), R"(C:\\dir)");
    EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
    EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
    EXPECT_EQ(escape_label_value("plain /mnt/data"), "plain /mnt/data");
}

TEST(MetricsTextFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
    EXPECT_EQ(escape_help("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
}

TEST(MetricsTextFormat, RendersOneSampleWithEscapedLabels) {
    std::string text = render({{"fsev_test_bytes",
                                "Test.",
                                MetricType::gauge,
                                {{{{"mountpoint", "/mnt/a \"b\"\\\n"}}, 42}}}});
    EXPECT_EQ(text,
              "# HELP fsev_test_bytes Test.\n"
              "# TYPE fsev_test_bytes gauge\n"
              "fsev_test_bytes{mountpoint=\"/mnt/a \\\"b\\\"\\\\\\n\"} 42\n");
}

TEST(MetricsTextFormat, HelpAndTypeOncePerFamilyEvenWhenGivenTwice) {
    std::vector<Family> families{
        {"fsev_events_total", "Events.", MetricType::counter, {{{{"type", "warn"}}, 1}}},
        {"fsev_events_total", "Events.", MetricType::counter, {{{{"type", "err"}}, 2}}},
    };
    std::string text = render(families);
    EXPECT_EQ(count_of(text, "# HELP fsev_events_total "), 1u) << text;
    EXPECT_EQ(count_of(text, "# TYPE fsev_events_total counter"), 1u) << text;
    EXPECT_EQ(count_of(text, "fsev_events_total{"), 2u) << text;
}

TEST(MetricsTextFormat, FamiliesAndSamplesAreSortedSoOutputIsStable) {
    std::vector<Family> families{
        {"fsev_b", "B.", MetricType::gauge, {{{{"x", "2"}}, 2}, {{{"x", "1"}}, 1}}},
        {"fsev_a", "A.", MetricType::gauge, {{{}, 0}}},
    };
    std::string text = render(families);
    EXPECT_EQ(text,
              "# HELP fsev_a A.\n# TYPE fsev_a gauge\nfsev_a 0\n"
              "# HELP fsev_b B.\n# TYPE fsev_b gauge\nfsev_b{x=\"1\"} 1\nfsev_b{x=\"2\"} 2\n");
    std::reverse(families.begin(), families.end());
    EXPECT_EQ(render(families), text);
}

TEST(MetricsTextFormat, FamilyWithoutSamplesIsLeftOut) {
    EXPECT_EQ(render({{"fsev_empty", "Nothing.", MetricType::gauge, {}}}), "");
}

TEST(MetricsTextFormat, LargeIntegersStayExactAndFractionsRoundTrip) {
    std::string text = render({{"fsev_v",
                                "V.",
                                MetricType::gauge,
                                {{{{"k", "big"}}, 1099511627776.0}, {{{"k", "frac"}}, 0.000123}}}});
    EXPECT_NE(text.find("fsev_v{k=\"big\"} 1099511627776\n"), std::string::npos) << text;
    EXPECT_NE(text.find("fsev_v{k=\"frac\"} 0.000123"), std::string::npos) << text;
}

}  // namespace
}  // namespace fsev::metrics
