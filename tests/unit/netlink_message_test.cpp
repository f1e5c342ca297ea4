// FS_EVENT messages: which attributes each kind carries, the exact bytes on
// the wire, and decoding back.
#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "model/event_names.h"
#include "netlink/fs_event_message.h"
#include "support/sample_events.h"

namespace fsev {
namespace {

constexpr uint16_t kFamily = 1024;  // 0x0400: bytes 00 04 in the headers below

void skip_unless_little_endian() {
    if constexpr (std::endian::native != std::endian::little)
        GTEST_SKIP() << "expected buffers are written out in little-endian byte order";
}

FsEventMessage decode(const std::vector<uint8_t> &bytes, uint16_t family = kFamily) {
    auto decoded =
        decode_message(reinterpret_cast<const nlmsghdr *>(bytes.data()), bytes.size(), family);
    if (!decoded) throw std::runtime_error("not decoded as ours");
    return *decoded;
}

TEST(NetlinkMessage, NewTraceBytesAreExact) {
    skip_unless_little_endian();
    FsEventMessage message = message_for_new_trace(7, "/mnt/a");
    message.sequence = 1;
    const std::vector<uint8_t> expected = {
        0x28, 0x00, 0x00, 0x00,                          // nlmsg_len 40
        0x00, 0x04, 0x00, 0x00,                          // nlmsg_type 1024, nlmsg_flags 0
        0x01, 0x00, 0x00, 0x00,                          // nlmsg_seq 1
        0x00, 0x00, 0x00, 0x00,                          // nlmsg_pid 0
        0x05, 0x01, 0x00, 0x00,                          // genl cmd NEW_TRACE, version 1, reserved
        0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,  // FS_ID 7
        0x0b, 0x00, 0x02, 0x00, '/',  'm',  'n',  't',  '/', 'a', 0x00, 0x00,  // MOUNT + NUL + pad
    };
    EXPECT_EQ(encode_message(message, kFamily), expected);
    EXPECT_EQ(decode(expected), message);
}

TEST(NetlinkMessage, ErrEventWithDeviceBytesAreExact) {
    skip_unless_little_endian();
    // Its available blocks, direction and block size are not sent: only
    // THRESH carries a block count to scale.
    Event event = test::sample_event(FS_EVENT_ERR, FS_ERR_RO_REMOUNT);
    FsEventMessage message = message_for_event(event);
    message.sequence = 9;
    const std::vector<uint8_t> expected = {
        0x3c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,  // len 60, type 1024, flags 0
        0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 9, pid 0
        0x03, 0x01, 0x00, 0x00,                          // ERR, version 1
        0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,  // FS_ID 7
        0x08, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00,  // DEV_MAJOR 7
        0x08, 0x00, 0x04, 0x00, 0x2a, 0x00, 0x00, 0x00,  // DEV_MINOR 42
        0x08, 0x00, 0x05, 0x00, 0x00, 0x01, 0x00, 0x00,  // ID 0x100 FS_ERR_RO_REMOUNT
        0x08, 0x00, 0x06, 0x00, 0x92, 0x10, 0x00, 0x00,  // CAUSED_ID 4242
    };
    EXPECT_EQ(encode_message(message, kFamily), expected);
    EXPECT_EQ(decode(expected), message);
}

TEST(NetlinkMessage, InfoEventWithoutDeviceBytesAreExact) {
    skip_unless_little_endian();
    Event event;
    event.type = FS_EVENT_INFO;
    event.id = FS_INFO_UMOUNT;
    event.trace_id = 4;
    FsEventMessage message = message_for_event(event);
    message.sequence = 2;
    const std::vector<uint8_t> expected = {
        0x2c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,  // len 44
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 2
        0x01, 0x01, 0x00, 0x00,                          // INFO, version 1
        0x08, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00,  // FS_ID 4
        0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00,  // ID FS_INFO_UMOUNT
        0x08, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,  // CAUSED_ID 0: no task
    };
    EXPECT_EQ(encode_message(message, kFamily), expected);
    EXPECT_EQ(decode(expected), message);
}

TEST(NetlinkMessage, ThreshBytesAreExact) {
    skip_unless_little_endian();
    Event event = test::sample_event(FS_EVENT_THRESH, FS_THRESH_LR_REACHED);
    event.available_blocks = 0x100000002ull;  // both halves non-zero: checks the u64 layout
    FsEventMessage message = message_for_event(event);
    message.sequence = 300;
    const std::vector<uint8_t> expected = {
        0x58, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,  // len 88
        0x2c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 300
        0x04, 0x01, 0x00, 0x00,                          // THRESH, version 1
        0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,  // FS_ID 7
        0x08, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00,  // DEV_MAJOR 7
        0x08, 0x00, 0x04, 0x00, 0x2a, 0x00, 0x00, 0x00,  // DEV_MINOR 42
        0x08, 0x00, 0x05, 0x00, 0x20, 0x00, 0x00, 0x00,  // ID FS_THRESH_LR_REACHED
        0x08, 0x00, 0x06, 0x00, 0x92, 0x10, 0x00, 0x00,  // CAUSED_ID 4242
        0x0c, 0x00, 0x07, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  // DATA u64
        0x08, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00,  // DIRECTION filling
        0x08, 0x00, 0x09, 0x00, 0x00, 0x10, 0x00, 0x00,  // BLOCK_SIZE 4096
    };
    EXPECT_EQ(encode_message(message, kFamily), expected);
    EXPECT_EQ(decode(expected), message);
}

struct TypeAndId {
    uint32_t type;
    uint32_t id;
};

class NetlinkRoundTrip : public ::testing::TestWithParam<TypeAndId> {};

TEST_P(NetlinkRoundTrip, EncodeThenDecodeGivesTheSameMessage) {
    Event event = test::sample_event(GetParam().type, GetParam().id);
    event.direction =
        FS_EVENT_DIR_FREEING;  // the other direction and block size than the bytes above
    event.block_size = 1024;
    FsEventMessage message = message_for_event(event);
    message.sequence = 77;
    FsEventMessage decoded = decode(encode_message(message, kFamily));
    EXPECT_EQ(decoded, message);
    EXPECT_EQ(decoded.type, event.type);
    EXPECT_EQ(decoded.fs_id, 7u);
    if (event.type == FS_EVENT_NEW_TRACE) {
        EXPECT_EQ(decoded.mount, "/srv/data");
        EXPECT_FALSE(decoded.event_id || decoded.dev_major || decoded.caused_pid || decoded.data);
        return;
    }
    EXPECT_FALSE(decoded.mount);
    EXPECT_EQ(decoded.event_id, event.id);
    EXPECT_EQ(decoded.dev_major, 7u);
    EXPECT_EQ(decoded.dev_minor, 42u);
    EXPECT_EQ(decoded.caused_pid, 4242u);
    if (event.type == FS_EVENT_THRESH) {
        EXPECT_EQ(decoded.data, 9000u);
        EXPECT_EQ(decoded.direction, uint32_t{FS_EVENT_DIR_FREEING});
        EXPECT_EQ(decoded.block_size, 1024u);
    } else {
        EXPECT_FALSE(decoded.data || decoded.direction || decoded.block_size);
    }
}

INSTANTIATE_TEST_SUITE_P(
    EveryEvent, NetlinkRoundTrip,
    ::testing::Values(
        TypeAndId{FS_EVENT_INFO, FS_INFO_UMOUNT}, TypeAndId{FS_EVENT_INFO, FS_INFO_REMOUNT_RO},
        TypeAndId{FS_EVENT_INFO, FS_INFO_REMOUNT_RW}, TypeAndId{FS_EVENT_WARN, FS_WARN_UNKNOWN},
        TypeAndId{FS_EVENT_WARN, FS_WARN_ENOSPC}, TypeAndId{FS_EVENT_WARN, FS_WARN_ENOSPC_META},
        TypeAndId{FS_EVENT_ERR, FS_ERR_UNKNOWN}, TypeAndId{FS_EVENT_ERR, FS_ERR_RO_REMOUNT},
        TypeAndId{FS_EVENT_ERR, FS_ERR_INTERNAL}, TypeAndId{FS_EVENT_ERR, FS_ERR_CORRUPTED},
        TypeAndId{FS_EVENT_ERR, FS_ERR_SHUTDOWN}, TypeAndId{FS_EVENT_THRESH, FS_THRESH_LR_REACHED},
        TypeAndId{FS_EVENT_THRESH, FS_THRESH_UR_REACHED}, TypeAndId{FS_EVENT_NEW_TRACE, 0}),
    [](const ::testing::TestParamInfo<TypeAndId> &param) {
        if (param.param.type == FS_EVENT_NEW_TRACE) return std::string("NEW_TRACE");
        return event_id_name(param.param.id);
    });

TEST(NetlinkMessage, LongMountPointsRoundTrip) {
    std::string mount = "/" + std::string(4000, 'm') + "/with space";
    FsEventMessage message = message_for_new_trace(1, mount);
    EXPECT_EQ(decode(encode_message(message, kFamily)).mount, mount);
}

TEST(NetlinkMessage, OtherFamiliesAreNotOurs) {
    std::vector<uint8_t> bytes = encode_message(message_for_new_trace(1, "/"), kFamily);
    EXPECT_FALSE(decode_message(reinterpret_cast<const nlmsghdr *>(bytes.data()), bytes.size(),
                                kFamily + 1));
}

TEST(NetlinkMessage, UnknownAttributesAreSkipped) {
    skip_unless_little_endian();
    const std::vector<uint8_t> bytes = {
        0x24, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,  // len 36
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 5
        0x02, 0x01, 0x00, 0x00,                          // WARN
        0x08, 0x00, 0x63, 0x00, 0xaa, 0xbb, 0xcc, 0xdd,  // attribute 99: a future extension
        0x08, 0x00, 0x05, 0x00, 0x08, 0x00, 0x00, 0x00,  // ID FS_WARN_ENOSPC
    };
    FsEventMessage decoded = decode(bytes);
    EXPECT_EQ(decoded.type, FS_EVENT_WARN);
    EXPECT_EQ(decoded.event_id, FS_WARN_ENOSPC);
    EXPECT_EQ(decoded.sequence, 5u);
}

TEST(NetlinkMessage, MalformedMessagesAreRejectedWithTheReason) {
    skip_unless_little_endian();
    std::vector<uint8_t> short_fs_id = {
        0x1a, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x07, 0x00,  // FS_ID with 2
                                                                                 // bytes
    };
    EXPECT_THROW(
        {
            try {
                decode(short_fs_id);
            } catch (const MalformedMessage &error) {
                EXPECT_NE(std::string(error.what()).find("FS_EVENT_ATR_FS_ID"), std::string::npos);
                throw;
            }
        },
        MalformedMessage);

    std::vector<uint8_t> unterminated_mount =
        {
            0x1c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00,
            0x08, 0x00, 0x02, 0x00, '/',  'm',  'n',  't',  // MOUNT without its NUL
        };
    EXPECT_THROW(decode(unterminated_mount), MalformedMessage);

    std::vector<uint8_t> attribute_past_end =
        {
            0x1c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00,
            0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,  // says 16 bytes, 8 left
        };
    EXPECT_THROW(decode(attribute_past_end), MalformedMessage);

    std::vector<uint8_t> truncated = encode_message(message_for_new_trace(1, "/mnt"), kFamily);
    truncated.resize(truncated.size() - 4);  // nlmsg_len now claims more than there is
    EXPECT_THROW(decode(truncated), MalformedMessage);

    std::vector<uint8_t> no_genl_header = {
        0x10, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    EXPECT_THROW(decode(no_genl_header), MalformedMessage);
}

}  // namespace
}  // namespace fsev
