#include "model/event_names.h"

#include <cstdio>

#include "fsev/fs_event.h"

namespace fsev {

std::string event_type_name(uint32_t type) {
    switch (type) {
        case FS_EVENT_INFO:
            return "INFO";
        case FS_EVENT_WARN:
            return "WARN";
        case FS_EVENT_ERR:
            return "ERR";
        case FS_EVENT_THRESH:
            return "THRESH";
        case FS_EVENT_NEW_TRACE:
            return "NEW_TRACE";
    }
    return "TYPE_" + std::to_string(type);
}

std::string event_id_name(uint32_t id) {
    switch (id) {
        case FS_INFO_UMOUNT:
            return "FS_INFO_UMOUNT";
        case FS_WARN_UNKNOWN:
            return "FS_WARN_UNKNOWN";
        case FS_WARN_ENOSPC:
            return "FS_WARN_ENOSPC";
        case FS_WARN_ENOSPC_META:
            return "FS_WARN_ENOSPC_META";
        case FS_WARN_FULL_SOON:
            return "FS_WARN_FULL_SOON";
        case FS_THRESH_LR_REACHED:
            return "FS_THRESH_LR_REACHED";
        case FS_THRESH_UR_REACHED:
            return "FS_THRESH_UR_REACHED";
        case FS_ERR_UNKNOWN:
            return "FS_ERR_UNKNOWN";
        case FS_ERR_RO_REMOUNT:
            return "FS_ERR_RO_REMOUNT";
        case FS_ERR_INTERNAL:
            return "FS_ERR_INTERNAL";
        case FS_ERR_CORRUPTED:
            return "FS_ERR_CORRUPTED";
        case FS_INFO_REMOUNT_RO:
            return "FS_INFO_REMOUNT_RO";
        case FS_INFO_REMOUNT_RW:
            return "FS_INFO_REMOUNT_RW";
        case FS_ERR_SHUTDOWN:
            return "FS_ERR_SHUTDOWN";
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", id);
    return hex;
}

std::string direction_name(uint32_t direction) {
    switch (direction) {
        case FS_EVENT_DIR_NONE:
            return "none";
        case FS_EVENT_DIR_FILLING:
            return "filling";
        case FS_EVENT_DIR_FREEING:
            return "freeing";
    }
    return std::to_string(direction);
}

}  // namespace fsev
