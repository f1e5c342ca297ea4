#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/mount_escape.h"
#include "model/trace_entry.h"

namespace fsev {

// One line of the config listing, without the newline:
//   ID MOUNTPOINT FSTYPE DEVICE (TYPES L1 L2)
// A level that is not set (thr off, or L2 not given) is shown as `-`.
std::string format_listing_line(const TraceEntry &entry);

// Every entry, one line each, in the order given (the table orders by id).
std::string format_listing(const std::vector<TraceEntry> &entries);

}  // namespace fsev
