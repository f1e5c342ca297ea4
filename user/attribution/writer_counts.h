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
    uint64_t first_ns = 0;  // when BPF made the entry: a new one after an eviction differs

    bool same_writer(const WriterCount &other) const {
        return device == other.device && cgroup_id == other.cgroup_id && tgid == other.tgid;
    }
};

// The BPF maps the counts are in: `writers` (the entries) and `writer_slots`
// (per CPU, units not yet added to an entry; -1: none).
struct WriterMapFds {
    int writers = -1;
    int slots = -1;
};

// Every entry of the BPF `writers` map with the units still pending for it
// in the CPUs' slots (cumulative counts since each entry was made). A slot
// caught changing writer while read is read again; one still changing
// after a few tries adds nothing this time, so a count can be read lower
// than it was before (never higher than what was taken). Throws
// std::system_error when a map cannot be read.
std::vector<WriterCount> read_writer_counts(const WriterMapFds &maps);

}  // namespace fsev
