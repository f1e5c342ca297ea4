// One object loaded two ways, the same workload under each, alternating:
// what measurements 1f and 1g compare.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <string>

#include "model/trace_entry.h"
#include "probes/ext4_probes.h"

namespace fsev::bench {

struct RunCost {
    uint64_t run_time_ns = 0;
    uint64_t runs = 0;
    double per_run() const { return runs ? static_cast<double>(run_time_ns) / double(runs) : 0; }
};
// By program name, with a prefix where one run measures several setups.
using RunCosts = std::map<std::string, RunCost>;

// Loads the object as `options` and `features` say, traces `entry`, and
// returns each program's kernel run time and count while `workload` runs.
RunCosts costs_while(const TraceEntry &entry, const ProbeOptions &options,
                     const KernelFeatures &features, const std::function<void()> &workload);

// Adds `round` to `totals`, each name prefixed with `prefix`.
void add_costs(RunCosts &totals, const std::string &prefix, const RunCosts &round);

// `hooks` (program names as in the totals) of setup A against setup B:
// prints each one's ns per run and runs, and returns the table's text
// ("da_reserve_space 205/270 ns = -24.0 %, ...", empty when none ran) and,
// when `largest` is given, the largest change, A/B - 1, in *largest.
std::string compare_costs(const RunCosts &a, const RunCosts &b,
                          std::initializer_list<const char *> hooks, double *largest = nullptr);

}  // namespace fsev::bench
