#include "config/listing.h"

#include "config/request.h"

namespace fsev {

std::string escape_mount_field(std::string_view text) {
    std::string escaped;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\' || c == ';') {
            auto byte = static_cast<unsigned char>(c);
            escaped += '\\';
            escaped += static_cast<char>('0' + ((byte >> 6) & 7));
            escaped += static_cast<char>('0' + ((byte >> 3) & 7));
            escaped += static_cast<char>('0' + (byte & 7));
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string format_listing_line(const TraceEntry &entry) {
    auto level = [](bool set, uint64_t value) { return set ? std::to_string(value) : "-"; };
    return std::to_string(entry.id) + ' ' + escape_mount_field(entry.mount_point) + ' ' +
           escape_mount_field(entry.fstype.empty() ? "none" : entry.fstype) + ' ' +
           escape_mount_field(entry.source.empty() ? "none" : entry.source) + " (" +
           type_names(entry.types) + ' ' + level(entry.has_lower, entry.lower_level) + ' ' +
           level(entry.has_upper, entry.upper_level) + ')';
}

std::string format_listing(const std::vector<TraceEntry> &entries) {
    std::string text;
    for (const auto &entry : entries) text += format_listing_line(entry) + '\n';
    return text;
}

}  // namespace fsev
