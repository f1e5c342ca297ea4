#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/unique_fd.h"

struct bpf_object;

namespace fsev::bench {

// Kernel BPF run-time statistics, on while this object lives. It uses
// BPF_ENABLE_STATS (a file descriptor, not the sysctl): the kernel turns the
// statistics off again when the fd closes, even if the bench crashes, and
// kernel.bpf_stats_enabled is never written.
class BpfStatsEnabled {
  public:
    BpfStatsEnabled();

  private:
    UniqueFd fd_;
};

struct ProgramStats {
    std::string name;
    uint64_t run_time_ns = 0;
    uint64_t run_count = 0;
};

// Every program of a loaded object, with the kernel's counters now.
std::vector<ProgramStats> program_stats(bpf_object *object);
// The same for programs given as (name, fd), as Ext4Probes::program_fds() lists them.
std::vector<ProgramStats> program_stats(const std::vector<std::pair<std::string, int>> &programs);

// What ran between two snapshots of the same object.
std::vector<ProgramStats> stats_delta(const std::vector<ProgramStats> &before,
                                      const std::vector<ProgramStats> &after);

// memlock bytes the kernel charges for each BPF map a process holds open
// (/proc/PID/fdinfo, each map once), as "name=bytes" plus the total.
struct MapMemory {
    std::vector<std::pair<std::string, uint64_t>> maps;
    uint64_t total_bytes = 0;
};
MapMemory process_map_memory(pid_t pid);

}  // namespace fsev::bench
