#include "bpf_stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fstream>

#include "common/system_error.h"

namespace fsev::bench {

BpfStatsEnabled::BpfStatsEnabled() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {
    if (!fd_.valid()) throw last_system_error("enable BPF run-time statistics (BPF_ENABLE_STATS)");
}

std::vector<ProgramStats> program_stats(bpf_object *object) {
    std::vector<ProgramStats> all;
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, object) {
        bpf_prog_info info{};
        uint32_t length = sizeof info;
        if (int err = bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &length); err)
            throw system_error(err,
                               std::string("bpf_obj_get_info_by_fd ") + bpf_program__name(program));
        all.push_back({bpf_program__name(program), info.run_time_ns, info.run_cnt});
    }
    return all;
}

std::vector<ProgramStats> stats_delta(const std::vector<ProgramStats> &before,
                                      const std::vector<ProgramStats> &after) {
    std::vector<ProgramStats> delta;
    for (size_t i = 0; i < after.size() && i < before.size(); ++i)
        delta.push_back({after[i].name, after[i].run_time_ns - before[i].run_time_ns,
                         after[i].run_count - before[i].run_count});
    return delta;
}

MapMemory map_memory(bpf_object *object) {
    MapMemory memory;
    bpf_map *map = nullptr;
    bpf_object__for_each_map(map, object) {
        std::ifstream fdinfo("/proc/self/fdinfo/" + std::to_string(bpf_map__fd(map)));
        std::string key;
        uint64_t bytes = 0;
        while (fdinfo >> key) {
            if (key == "memlock:") {
                fdinfo >> bytes;
                break;
            }
        }
        memory.maps.emplace_back(bpf_map__name(map), bytes);
        memory.total_bytes += bytes;
    }
    return memory;
}

}  // namespace fsev::bench
