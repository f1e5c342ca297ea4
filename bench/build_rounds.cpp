#include "build_rounds.h"

#include "bpf_stats.h"
#include "trace/bpf_trace_sync.h"

namespace fsev::bench {

RunCosts costs_while(const TraceEntry &entry, const ProbeOptions &options,
                     const KernelFeatures &features, const std::function<void()> &workload) {
    Ext4Probes probes(options, features);
    probes.attach();
    BpfTraceSync sync(
        probes.traced_superblocks_map_fd(),
        [](const TraceEntry &, const fsev_threshold_step &, uint64_t, uint32_t) {}, [](bool) {});
    sync.entry_created(entry);
    auto before = program_stats(probes.program_fds());
    workload();
    RunCosts costs;
    for (const ProgramStats &stats : stats_delta(before, program_stats(probes.program_fds())))
        costs[stats.name] = {stats.run_time_ns, stats.run_count};
    sync.entry_removed(entry, false);
    return costs;
}

void add_costs(RunCosts &totals, const std::string &prefix, const RunCosts &round) {
    for (const auto &[name, cost] : round) {
        totals[prefix + name].run_time_ns += cost.run_time_ns;
        totals[prefix + name].runs += cost.runs;
    }
}

}  // namespace fsev::bench
