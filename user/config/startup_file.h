#pragma once

#include <string>
#include <string_view>

#include "config/request.h"
#include "config/trace_table.h"

namespace fsev {

// The --config-file format: the config file's request syntax, one request per
// line; `#` at the start of a line or after a blank starts a comment; blank
// lines are skipped (they do not clear anything). Errors name "line N".
ParsedWrite parse_startup_file(std::string_view text);

// Reads FILE and applies it as one atomic change. Throws std::runtime_error
// naming the file and line on any problem (the daemon stops on it).
void apply_startup_file(const std::string &path, TraceTable &table, PathResolver &resolver);

}  // namespace fsev
