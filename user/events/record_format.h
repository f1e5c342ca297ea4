#pragma once

#include <string>
#include <string_view>

#include "fsev/bpf_shared.h"

namespace fsev {

// Tracepoint name of a record's source, "unknown" for values we never emit.
std::string_view source_name(uint32_t source);

// One human-readable line (no newline) describing a raw ring-buffer record.
std::string format_record(const fsev_record &record);

// One line for an event: mount point, event name, available blocks, pid.
// `suppressed`: ERR events of this entry held back by the rate limit since
// the previous one.
std::string format_event(const struct Event &event, uint64_t suppressed = 0);

// A fixed-size, maybe unterminated kernel string as a std::string.
std::string bounded_string(const char *chars, size_t capacity);

}  // namespace fsev
