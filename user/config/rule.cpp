#include "config/rule.h"

#include <fnmatch.h>

#include "config/listing.h"
#include "config/request.h"
#include "config/trace_table.h"

namespace fsev {

namespace {

constexpr std::string_view kBlockDevices = "blockdev";

bool is_type_name(std::string_view name) {
    // Kernel filesystem type names: fuse.sshfs, ext4, nfs4, cgroup2, ...
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    return true;
}

}  // namespace

bool Selector::matches(const ResolvedFilesystem &filesystem) const {
    if (block_devices && filesystem.block_backed) return true;
    for (const auto &fstype : fstypes)
        if (fstype == filesystem.fstype) return true;
    for (const auto &pattern : patterns)
        if (::fnmatch(pattern.c_str(), filesystem.mount_point.c_str(), 0) == 0) return true;
    return false;
}

std::optional<Selector> parse_selector(std::string_view text, std::string &why) {
    Selector selector;
    selector.text = std::string(text);
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        std::string_view item = text.substr(start, comma == text.npos ? text.npos : comma - start);
        if (item.empty()) {
            why = "empty item in the selector";
            return std::nullopt;
        }
        if (item.front() == '/') {
            selector.patterns.emplace_back(item);
        } else if (item == kBlockDevices) {
            selector.block_devices = true;
        } else if (is_type_name(item)) {
            selector.fstypes.emplace_back(item);
        } else {
            why = std::string("'").append(item).append(
                "' is neither blockdev, a filesystem type nor a /mount/point pattern");
            return std::nullopt;
        }
        if (comma == text.npos) break;
        start = comma + 1;
    }
    return selector;
}

std::string format_rule(const Rule &rule) {
    // append(), not `'@' + std::string&&`: GCC 12 at -O3 reports a false
    // -Wrestrict for the insert-at-front overload.
    std::string text = "@";
    text.append(escape_mount_field(rule.selector.text)).append(" ").append(type_names(rule.types));
    if (rule.lower) text.append(" ").append(rule.lower->text);
    if (rule.upper) text.append(" ").append(rule.upper->text);
    return text;
}

}  // namespace fsev
