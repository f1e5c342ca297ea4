#include "metrics/bpf_program_stats.h"

#include <bpf/bpf.h>

#include <fstream>

namespace fsev::metrics {

std::vector<BpfProgramStats> read_bpf_program_stats(
    const std::vector<std::pair<std::string, int>> &programs) {
    std::vector<BpfProgramStats> stats;
    for (const auto &[name, fd] : programs) {
        bpf_prog_info info{};
        uint32_t length = sizeof info;
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) continue;
        stats.push_back({name, info.run_cnt, info.run_time_ns});
    }
    return stats;
}

bool bpf_stats_enabled() {
    std::ifstream sysctl("/proc/sys/kernel/bpf_stats_enabled");
    int value = 0;
    return (sysctl >> value) && value != 0;
}

}  // namespace fsev::metrics
