#include "support/sample_events.h"

namespace fsev::test {

Event sample_event(uint32_t type, uint32_t id) {
    Event event;
    event.type = type;
    event.id = id;
    event.trace_id = 7;
    event.has_device = true;
    event.dev_major = 7;
    event.dev_minor = 42;
    event.caused_pid = 4242;
    event.available_blocks = 9000;
    event.direction = FS_EVENT_DIR_FILLING;
    event.block_size = 4096;
    event.mount_point = "/srv/data";
    return event;
}

TraceEntry trace_entry_for(const LoopExt4 &fs, uint32_t id, uint32_t types,
                           std::optional<uint64_t> lower, std::optional<uint64_t> upper) {
    TraceEntry entry;
    entry.id = id;
    entry.device = fs.device();
    entry.types = types;
    entry.has_lower = lower.has_value();
    entry.has_upper = upper.has_value();
    entry.lower_level = lower.value_or(0);
    entry.upper_level = upper.value_or(0);
    entry.mount_point = fs.mount_point();
    entry.fstype = "ext4";
    entry.source = fs.loop_device();
    return entry;
}

}  // namespace fsev::test
