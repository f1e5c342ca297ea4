#pragma once

#include <string>
#include <utility>
#include <vector>

#include "metrics/registry.h"

namespace fsev::metrics {

// run_cnt and run_time_ns of each (name, program fd), from
// bpf_obj_get_info_by_fd. Programs whose info cannot be read are left out.
std::vector<BpfProgramStats> read_bpf_program_stats(
    const std::vector<std::pair<std::string, int>> &programs);

// The sysctl kernel.bpf_stats_enabled. The kernel also counts while any
// process holds a BPF_ENABLE_STATS file descriptor; the sysctl does not show
// that (checked on 6.18).
bool bpf_stats_enabled();

}  // namespace fsev::metrics
