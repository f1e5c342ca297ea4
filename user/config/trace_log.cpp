#include "config/trace_log.h"

#include <unistd.h>

#include <string>

#include "config/listing.h"

namespace fsev {

namespace {

// One write(2) per line, so lines from different threads never interleave.
void log_line(const std::string &what, const TraceEntry &entry) {
    std::string line = "fsev-bpf: config: " + what + ' ' + format_listing_line(entry);
    // The listing shows blocks; the log also shows what they were asked as.
    if (!entry.lower_requested.empty() || !entry.upper_requested.empty())
        line += " from " +
                (entry.lower_requested.empty() ? std::to_string(entry.lower_level)
                                               : entry.lower_requested) +
                (entry.has_upper
                     ? ' ' + (entry.upper_requested.empty() ? std::to_string(entry.upper_level)
                                                            : entry.upper_requested)
                     : std::string());
    if (!entry.rule.empty()) line += " by rule " + entry.rule;
    line += '\n';
    if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
        // Nowhere better to report a failing log.
    }
}

}  // namespace

void TraceLog::notice(const std::string &text) {
    std::string line = "fsev-bpf: config: " + text + '\n';
    if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
    }
}

void TraceLog::entry_created(const TraceEntry &entry) {
    log_line("created", entry);
}

void TraceLog::entry_changed(const TraceEntry &entry, bool thresholds_reset) {
    log_line(thresholds_reset ? "changed (thresholds re-armed)" : "changed", entry);
}

void TraceLog::entry_removed(const TraceEntry &entry, bool filesystem_gone) {
    log_line(filesystem_gone ? "removed (filesystem unmounted)" : "removed", entry);
}

}  // namespace fsev
