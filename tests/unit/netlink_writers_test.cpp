// FS_EVENT_ATR_WRITERS: the nested list of who took space, encoded after
// every RFC attribute, decoded back, and invisible to a consumer that only
// knows the RFC's attributes.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <map>
#include <vector>

#include "netlink/fs_event_message.h"
#include "support/sample_events.h"

namespace fsev {
namespace {

constexpr uint16_t kFamily = 1024;

Event thresh_with_writers() {
    Event event = test::sample_event(FS_EVENT_THRESH, FS_THRESH_LR_REACHED);
    event.counted_by = FS_EVENT_COUNT_EXACT;
    event.writers_window_seconds = 60;
    event.writers.push_back({4242, "dd", 77, "/system.slice/docker-0123456789ab.scope",
                             "container 0123456789ab", 16 << 20});
    event.writers.push_back(
        {51, "rsyslogd", 12, "/system.slice/rsyslog.service", "service rsyslog.service", 1 << 20});
    event.other_writers_bytes = 4096;
    return event;
}

TEST(NetlinkWriters, ThreshWithWritersRoundTrips) {
    FsEventMessage message = message_for_event(thresh_with_writers());
    message.sequence = 9;
    ASSERT_TRUE(message.writers);
    std::vector<uint8_t> bytes = encode_message(message, kFamily);
    auto decoded =
        decode_message(reinterpret_cast<const nlmsghdr *>(bytes.data()), bytes.size(), kFamily);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, message);
    ASSERT_EQ(decoded->writers->writers.size(), 2u);
    EXPECT_EQ(decoded->writers->writers[0].comm, "dd");
    EXPECT_EQ(decoded->writers->writers[0].bytes, uint64_t{16 << 20});
    EXPECT_EQ(decoded->writers->writers[1].workload, "service rsyslog.service");
    EXPECT_EQ(decoded->writers->window_seconds, 60u);
    EXPECT_EQ(decoded->writers->other_bytes, 4096u);
}

TEST(NetlinkWriters, EventsWithoutWritersHaveNoWritersAttribute) {
    Event event = thresh_with_writers();
    event.writers_window_seconds = 0;
    EXPECT_FALSE(message_for_event(event).writers);
}

// Top-level attributes in wire order, as any libmnl consumer walks them.
std::vector<const nlattr *> top_level(const nlmsghdr *header) {
    std::vector<const nlattr *> attributes;
    int parsed = mnl_attr_parse(
        header, sizeof(genlmsghdr),
        [](const nlattr *attribute, void *data) {
            static_cast<std::vector<const nlattr *> *>(data)->push_back(attribute);
            return MNL_CB_OK;
        },
        &attributes);
    if (parsed != MNL_CB_OK) throw std::runtime_error("mnl_attr_parse failed");
    return attributes;
}

// A consumer of the RFC takes attributes 1-7 by type and ignores the rest.
TEST(NetlinkWriters, RfcConsumerStillReadsItsAttributes) {
    FsEventMessage message = message_for_event(thresh_with_writers());
    std::vector<uint8_t> bytes = encode_message(message, kFamily);
    auto attributes = top_level(reinterpret_cast<const nlmsghdr *>(bytes.data()));
    std::map<uint16_t, const nlattr *> seen;
    for (const nlattr *attribute : attributes) seen[mnl_attr_get_type(attribute)] = attribute;
    EXPECT_EQ(mnl_attr_get_u32(seen.at(FS_EVENT_ATR_FS_ID)), 7u);
    EXPECT_EQ(mnl_attr_get_u32(seen.at(FS_EVENT_ATR_ID)), FS_THRESH_LR_REACHED);
    EXPECT_EQ(mnl_attr_get_u32(seen.at(FS_EVENT_ATR_CAUSED_ID)), 4242u);
    EXPECT_EQ(mnl_attr_get_u64(seen.at(FS_EVENT_ATR_DATA)), 9000u);
    // The writers come last: a consumer that stops at the first unknown
    // attribute has read all of its own.
    ASSERT_FALSE(attributes.empty());
    EXPECT_EQ(mnl_attr_get_type(attributes.back()), FS_EVENT_ATR_WRITERS);
}

TEST(NetlinkWriters, TruncatedWriterIsRejected) {
    FsEventMessage message = message_for_event(thresh_with_writers());
    std::vector<uint8_t> bytes = encode_message(message, kFamily);
    auto *header = reinterpret_cast<nlmsghdr *>(bytes.data());
    auto *writers = const_cast<nlattr *>(top_level(header).back());
    // The first nested writer follows WINDOW (4-byte header + u32): make its
    // length run past its parent.
    auto *first =
        reinterpret_cast<nlattr *>(static_cast<char *>(mnl_attr_get_payload(writers)) + 8);
    ASSERT_EQ(mnl_attr_get_type(first), FS_EVENT_WRITERS_WRITER);
    first->nla_len = 0xfff0;
    EXPECT_THROW(decode_message(header, bytes.size(), kFamily), MalformedMessage);
}

}  // namespace
}  // namespace fsev
