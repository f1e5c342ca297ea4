// The listing format of /run/fsev/config and its /proc/self/mounts escaping.
#include <gtest/gtest.h>

#include "config/listing.h"
#include "config/request.h"
#include "mounts/mountinfo.h"

namespace fsev {
namespace {

TraceEntry sample_entry() {
    TraceEntry entry;
    entry.id = 1;
    entry.types = TRACE_WARN | TRACE_ERR | TRACE_THRESH;
    entry.has_lower = entry.has_upper = true;
    entry.lower_level = 710000;
    entry.upper_level = 500000;
    entry.mount_point = "/srv/data";
    entry.fstype = "ext4";
    entry.source = "/dev/vdb1";
    return entry;
}

TEST(ConfigListing, TheSpecExample) {
    EXPECT_EQ(format_listing_line(sample_entry()),
              "1 /srv/data ext4 /dev/vdb1 (warn,err,thr 710000 500000)");
}

TEST(ConfigListing, UnsetLevelsShowAsDash) {
    TraceEntry entry = sample_entry();
    entry.has_upper = false;
    entry.upper_level = 0;
    EXPECT_EQ(format_listing_line(entry), "1 /srv/data ext4 /dev/vdb1 (warn,err,thr 710000 -)");
    entry.types = TRACE_INFO;
    entry.has_lower = false;
    EXPECT_EQ(format_listing_line(entry), "1 /srv/data ext4 /dev/vdb1 (info - -)");
}

TEST(ConfigListing, ZeroLevelsAreShownAsZero) {
    TraceEntry entry = sample_entry();
    entry.lower_level = entry.upper_level = 0;
    EXPECT_EQ(format_listing_line(entry), "1 /srv/data ext4 /dev/vdb1 (warn,err,thr 0 0)");
}

TEST(ConfigListing, EscapesLikeProcSelfMounts) {
    EXPECT_EQ(escape_mount_field("a b\tc\nd\\e"), "a\\040b\\011c\\012d\\134e");
    EXPECT_EQ(escape_mount_field("/plain/path-ü"), "/plain/path-ü");
    TraceEntry entry = sample_entry();
    entry.mount_point = "/mnt/my disk";
    entry.source = "/dev/disk/by-label/a\\b";
    EXPECT_EQ(format_listing_line(entry),
              "1 /mnt/my\\040disk ext4 /dev/disk/by-label/a\\134b (warn,err,thr 710000 500000)");
}

TEST(ConfigListing, EscapesSemicolonsSoAListedPathIsOneRequest) {
    EXPECT_EQ(escape_mount_field("/mnt/a;b"), "/mnt/a\\073b");
    ParsedWrite parsed = parse_write(escape_mount_field("/mnt/a;b") + " info");
    ASSERT_EQ(parsed.requests.size(), 1u);
    EXPECT_EQ(parsed.requests[0].mount, "/mnt/a;b");
}

TEST(ConfigListing, EscapingRoundTripsThroughTheMountTableDecoder) {
    std::string nasty = "/mnt/a b\tc\nd\\e\\040";
    EXPECT_EQ(unescape_mount_field(escape_mount_field(nasty)), nasty);
}

TEST(ConfigListing, MissingSourceShowsNone) {
    TraceEntry entry = sample_entry();
    entry.source.clear();
    EXPECT_EQ(format_listing_line(entry), "1 /srv/data ext4 none (warn,err,thr 710000 500000)");
}

TEST(ConfigListing, OneLinePerEntry) {
    TraceEntry second = sample_entry();
    second.id = 7;
    second.types = TRACE_INFO;
    second.has_lower = second.has_upper = false;
    EXPECT_EQ(format_listing({sample_entry(), second}),
              "1 /srv/data ext4 /dev/vdb1 (warn,err,thr 710000 500000)\n"
              "7 /srv/data ext4 /dev/vdb1 (info - -)\n");
    EXPECT_EQ(format_listing({}), "");
}

}  // namespace
}  // namespace fsev
