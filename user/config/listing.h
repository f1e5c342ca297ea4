#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "trace/trace_entry.h"

namespace fsev {

// Escapes space, tab, newline and backslash as /proc/self/mounts does
// (`\040`, `\011`, `\012`, `\134`), so every listing field is one word, and
// `;` (`\073`), so a listed path pasted back is one request, not two.
std::string escape_mount_field(std::string_view text);

// One line of the config listing, without the newline:
//   ID MOUNTPOINT FSTYPE DEVICE (TYPES L1 L2)
// A level that is not set (thr off, or L2 not given) is shown as `-`.
std::string format_listing_line(const TraceEntry &entry);

// Every entry, one line each, in the order given (the table orders by id).
std::string format_listing(const std::vector<TraceEntry> &entries);

}  // namespace fsev
