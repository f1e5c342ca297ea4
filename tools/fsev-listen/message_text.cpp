#include "message_text.h"

#include <cstdio>
#include <string_view>
#include <nlohmann/json.hpp>

#include "model/event_names.h"

namespace fsev {

namespace {

std::string escaped_path(const std::string &path) {
    std::string out;
    for (char c : path) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
            char octal[5];
            std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned char>(c));
            out += octal;
        } else {
            out += c;
        }
    }
    return out;
}

// FS_EVENT_ATR_COUNT_SOURCE as a word.
std::string count_source_name(uint32_t source) {
    switch (source) {
        case FS_EVENT_COUNT_EXACT:
            return "exact";
        case FS_EVENT_COUNT_STATFS:
            return "statfs";
        default:
            return std::to_string(source);
    }
}

}  // namespace

std::string human_line(const FsEventMessage &m) {
    // Built with append() only: GCC 12 at -O3 reports a false -Wrestrict
    // for `"literal" + std::string&&` (the insert-at-front overload).
    std::string line = event_type_name(m.type);
    auto field = [&line](std::string_view name, const std::string &value) {
        line.append(" ").append(name).append("=").append(value);
    };
    if (m.event_id) line.append(" ").append(event_id_name(*m.event_id));
    field("seq", std::to_string(m.sequence));
    if (m.version != FS_EVENT_VERSION) field("version", std::to_string(m.version));
    if (m.fs_id) field("fs_id", std::to_string(*m.fs_id));
    if (m.mount) field("mount", escaped_path(*m.mount));
    if (m.dev_major || m.dev_minor) {
        std::string dev = m.dev_major ? std::to_string(*m.dev_major) : "?";
        dev.append(":").append(m.dev_minor ? std::to_string(*m.dev_minor) : "?");
        field("dev", dev);
    }
    if (m.caused_pid) field("caused_pid", std::to_string(*m.caused_pid));
    if (m.data) field("available_blocks", std::to_string(*m.data));
    if (m.direction) field("direction", direction_name(*m.direction));
    if (m.block_size) field("block_size", std::to_string(*m.block_size));
    if (m.counted_by) field("count", count_source_name(*m.counted_by));
    if (m.writers) {
        // One field per writer, most first: writer=BYTES:PID:COMM:CGROUP[:WORKLOAD].
        if (m.writers->window_seconds)
            field("writers_window", std::to_string(*m.writers->window_seconds) + "s");
        for (const FsEventWriter &w : m.writers->writers) {
            std::string text = std::to_string(w.bytes.value_or(0));
            text.append(":").append(std::to_string(w.pid.value_or(0)));
            text.append(":").append(escaped_path(w.comm.value_or("")));
            text.append(":").append(escaped_path(w.cgroup.value_or("")));
            if (w.workload) text.append(":").append(escaped_path(*w.workload));
            field("writer", text);
        }
        if (m.writers->other_bytes && *m.writers->other_bytes)
            field("other_writers_bytes", std::to_string(*m.writers->other_bytes));
    }
    return line;
}

std::string json_line(const FsEventMessage &m) {
    nlohmann::ordered_json object;
    object["seq"] = m.sequence;
    object["type"] = event_type_name(m.type);
    object["cmd"] = m.type;
    object["version"] = m.version;
    if (m.fs_id) object["fs_id"] = *m.fs_id;
    if (m.mount) object["mount"] = *m.mount;
    if (m.dev_major) object["dev_major"] = *m.dev_major;
    if (m.dev_minor) object["dev_minor"] = *m.dev_minor;
    if (m.event_id) {
        object["event"] = event_id_name(*m.event_id);
        object["id"] = *m.event_id;
    }
    if (m.caused_pid) object["caused_pid"] = *m.caused_pid;
    if (m.data) object["available_blocks"] = *m.data;
    if (m.direction) object["direction"] = direction_name(*m.direction);
    if (m.block_size) object["block_size"] = *m.block_size;
    if (m.counted_by) object["count"] = count_source_name(*m.counted_by);
    if (m.writers) {
        nlohmann::ordered_json writers = nlohmann::ordered_json::array();
        for (const FsEventWriter &w : m.writers->writers) {
            nlohmann::ordered_json writer;
            if (w.pid) writer["pid"] = *w.pid;
            if (w.comm) writer["comm"] = *w.comm;
            if (w.cgroup_id) writer["cgroup_id"] = *w.cgroup_id;
            if (w.cgroup) writer["cgroup"] = *w.cgroup;
            if (w.workload) writer["workload"] = *w.workload;
            if (w.bytes) writer["bytes"] = *w.bytes;
            writers.push_back(std::move(writer));
        }
        object["writers"] = std::move(writers);
        if (m.writers->window_seconds)
            object["writers_window_seconds"] = *m.writers->window_seconds;
        if (m.writers->other_bytes) object["other_writers_bytes"] = *m.writers->other_bytes;
    }
    // A mount point that is not UTF-8 gets U+FFFD rather than breaking the line.
    return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::optional<std::string> SequenceTracker::observe(uint32_t sequence) {
    std::optional<uint32_t> last = std::exchange(last_, sequence);
    if (!last) return std::nullopt;
    uint32_t expected = *last + 1;  // wraps at 2^32 like the publisher's counter
    if (sequence == expected) return std::nullopt;
    uint32_t ahead = sequence - expected;
    if (ahead < (1u << 31)) {
        missed_ += ahead;
        return "sequence gap: " + std::to_string(ahead) + " message(s) missed (expected " +
               std::to_string(expected) + ", got " + std::to_string(sequence) + ")";
    }
    return "sequence went back from " + std::to_string(*last) + " to " + std::to_string(sequence) +
           ": the publisher restarted";
}

}  // namespace fsev
