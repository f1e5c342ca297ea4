#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/trace_table.h"

namespace fsev {

// The state file keeps the accepted set-up across restarts as request text
// the config file's own parser reads back: each entry of the listing becomes
// `MOUNTPOINT TYPES [L1 [L2]]` by absolute mount point; a listing line that
// is not an entry (already in request form) is kept as it is. Storing
// requests, not a binary image, means whatever the request language can say
// is kept without a format change.
std::string state_text(std::string_view listing);

// The request a listing entry line stands for, or the line itself when it is
// not an entry line (`ID MOUNT FSTYPE DEVICE (TYPES L1 L2)`).
std::string request_for_listing_line(std::string_view line);

struct RestoreResult {
    size_t restored = 0;                // requests applied
    std::vector<std::string> failures;  // one message per request not applied
};

// Applies each request of the state file at `path` on its own, on top of what
// `table` holds (the startup file's entries): for a filesystem already
// traced, the state's request replaces the entry, since it is the newer word.
// A request that fails (its filesystem is gone, say) is reported in the
// result and the others still apply. A missing file restores nothing.
// Throws std::system_error when the file exists but cannot be read.
RestoreResult restore_state_file(const std::string &path, TraceTable &table,
                                 PathResolver &resolver);

}  // namespace fsev
