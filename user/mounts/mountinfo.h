#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fsev {

// One line of /proc/PID/mountinfo (see proc(5)), escapes decoded.
struct MountInfo {
    uint64_t mount_id = 0;
    dev_t device = 0;           // major:minor, the superblock's st_dev
    std::string root;           // the filesystem's directory mounted here
    std::string mount_point;    // relative to the reading process's root
    std::string fstype;         // e.g. ext4, fuse.sshfs
    std::string source;         // e.g. /dev/loop0, or "none"
    std::string super_options;  // the superblock's options, e.g. rw,errors=remount-ro
};

// True when a comma-separated option list (a mountinfo options column)
// holds `wanted` as a whole option.
bool has_mount_option(std::string_view options, std::string_view wanted);

// True when a superblock's options (mountinfo's last column) say it is
// read-only: remounted so ("ro"), or switched by an error ("emergency_ro",
// ext4 on kernels >= 6.15, which statfs's ST_RDONLY does not show).
bool super_options_read_only(std::string_view super_options);

// Parses the file's text; lines it does not understand are skipped.
std::vector<MountInfo> parse_mountinfo(std::string_view text);

// Reads /proc/PID/mountinfo ("self" for the daemon). Throws std::system_error.
std::vector<MountInfo> read_mountinfo(const std::string &pid);

}  // namespace fsev
