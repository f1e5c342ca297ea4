#include "events/record_format.h"

#include <charconv>
#include <cstring>
#include <sstream>

#include "model/device.h"
#include "model/event.h"
#include "model/event_names.h"

namespace fsev {

std::string_view source_name(uint32_t source) {
    switch (source) {
        case FSEV_SRC_ALLOCATE_BLOCKS:
            return "ext4_allocate_blocks";
        case FSEV_SRC_FREE_BLOCKS:
            return "ext4_free_blocks";
        case FSEV_SRC_DA_RESERVE:
            return "ext4_da_reserve_space";
        case FSEV_SRC_DA_RELEASE:
            return "ext4_da_release_space";
        case FSEV_SRC_DA_UPDATE:
            return "ext4_da_update_reserve_space";
        case FSEV_SRC_ERROR:
            return "ext4_error";
        case FSEV_SRC_SHUTDOWN:
            return "ext4_shutdown";
        case FSEV_SRC_SYSCALL_ENOSPC:
            return "syscall_enospc";
        case FSEV_SRC_SYSCALL_ENOSPC_PATH:
            return "syscall_enospc_path";
        case FSEV_SRC_SPACE_ACTIVITY:
            return "space_activity";
        case FSEV_SRC_XFS_SHUTDOWN:
            return "xfs_force_shutdown";
        case FSEV_SRC_SYSCALL_IO_ERROR:
            return "syscall_io_error";
        default:
            return "unknown";
    }
}

std::string bounded_string(const char *chars, size_t capacity) {
    return std::string(chars, ::strnlen(chars, capacity));
}

std::string format_record(const fsev_record &record) {
    std::ostringstream line;
    line << "dev=" << kernel_dev_major(record.dev) << ':' << kernel_dev_minor(record.dev) << ' '
         << source_name(record.source);
    if (record.source == FSEV_SRC_ERROR) {
        line << " function=" << bounded_string(record.error_function, sizeof record.error_function)
             << " line=" << record.error_line;
    } else if (record.blocks != 0) {
        line << " blocks=" << record.blocks;
    }
    line << " available_blocks=" << record.available_blocks << " block_size=" << record.block_size
         << " pid=" << record.pid << " comm=" << bounded_string(record.comm, sizeof record.comm);
    return line.str();
}

namespace {

// Appends `value` in decimal: format_event runs once per event, and a
// stream per line (locale, sentry, virtual calls) cost a storm a third of
// its time.
void append_number(std::string &line, uint64_t value) {
    char digits[20];
    line.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

}  // namespace

std::string format_event(const Event &event, uint64_t suppressed) {
    std::string line;
    line.reserve(160 + event.mount_point.size());
    line += "event ";
    line += event.mount_point.empty() ? std::string_view("-") : event.mount_point;
    line += ' ';
    line += event_id_name(event.id);
    line += " type=";
    line += event_type_name(event.type);
    if (event.direction != FS_EVENT_DIR_NONE) {
        line += " direction=";
        line += direction_name(event.direction);
    }
    line += " trace_id=";
    append_number(line, event.trace_id);
    if (event.has_device) {
        line += " dev=";
        append_number(line, event.dev_major);
        line += ':';
        append_number(line, event.dev_minor);
    }
    line += " available_blocks=";
    append_number(line, event.available_blocks);
    line += " block_size=";
    append_number(line, event.block_size);
    line += " pid=";
    append_number(line, event.caused_pid);
    if (suppressed) {
        line += " suppressed_before=";
        append_number(line, suppressed);
    }
    return line;
}

}  // namespace fsev
