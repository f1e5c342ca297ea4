// `predict DURATION` in the request language: parsed, refused with a
// clear error when bad, listed, and carried through the state file.
#include <gtest/gtest.h>

#include "config/listing.h"
#include "config/request.h"
#include "config/state_file.h"
#include "model/trace_entry.h"

namespace fsev {
namespace {

TEST(ConfigPredictTest, DurationsInSecondsMinutesHoursDaysOrOff) {
    EXPECT_EQ(parse_request("/var warn predict 90s", "r")->predict_seconds, 90u);
    EXPECT_EQ(parse_request("/var thr 100 50 predict 30m", "r")->predict_seconds, 1800u);
    EXPECT_EQ(parse_request("/var thr 10% predict 2h", "r")->predict_seconds, 7200u);
    EXPECT_EQ(parse_request("/var warn predict 1d", "r")->predict_seconds, 86400u);
    EXPECT_EQ(parse_request("/var warn predict off", "r")->predict_seconds, 0u);
    EXPECT_FALSE(parse_request("/var thr 100 50", "r")->predict_seconds);
    auto request = parse_request("/var thr 100 50 predict 30m", "r");
    ASSERT_TRUE(request->lower && request->upper);
    EXPECT_EQ(request->lower->text, "100");
    EXPECT_EQ(request->upper->text, "50");
}

TEST(ConfigPredictTest, BadHorizonsAreRefusedWithTheReason) {
    struct Case {
        const char *text;
        const char *reason;
    };
    for (const Case &bad : {
             Case{"/var warn predict", "predict takes one duration and comes last"},
             Case{"/var warn predict 30m 100", "predict takes one duration and comes last"},
             Case{"/var warn predict 30", "bad predict horizon '30'"},
             Case{"/var warn predict 0m", "bad predict horizon '0m'"},
             Case{"/var warn predict -5m", "bad predict horizon '-5m'"},
             Case{"/var warn predict 1.5h", "bad predict horizon '1.5h'"},
             Case{"/var warn predict 31d", "over the limit of 30d"},
             Case{"!/var predict 30m", "not with ! or in a rule"},
             Case{"@blockdev warn predict 30m", "not with ! or in a rule"},
             Case{"/var predict 30m", "no event types"},
         }) {
        try {
            parse_request(bad.text, "request 1");
            ADD_FAILURE() << bad.text << " was accepted";
        } catch (const RequestError &error) {
            EXPECT_EQ(error.error_number(), EINVAL) << bad.text;
            EXPECT_NE(std::string(error.what()).find(bad.reason), std::string::npos)
                << bad.text << ": " << error.what();
        }
    }
}

TEST(ConfigPredictTest, ListedAfterTheLevelsAndRestoredFromTheStateFile) {
    TraceEntry entry;
    entry.id = 4;
    entry.mount_point = "/var";
    entry.fstype = "ext4";
    entry.source = "/dev/vdb1";
    entry.types = TRACE_WARN | TRACE_THRESH;
    entry.has_lower = true;
    entry.lower_level = 5000;
    entry.predict_seconds = 1800;
    std::string line = format_listing_line(entry);
    EXPECT_EQ(line, "4 /var ext4 /dev/vdb1 (warn,thr 5000 - predict 30m)");
    std::string request = request_for_listing_line(line);
    EXPECT_EQ(request, "/var warn,thr 5000 predict 30m");
    auto parsed = parse_request(request, "state");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->predict_seconds, 1800u);
    EXPECT_EQ(parsed->lower->text, "5000");
    EXPECT_FALSE(parsed->upper);
    EXPECT_EQ(duration_text(90), "90s");
    EXPECT_EQ(duration_text(7200), "2h");
}

}  // namespace
}  // namespace fsev
