#pragma once

#include <cstdint>
#include <string_view>

namespace fsev {

// "INFO", "WARN", "ERR", "THRESH", "NEW_TRACE"; "UNKNOWN" otherwise.
std::string_view event_type_name(uint32_t type);
// The public header's names: "FS_THRESH_LR_REACHED", ...; "UNKNOWN" otherwise.
std::string_view event_id_name(uint32_t id);
// "filling", "freeing", or "" for none.
std::string_view direction_name(uint32_t direction);

}  // namespace fsev
