#pragma once

#include <string>
#include <string_view>

#include "fsev/bpf_shared.h"

namespace fsev {

// Tracepoint name of a record's source, "unknown" for values we never emit.
std::string_view source_name(uint32_t source);

// One human-readable line (no newline) describing a raw ring-buffer record.
std::string format_record(const fsev_record &record);

// A fixed-size, maybe unterminated kernel string as a std::string.
std::string bounded_string(const char *chars, size_t capacity);

}  // namespace fsev
