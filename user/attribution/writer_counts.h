#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fsev {

// Space one writer (a process in a cgroup) took on one filesystem, in bytes.
struct WriterCount {
    uint32_t device = 0;  // kernel dev_t of the superblock
    uint64_t cgroup_id = 0;
    uint32_t tgid = 0;  // 0: not visible in the daemon's pid namespace
    std::string comm;
    uint64_t bytes = 0;

    bool same_writer(const WriterCount &other) const {
        return device == other.device && cgroup_id == other.cgroup_id && tgid == other.tgid;
    }
};

// Every entry of the BPF `writers` map (cumulative counts since each entry
// was made). Throws std::system_error when the map cannot be read.
std::vector<WriterCount> read_writer_counts(int writers_map_fd);

}  // namespace fsev
