#pragma once

#include <cstdint>
#include <string>

namespace fsev {

// Printable names of the values in include/fsev/fs_event.h. Values without a
// name (a newer daemon) print as numbers, never as an error.
std::string event_type_name(uint32_t type);      // "THRESH", or "TYPE_7"
std::string event_id_name(uint32_t id);          // "FS_THRESH_LR_REACHED", or "0x4000"
std::string direction_name(uint32_t direction);  // "filling", "freeing", "none", or "7"

}  // namespace fsev
