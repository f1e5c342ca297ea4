#include "config/listing.h"

#include "common/mount_escape.h"
#include "config/request.h"

namespace fsev {

std::string format_listing_line(const TraceEntry &entry) {
    auto level = [](bool set, uint64_t value) { return set ? std::to_string(value) : "-"; };
    return std::to_string(entry.id) + ' ' + escape_mount_field(entry.mount_point) + ' ' +
           escape_mount_field(entry.fstype.empty() ? "none" : entry.fstype) + ' ' +
           escape_mount_field(entry.source.empty() ? "none" : entry.source) + " (" +
           type_names(entry.types) + ' ' + level(entry.has_lower, entry.lower_level) + ' ' +
           level(entry.has_upper, entry.upper_level) +
           (entry.predict_seconds ? " predict " + duration_text(entry.predict_seconds) : "") + ')';
}

std::string format_listing(const std::vector<TraceEntry> &entries) {
    std::string text;
    for (const auto &entry : entries) text += format_listing_line(entry) + '\n';
    return text;
}

}  // namespace fsev
