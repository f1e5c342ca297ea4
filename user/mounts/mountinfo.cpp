#include "mounts/mountinfo.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <charconv>

#include "common/mount_escape.h"
#include "common/system_error.h"
#include "common/unique_fd.h"

namespace fsev {

namespace {

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    while ((start = line.find_first_not_of(' ', start)) != std::string_view::npos) {
        size_t end = line.find(' ', start);
        if (end == std::string_view::npos) end = line.size();
        fields.push_back(line.substr(start, end - start));
        start = end;
    }
    return fields;
}

template <typename Number>
bool parse_number(std::string_view text, Number &value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

bool parse_line(std::string_view line, MountInfo &mount) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    std::vector<std::string_view> fields = split_spaces(line);
    size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 6 || dash + 1 >= fields.size()) return false;
    std::string_view device = fields[2];
    size_t colon = device.find(':');
    unsigned major_number = 0, minor_number = 0;
    if (colon == std::string_view::npos || !parse_number(fields[0], mount.mount_id) ||
        !parse_number(device.substr(0, colon), major_number) ||
        !parse_number(device.substr(colon + 1), minor_number))
        return false;
    mount.device = makedev(major_number, minor_number);
    mount.root = unescape_mount_field(fields[3]);
    mount.mount_point = unescape_mount_field(fields[4]);
    mount.fstype = unescape_mount_field(fields[dash + 1]);
    mount.source = dash + 2 < fields.size() ? unescape_mount_field(fields[dash + 2]) : "none";
    if (dash + 3 < fields.size()) mount.super_options = std::string(fields[dash + 3]);
    return true;
}

}  // namespace

bool has_mount_option(std::string_view options, std::string_view wanted) {
    size_t start = 0;
    while (start <= options.size()) {
        size_t end = options.find(',', start);
        if (end == std::string_view::npos) end = options.size();
        if (options.substr(start, end - start) == wanted) return true;
        start = end + 1;
    }
    return false;
}

bool super_options_read_only(std::string_view super_options) {
    return has_mount_option(super_options, "ro") || has_mount_option(super_options, "emergency_ro");
}

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    std::vector<MountInfo> mounts;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        MountInfo mount;
        if (parse_line(text.substr(start, end - start), mount)) mounts.push_back(std::move(mount));
        start = end + 1;
    }
    return mounts;
}

std::vector<MountInfo> read_mountinfo(const std::string &pid) {
    std::string path = "/proc/" + pid + "/mountinfo";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throw last_system_error("open " + path);
    std::string text;
    char buffer[16384];
    ssize_t got;
    while ((got = ::read(fd.get(), buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<size_t>(got));
    if (got < 0) throw last_system_error("read " + path);
    return parse_mountinfo(text);
}

}  // namespace fsev
