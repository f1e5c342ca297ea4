#include "netlink/fs_event_message.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

namespace fsev {

FsEventMessage message_for_new_trace(uint32_t trace_id, const std::string &mount_point) {
    FsEventMessage message;
    message.type = FS_EVENT_NEW_TRACE;
    message.fs_id = trace_id;
    message.mount = mount_point;
    return message;
}

FsEventMessage message_for_event(const Event &event) {
    if (event.type == FS_EVENT_NEW_TRACE)
        return message_for_new_trace(event.trace_id, event.mount_point);
    FsEventMessage message;
    message.type = static_cast<uint8_t>(event.type);
    message.fs_id = event.trace_id;
    if (event.has_device) {
        message.dev_major = event.dev_major;
        message.dev_minor = event.dev_minor;
    }
    message.event_id = event.id;
    message.caused_pid = event.caused_pid;
    if (event.type == FS_EVENT_THRESH) {
        message.data = event.available_blocks;
        message.direction = event.direction;
        // Only where there is a block count to scale; 0 means "unknown".
        if (event.block_size != 0) message.block_size = event.block_size;
        if (event.counted_by != FS_EVENT_COUNT_UNKNOWN) message.counted_by = event.counted_by;
    }
    if (event.writers_window_seconds != 0) {
        FsEventWriters writers;
        writers.window_seconds = event.writers_window_seconds;
        for (const EventWriter &writer : event.writers) {
            FsEventWriter entry;
            entry.pid = writer.pid;
            entry.comm = writer.comm;
            entry.cgroup_id = writer.cgroup_id;
            entry.cgroup = writer.cgroup;
            if (!writer.workload.empty()) entry.workload = writer.workload;
            entry.bytes = writer.bytes;
            writers.writers.push_back(std::move(entry));
        }
        writers.other_bytes = event.other_writers_bytes;
        message.writers = std::move(writers);
    }
    return message;
}

namespace {

size_t string_size(const std::optional<std::string> &text) {
    return text ? MNL_ATTR_HDRLEN + MNL_ALIGN(text->size() + 1) : 0;
}

// Room FS_EVENT_ATR_WRITERS takes, headers and padding included.
size_t writers_size(const std::optional<FsEventWriters> &writers) {
    if (!writers) return 0;
    size_t size = 3 * (MNL_ATTR_HDRLEN + 8);
    for (const FsEventWriter &writer : writers->writers)
        size += MNL_ATTR_HDRLEN + 3 * (MNL_ATTR_HDRLEN + 8) + string_size(writer.comm) +
                string_size(writer.cgroup) + string_size(writer.workload);
    return size;
}

void put_writers(nlmsghdr *header, const FsEventWriters &writers) {
    nlattr *outer = mnl_attr_nest_start(header, FS_EVENT_ATR_WRITERS);
    if (writers.window_seconds)
        mnl_attr_put_u32(header, FS_EVENT_WRITERS_WINDOW, *writers.window_seconds);
    for (const FsEventWriter &writer : writers.writers) {
        nlattr *inner = mnl_attr_nest_start(header, FS_EVENT_WRITERS_WRITER);
        if (writer.pid) mnl_attr_put_u32(header, FS_EVENT_WRITER_PID, *writer.pid);
        if (writer.comm) mnl_attr_put_strz(header, FS_EVENT_WRITER_COMM, writer.comm->c_str());
        if (writer.cgroup_id)
            mnl_attr_put_u64(header, FS_EVENT_WRITER_CGROUP_ID, *writer.cgroup_id);
        if (writer.cgroup)
            mnl_attr_put_strz(header, FS_EVENT_WRITER_CGROUP, writer.cgroup->c_str());
        if (writer.workload)
            mnl_attr_put_strz(header, FS_EVENT_WRITER_WORKLOAD, writer.workload->c_str());
        if (writer.bytes) mnl_attr_put_u64(header, FS_EVENT_WRITER_BYTES, *writer.bytes);
        mnl_attr_nest_end(header, inner);
    }
    if (writers.other_bytes)
        mnl_attr_put_u64(header, FS_EVENT_WRITERS_OTHER_BYTES, *writers.other_bytes);
    mnl_attr_nest_end(header, outer);
}

}  // namespace

std::vector<uint8_t> encode_message(const FsEventMessage &message, uint16_t family_id) {
    // Headers, at most ten fixed-size attributes, the mount string and padding.
    size_t capacity = MNL_NLMSG_HDRLEN + GENL_HDRLEN + 10 * MNL_ATTR_HDRLEN + 9 * 8 +
                      (message.mount ? MNL_ALIGN(message.mount->size() + 1) : 0) +
                      writers_size(message.writers);
    std::vector<uint8_t> buffer(capacity);
    nlmsghdr *header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = family_id;
    header->nlmsg_flags = 0;
    header->nlmsg_seq = message.sequence;
    header->nlmsg_pid = 0;
    auto *genl = static_cast<genlmsghdr *>(mnl_nlmsg_put_extra_header(header, sizeof(genlmsghdr)));
    genl->cmd = message.type;
    genl->version = message.version;

    // The RFC's attribute order; extensions follow.
    auto put_u32 = [header](uint16_t type, const std::optional<uint32_t> &value) {
        if (value) mnl_attr_put_u32(header, type, *value);
    };
    put_u32(FS_EVENT_ATR_FS_ID, message.fs_id);
    if (message.mount) mnl_attr_put_strz(header, FS_EVENT_ATR_MOUNT, message.mount->c_str());
    put_u32(FS_EVENT_ATR_DEV_MAJOR, message.dev_major);
    put_u32(FS_EVENT_ATR_DEV_MINOR, message.dev_minor);
    put_u32(FS_EVENT_ATR_ID, message.event_id);
    put_u32(FS_EVENT_ATR_CAUSED_ID, message.caused_pid);
    if (message.data) mnl_attr_put_u64(header, FS_EVENT_ATR_DATA, *message.data);
    put_u32(FS_EVENT_ATR_DIRECTION, message.direction);
    put_u32(FS_EVENT_ATR_BLOCK_SIZE, message.block_size);
    put_u32(FS_EVENT_ATR_COUNT_SOURCE, message.counted_by);
    if (message.writers) put_writers(header, *message.writers);

    buffer.resize(header->nlmsg_len);
    return buffer;
}

namespace {

uint32_t checked_u32(const nlattr *attribute, const char *name) {
    if (mnl_attr_validate(attribute, MNL_TYPE_U32) < 0)
        throw MalformedMessage(std::string(name) + " is not a 4-byte u32");
    return mnl_attr_get_u32(attribute);
}

uint64_t checked_u64(const nlattr *attribute, const char *name) {
    if (mnl_attr_validate(attribute, MNL_TYPE_U64) < 0)
        throw MalformedMessage(std::string(name) + " is not an 8-byte u64");
    return mnl_attr_get_u64(attribute);
}

std::string checked_string(const nlattr *attribute, const char *name) {
    if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) < 0)
        throw MalformedMessage(std::string(name) + " is not a NUL-terminated string");
    return mnl_attr_get_str(attribute);
}

// Calls `each` for every attribute nested in `outer`, checking lengths.
template <typename Each>
void for_each_nested(const nlattr *outer, const char *name, Each each) {
    if (mnl_attr_validate(outer, MNL_TYPE_NESTED) < 0)
        throw MalformedMessage(std::string(name) + " is not a nested attribute");
    const auto *attribute = static_cast<const nlattr *>(mnl_attr_get_payload(outer));
    auto left = static_cast<int>(mnl_attr_get_payload_len(outer));
    while (left > 0) {
        if (!mnl_attr_ok(attribute, left))
            throw MalformedMessage(std::string(name) + ": attribute length runs past it");
        each(attribute);
        left -= static_cast<int>(MNL_ALIGN(attribute->nla_len));
        attribute = mnl_attr_next(attribute);
    }
}

FsEventWriter decode_writer(const nlattr *outer) {
    FsEventWriter writer;
    for_each_nested(outer, "FS_EVENT_WRITERS_WRITER", [&writer](const nlattr *attribute) {
        switch (mnl_attr_get_type(attribute)) {
            case FS_EVENT_WRITER_PID:
                writer.pid = checked_u32(attribute, "FS_EVENT_WRITER_PID");
                break;
            case FS_EVENT_WRITER_COMM:
                writer.comm = checked_string(attribute, "FS_EVENT_WRITER_COMM");
                break;
            case FS_EVENT_WRITER_CGROUP_ID:
                writer.cgroup_id = checked_u64(attribute, "FS_EVENT_WRITER_CGROUP_ID");
                break;
            case FS_EVENT_WRITER_CGROUP:
                writer.cgroup = checked_string(attribute, "FS_EVENT_WRITER_CGROUP");
                break;
            case FS_EVENT_WRITER_WORKLOAD:
                writer.workload = checked_string(attribute, "FS_EVENT_WRITER_WORKLOAD");
                break;
            case FS_EVENT_WRITER_BYTES:
                writer.bytes = checked_u64(attribute, "FS_EVENT_WRITER_BYTES");
                break;
            default:
                break;  // a later extension
        }
    });
    return writer;
}

FsEventWriters decode_writers(const nlattr *outer) {
    FsEventWriters writers;
    for_each_nested(outer, "FS_EVENT_ATR_WRITERS", [&writers](const nlattr *attribute) {
        switch (mnl_attr_get_type(attribute)) {
            case FS_EVENT_WRITERS_WINDOW:
                writers.window_seconds = checked_u32(attribute, "FS_EVENT_WRITERS_WINDOW");
                break;
            case FS_EVENT_WRITERS_WRITER:
                writers.writers.push_back(decode_writer(attribute));
                break;
            case FS_EVENT_WRITERS_OTHER_BYTES:
                writers.other_bytes = checked_u64(attribute, "FS_EVENT_WRITERS_OTHER_BYTES");
                break;
            default:
                break;
        }
    });
    return writers;
}

}  // namespace

std::optional<FsEventMessage> decode_message(const nlmsghdr *header, size_t length,
                                             uint16_t family_id) {
    if (length < sizeof(nlmsghdr)) throw MalformedMessage("shorter than a netlink header");
    if (header->nlmsg_type != family_id) return std::nullopt;
    if (!mnl_nlmsg_ok(header, static_cast<int>(length)))
        throw MalformedMessage("netlink length " + std::to_string(header->nlmsg_len) +
                               " does not fit the " + std::to_string(length) + " bytes received");
    if (header->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
        throw MalformedMessage("no room for the genetlink header");

    FsEventMessage message;
    message.sequence = header->nlmsg_seq;
    const auto *genl = static_cast<const genlmsghdr *>(mnl_nlmsg_get_payload(header));
    message.type = genl->cmd;
    message.version = genl->version;

    const auto *attributes =
        static_cast<const char *>(mnl_nlmsg_get_payload_offset(header, sizeof(genlmsghdr)));
    const auto *tail = static_cast<const char *>(mnl_nlmsg_get_payload_tail(header));
    auto left = static_cast<int>(tail - attributes);
    const auto *attribute = reinterpret_cast<const nlattr *>(attributes);
    while (left > 0) {
        if (!mnl_attr_ok(attribute, left))
            throw MalformedMessage("attribute length runs past the message");
        switch (mnl_attr_get_type(attribute)) {
            case FS_EVENT_ATR_FS_ID:
                message.fs_id = checked_u32(attribute, "FS_EVENT_ATR_FS_ID");
                break;
            case FS_EVENT_ATR_MOUNT:
                if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) < 0)
                    throw MalformedMessage("FS_EVENT_ATR_MOUNT is not a NUL-terminated string");
                message.mount = mnl_attr_get_str(attribute);
                break;
            case FS_EVENT_ATR_DEV_MAJOR:
                message.dev_major = checked_u32(attribute, "FS_EVENT_ATR_DEV_MAJOR");
                break;
            case FS_EVENT_ATR_DEV_MINOR:
                message.dev_minor = checked_u32(attribute, "FS_EVENT_ATR_DEV_MINOR");
                break;
            case FS_EVENT_ATR_ID:
                message.event_id = checked_u32(attribute, "FS_EVENT_ATR_ID");
                break;
            case FS_EVENT_ATR_CAUSED_ID:
                message.caused_pid = checked_u32(attribute, "FS_EVENT_ATR_CAUSED_ID");
                break;
            case FS_EVENT_ATR_DATA:
                if (mnl_attr_validate(attribute, MNL_TYPE_U64) < 0)
                    throw MalformedMessage("FS_EVENT_ATR_DATA is not an 8-byte u64");
                message.data = mnl_attr_get_u64(attribute);
                break;
            case FS_EVENT_ATR_DIRECTION:
                message.direction = checked_u32(attribute, "FS_EVENT_ATR_DIRECTION");
                break;
            case FS_EVENT_ATR_BLOCK_SIZE:
                message.block_size = checked_u32(attribute, "FS_EVENT_ATR_BLOCK_SIZE");
                break;
            case FS_EVENT_ATR_COUNT_SOURCE:
                message.counted_by = checked_u32(attribute, "FS_EVENT_ATR_COUNT_SOURCE");
                break;
            case FS_EVENT_ATR_WRITERS:
                message.writers = decode_writers(attribute);
                break;
            default:
                break;  // a later extension: skipped, never an error
        }
        left -= static_cast<int>(MNL_ALIGN(attribute->nla_len));
        attribute = mnl_attr_next(attribute);
    }
    return message;
}

}  // namespace fsev
