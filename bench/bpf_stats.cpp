#include "bpf_stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/system_error.h"

namespace fsev::bench {

BpfStatsEnabled::BpfStatsEnabled() : fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {
    if (!fd_.valid()) throw last_system_error("enable BPF run-time statistics (BPF_ENABLE_STATS)");
}

std::vector<ProgramStats> program_stats(bpf_object *object) {
    std::vector<std::pair<std::string, int>> programs;
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, object) {
        if (bpf_program__fd(program) < 0) continue;  // a flavour this kernel does not load
        programs.emplace_back(bpf_program__name(program), bpf_program__fd(program));
    }
    return program_stats(programs);
}

std::vector<ProgramStats> program_stats(const std::vector<std::pair<std::string, int>> &programs) {
    std::vector<ProgramStats> all;
    for (const auto &[name, fd] : programs) {
        bpf_prog_info info{};
        uint32_t length = sizeof info;
        if (int err = bpf_obj_get_info_by_fd(fd, &info, &length); err)
            throw system_error(err, "bpf_obj_get_info_by_fd " + name);
        all.push_back({name, info.run_time_ns, info.run_cnt});
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

MapMemory process_map_memory(pid_t pid) {
    MapMemory memory;
    std::set<uint32_t> seen;
    std::string directory = "/proc/" + std::to_string(pid) + "/fdinfo";
    for (const auto &file : std::filesystem::directory_iterator(directory)) {
        std::ifstream fdinfo(file.path());
        std::string key;
        uint64_t bytes = 0;
        uint32_t map_id = 0;
        bool is_map = false;
        while (fdinfo >> key) {
            if (key == "map_type:") is_map = true;
            if (key == "memlock:") fdinfo >> bytes;
            if (key == "map_id:") fdinfo >> map_id;
        }
        if (!is_map || !map_id || !seen.insert(map_id).second) continue;
        std::string name = "map" + std::to_string(map_id);
        UniqueFd map(bpf_map_get_fd_by_id(map_id));
        bpf_map_info info{};
        uint32_t length = sizeof info;
        if (map.valid() && bpf_obj_get_info_by_fd(map.get(), &info, &length) == 0) name = info.name;
        memory.maps.emplace_back(name, bytes);
        memory.total_bytes += bytes;
    }
    return memory;
}

}  // namespace fsev::bench
