// The `netlink` discovery file beside `config`.
#include <gtest/gtest.h>

#include "netlink/discovery.h"

namespace fsev {
namespace {

TEST(NetlinkDiscovery, TextIsOneKeyValuePerLine) {
    EXPECT_EQ(discovery_text({1024, 31}),
              "family=FS_EVENT\nfamily_id=1024\nversion=1\ngroup=event\ngroup_id=31\n");
}

TEST(NetlinkDiscovery, ParsesWhatTheDaemonWrites) {
    NetlinkChannel channel{40001, 12};
    EXPECT_EQ(parse_discovery_text(discovery_text(channel)), channel);
}

TEST(NetlinkDiscovery, SkipsUnknownKeysAndEmptyLines) {
    EXPECT_EQ(parse_discovery_text("family_id=30000\n\nfuture=thing\ngroup_id=3\n"),
              (NetlinkChannel{30000, 3}));
}

void expect_refused(const std::string &text, const std::string &reason) {
    try {
        parse_discovery_text(text);
        ADD_FAILURE() << "accepted: " << text;
    } catch (const DiscoveryError &error) {
        EXPECT_NE(std::string(error.what()).find(reason), std::string::npos)
            << "'" << error.what() << "' does not say '" << reason << "'";
    }
}

TEST(NetlinkDiscovery, BadFilesAreRefusedWithTheReason) {
    expect_refused("", "no family_id= line");
    expect_refused("family_id=1024\n", "no group_id= line");
    expect_refused("family_id=1024\ngroup_id=32\n", "group_id='32' is not a number 1-31");
    expect_refused("family_id=abc\ngroup_id=3\n", "family_id='abc' is not a number");
    expect_refused("family_id=1024 \ngroup_id=3\n", "family_id='1024 ' is not a number");
    expect_refused("family=OTHER\nfamily_id=1024\ngroup_id=3\n", "family 'OTHER' is not FS_EVENT");
    expect_refused("version=2\nfamily_id=1024\ngroup_id=3\n", "version=2 is not the version 1");
    expect_refused("family_id 1024\n", "has no '='");
}

}  // namespace
}  // namespace fsev
