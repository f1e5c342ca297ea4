#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/event.h"
#include "fsev/fs_event.h"

namespace fsev {

// One FS_EVENT generic-netlink message, attribute by attribute. An attribute
// that is absent on the wire is an empty optional, so encode(decode(x)) == x.
// One entry of FS_EVENT_ATR_WRITERS.
struct FsEventWriter {
    std::optional<uint32_t> pid;          // FS_EVENT_WRITER_PID
    std::optional<std::string> comm;      // FS_EVENT_WRITER_COMM
    std::optional<uint64_t> cgroup_id;    // FS_EVENT_WRITER_CGROUP_ID
    std::optional<std::string> cgroup;    // FS_EVENT_WRITER_CGROUP
    std::optional<std::string> workload;  // FS_EVENT_WRITER_WORKLOAD
    std::optional<uint64_t> bytes;        // FS_EVENT_WRITER_BYTES

    bool operator==(const FsEventWriter &) const = default;
};

// FS_EVENT_ATR_WRITERS.
struct FsEventWriters {
    std::optional<uint32_t> window_seconds;  // FS_EVENT_WRITERS_WINDOW
    std::vector<FsEventWriter> writers;      // FS_EVENT_WRITERS_WRITER, most bytes first
    std::optional<uint64_t> other_bytes;     // FS_EVENT_WRITERS_OTHER_BYTES

    bool operator==(const FsEventWriters &) const = default;
};

struct FsEventMessage {
    uint32_t sequence = 0;               // nlmsg_seq: +1 per message the publisher sends
    uint8_t type = FS_EVENT_NONE;        // genlmsghdr.cmd: enum fs_event_type
    uint8_t version = FS_EVENT_VERSION;  // genlmsghdr.version
    std::optional<uint32_t> fs_id;       // FS_EVENT_ATR_FS_ID (trace entry id)
    std::optional<std::string> mount;    // FS_EVENT_ATR_MOUNT
    std::optional<uint32_t> dev_major;   // FS_EVENT_ATR_DEV_MAJOR
    std::optional<uint32_t> dev_minor;   // FS_EVENT_ATR_DEV_MINOR
    std::optional<uint32_t> event_id;    // FS_EVENT_ATR_ID
    std::optional<uint32_t> caused_pid;  // FS_EVENT_ATR_CAUSED_ID
    std::optional<uint64_t> data;        // FS_EVENT_ATR_DATA: available blocks
    std::optional<uint32_t> direction;   // FS_EVENT_ATR_DIRECTION
    std::optional<uint32_t> block_size;  // FS_EVENT_ATR_BLOCK_SIZE
    std::optional<uint32_t> counted_by;  // FS_EVENT_ATR_COUNT_SOURCE
    // FS_EVENT_ATR_WRITERS
    std::optional<FsEventWriters> writers;

    bool operator==(const FsEventMessage &) const = default;
};

// Which attributes each kind of message carries (SPEC §4, documented in
// include/fsev/fs_event.h): FS_ID always; MOUNT in NEW_TRACE; in events
// DEV_MAJOR/MINOR when the filesystem has a device, ID and CAUSED_ID; in
// THRESH also DATA, DIRECTION and, when known, BLOCK_SIZE.
FsEventMessage message_for_event(const Event &event);
FsEventMessage message_for_new_trace(uint32_t trace_id, const std::string &mount_point);

// The message as it goes on the wire: nlmsghdr (type = family id, no flags:
// without NLM_F_REQUEST the kernel's genetlink side ignores it) + genlmsghdr
// + attributes, in host byte order like all netlink.
std::vector<uint8_t> encode_message(const FsEventMessage &message, uint16_t family_id);

// A message of our family whose layout is wrong.
class MalformedMessage : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Decodes one netlink message of `length` valid bytes starting at `header`.
// Returns nothing for messages of another type (not ours); throws
// MalformedMessage for ours when truncated or an attribute has the wrong
// size. Unknown attributes are skipped, as an RFC consumer would.
std::optional<FsEventMessage> decode_message(const nlmsghdr *header, size_t length,
                                             uint16_t family_id);

}  // namespace fsev
