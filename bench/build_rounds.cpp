#include "build_rounds.h"

#include <algorithm>
#include <iostream>

#include "bpf_stats.h"
#include "table.h"
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

std::string compare_costs(const RunCosts &a, const RunCosts &b,
                          std::initializer_list<const char *> hooks, double *largest) {
    std::string measured;
    double most = 0;
    for (const char *hook : hooks) {
        auto in_a = a.find(hook), in_b = b.find(hook);
        if (in_a == a.end() || in_b == b.end() || in_a->second.runs == 0 || in_b->second.runs == 0)
            continue;
        const RunCost &first = in_a->second, &second = in_b->second;
        double change = first.per_run() / second.per_run() - 1;
        most = std::max(most, change);
        std::cout << "   " << hook << " " << fixed(first.per_run(), 0) << "/"
                  << fixed(second.per_run(), 0) << " ns (" << first.runs << "/" << second.runs
                  << " runs)\n";
        if (!measured.empty()) measured += ", ";
        std::string shown = hook;
        shown.erase(shown.find("on_"), 3);
        measured += shown + " " + fixed(first.per_run(), 0) + "/" + fixed(second.per_run(), 0) +
                    " ns = " + (change >= 0 ? "+" : "") + fixed(100 * change, 1) + " %";
    }
    if (largest) *largest = most;
    return measured;
}

}  // namespace fsev::bench
