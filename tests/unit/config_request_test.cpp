// The request language of /run/fsev/config (SPEC §2), parsed without any
// filesystem: syntax rules and their errors.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "config/request.h"
#include "config_test_support.h"
#include "model/trace_entry.h"

namespace fsev {
namespace {

using test::parse_error;

TEST(ConfigRequest, MountTypesAndBothLevels) {
    ParsedWrite parsed = parse_write("/srv/data warn,err,thr 710000 500000\n");
    ASSERT_EQ(parsed.requests.size(), 1u);
    const Request &request = parsed.requests[0];
    EXPECT_FALSE(parsed.remove_all);
    EXPECT_FALSE(request.remove);
    EXPECT_EQ(request.mount, "/srv/data");
    EXPECT_EQ(request.types, TRACE_WARN | TRACE_ERR | TRACE_THRESH);
    EXPECT_EQ(request.lower->amount, 710000u);
    EXPECT_EQ(request.upper->amount, 500000u);
}

TEST(ConfigRequest, SemicolonsAndNewlinesSeparateRequests) {
    ParsedWrite parsed = parse_write("/a info;/b warn\n/c err ; !/d");
    ASSERT_EQ(parsed.requests.size(), 4u);
    EXPECT_EQ(parsed.requests[0].mount, "/a");
    EXPECT_EQ(parsed.requests[1].mount, "/b");
    EXPECT_EQ(parsed.requests[2].mount, "/c");
    EXPECT_EQ(parsed.requests[3].mount, "/d");
    EXPECT_TRUE(parsed.requests[3].remove);
}

TEST(ConfigRequest, TabsAndRepeatedBlanksSeparateFields) {
    ParsedWrite parsed = parse_write("  /a \t info,thr\t\t 10   5  \r\n");
    ASSERT_EQ(parsed.requests.size(), 1u);
    EXPECT_EQ(parsed.requests[0].mount, "/a");
    EXPECT_EQ(parsed.requests[0].types, TRACE_INFO | TRACE_THRESH);
    EXPECT_EQ(parsed.requests[0].lower->amount, 10u);
    EXPECT_EQ(parsed.requests[0].upper->amount, 5u);
}

TEST(ConfigRequest, WhitespaceOnlyWriteRemovesAll) {
    for (std::string_view text : {"\n", " ", " \t\n\n ", ""}) {
        ParsedWrite parsed = parse_write(text);
        EXPECT_TRUE(parsed.remove_all) << "'" << text << "'";
        EXPECT_TRUE(parsed.requests.empty());
    }
}

TEST(ConfigRequest, EmptyRequestsInsideAWriteAreIgnored) {
    // The RFC cleared every entry on an empty request between two `;`.
    ParsedWrite parsed = parse_write(";/a info;; ;\n\n/b warn;");
    EXPECT_FALSE(parsed.remove_all);
    ASSERT_EQ(parsed.requests.size(), 2u);
    EXPECT_EQ(parsed.requests[1].label, "request 2");
    ParsedWrite only_separators = parse_write(";;\n;");
    EXPECT_FALSE(only_separators.remove_all);
    EXPECT_TRUE(only_separators.requests.empty());
}

TEST(ConfigRequest, RemovalForms) {
    ParsedWrite parsed = parse_write("!/a;!/b thr,warn");
    ASSERT_EQ(parsed.requests.size(), 2u);
    EXPECT_TRUE(parsed.requests[0].remove);
    EXPECT_EQ(parsed.requests[0].types, 0u);
    EXPECT_TRUE(parsed.requests[1].remove);
    EXPECT_EQ(parsed.requests[1].types, TRACE_THRESH | TRACE_WARN);
}

TEST(ConfigRequest, ThresholdWithOnlyL1) {
    ParsedWrite parsed = parse_write("/a thr 100");
    EXPECT_EQ(parsed.requests[0].lower->amount, 100u);
    EXPECT_FALSE(parsed.requests[0].upper.has_value());
}

TEST(ConfigRequest, EqualLevelsAreAllowed) {
    EXPECT_EQ(parse_error("/a thr 100 100"), 0);
}

TEST(ConfigRequest, Full64BitRangeIsAccepted) {
    ParsedWrite parsed = parse_write("/a thr 18446744073709551615 0");
    EXPECT_EQ(parsed.requests[0].lower->amount, UINT64_MAX);
    EXPECT_EQ(parsed.requests[0].upper->amount, 0u);
}

TEST(ConfigRequest, OctalEscapesInTheMountAreDecoded) {
    // As the listing prints them, so a path can be copied back from it.
    ParsedWrite parsed = parse_write("/mnt/my\\040disk\\011x\\134y info");
    EXPECT_EQ(parsed.requests[0].mount, "/mnt/my disk\tx\\y");
    // A backslash not followed by three octal digits stays as it is.
    EXPECT_EQ(parse_write("/a\\b\\48 info").requests[0].mount, "/a\\b\\48");
}

TEST(ConfigRequest, MountWithoutTypesIsInvalid) {
    EXPECT_EQ(parse_error("/srv/data"), EINVAL);
    EXPECT_EQ(parse_error("/srv/data\n"), EINVAL);
}

TEST(ConfigRequest, UnknownTypeNamesAreRejected) {
    // The RFC ignored them silently.
    EXPECT_EQ(parse_error("/a info,bogus"), EINVAL);
    EXPECT_EQ(parse_error("/a INFO"), EINVAL);
    EXPECT_EQ(parse_error("/a thres 10"), EINVAL);
    EXPECT_EQ(parse_error("/a all"), EINVAL);
}

TEST(ConfigRequest, EmptyTypeNamesAreRejected) {
    EXPECT_EQ(parse_error("/a info,"), EINVAL);
    EXPECT_EQ(parse_error("/a ,info"), EINVAL);
    EXPECT_EQ(parse_error("/a info,,warn"), EINVAL);
    EXPECT_EQ(parse_error("/a ,"), EINVAL);
}

TEST(ConfigRequest, LevelsMustBeDecimalUnsigned64Bit) {
    for (std::string_view text :
         {"/a thr -1", "/a thr +1", "/a thr 0x10", "/a thr 1e3", "/a thr 12abc",
          "/a thr 18446744073709551616", "/a thr 10 x", "/a thr 10 -5", "/a thr 1.5"})
        EXPECT_EQ(parse_error(text), EINVAL) << text;
}

TEST(ConfigRequest, L1BelowL2IsInvalid) {
    EXPECT_EQ(parse_error("/a thr 100 200"), EINVAL);
}

TEST(ConfigRequest, LevelsWithoutThrAreInvalid) {
    EXPECT_EQ(parse_error("/a warn 100"), EINVAL);
    EXPECT_EQ(parse_error("/a warn,err 100 50"), EINVAL);
}

TEST(ConfigRequest, LevelsOnARemovalAreInvalid) {
    EXPECT_EQ(parse_error("!/a thr 100"), EINVAL);
}

TEST(ConfigRequest, TooManyFieldsAreInvalid) {
    EXPECT_EQ(parse_error("/a thr 100 50 25"), EINVAL);
}

TEST(ConfigRequest, EmptyMountPathIsInvalid) {
    EXPECT_EQ(parse_error("! info"), EINVAL);
    EXPECT_EQ(parse_error("!"), EINVAL);
}

TEST(ConfigRequest, NulBytesInTheMountAreInvalid) {
    EXPECT_EQ(parse_error(std::string_view("/a\0b info", 9)), EINVAL);
    EXPECT_EQ(parse_error("/a\\000b info"), EINVAL);
}

TEST(ConfigRequest, OneBadRequestFailsTheWholeWriteNamingIt) {
    try {
        parse_write("/a info; /b bogus; /c warn");
        FAIL() << "no error";
    } catch (const RequestError &error) {
        EXPECT_EQ(error.error_number(), EINVAL);
        EXPECT_NE(std::string(error.what()).find("request 2 '/b bogus'"), std::string::npos)
            << error.what();
        EXPECT_NE(std::string(error.what()).find("unknown event type 'bogus'"), std::string::npos)
            << error.what();
    }
}

TEST(ConfigRequest, WritesOverTheLimitAreTooBig) {
    EXPECT_EQ(parse_error(std::string(kMaxConfigWriteBytes, ' ')), 0);
    EXPECT_EQ(parse_error(std::string(kMaxConfigWriteBytes + 1, ' ')), EFBIG);
    std::string many;
    while (many.size() <= kMaxConfigWriteBytes) many += "/a info;";
    EXPECT_EQ(parse_error(many), EFBIG);
}

TEST(ConfigRequest, TypeNamesInCanonicalOrder) {
    EXPECT_EQ(type_names(TRACE_THRESH | TRACE_INFO), "info,thr");
    EXPECT_EQ(type_names(TRACE_ALL), "info,warn,err,thr");
    EXPECT_EQ(type_names(0), "");
}

}  // namespace
}  // namespace fsev
