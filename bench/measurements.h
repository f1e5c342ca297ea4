#pragma once

#include <cstdint>
#include <string>

#include "support/loop_ext4.h"
#include "table.h"

namespace fsev::bench {

struct BenchConfig {
    bool quick = false;                        // the smoke run: tiny counts, same code paths
    std::string image_directory = "/dev/shm";  // where the loop images live
    std::string daemon_path;                   // build/fsev-bpf, for its RSS
    int rounds = 5;                            // alternations of loaded / not loaded (2)
    double seconds_per_run = 1.0;              // one workload run (1, 2)
    int latency_crossings = 400;               // crossings timed, half each way (3)
    int poll_samples = 8;                      // crossings found by real 1 s statfs polling (3)
    double storm_seconds = 3.0;                // threshold storm (4)
    int scale_entries = 1000;                  // trace entries applied at once (5)
    int other_fs_crossings = 40;               // crossings timed per filesystem (6)
    bool other_fs_only = false;                // run measurement 6 alone
    std::string latency_data;   // if set, (3) writes its samples there for bench/plot-latency.sh
    bool latency_only = false;  // run (3) alone
    bool cost_only = false;     // run (1) and (2) alone
    bool attribution_only = false;  // run (1f) alone
    bool plain_loads_only = false;  // run (1g) alone
    bool syscall_only = false;      // run (1h) alone
    bool probe_reads = false;       // 1f with the bpf_probe_read build (Debian's kernels)
    bool storm_only = false;        // run (4) alone
};

BenchConfig quick_config(BenchConfig config);

// A fresh ext4 of `size_mib` in config.image_directory, mounted with mount's
// defaults: what the measurements fill.
inline test::LoopExt4Options bench_ext4(const BenchConfig &config, uint64_t size_mib) {
    test::LoopExt4Options options;
    options.size_mib = size_mib;
    options.mount_options = "";
    options.parent_directory = config.image_directory;
    return options;
}

void measure_hot_path_cost(const BenchConfig &config, Report &report);     // 1
void measure_attribution_cost(const BenchConfig &config, Report &report);  // 1f
void measure_plain_loads_cost(const BenchConfig &config, Report &report);  // 1g
void measure_syscall_cost(const BenchConfig &config, Report &report);      // 1h
void measure_full_soon_lead(Report &report);                               // 7
void measure_workload_cost(const BenchConfig &config, Report &report);     // 2
void measure_latency(const BenchConfig &config, Report &report);           // 3
void measure_burst(const BenchConfig &config, Report &report);             // 4
void measure_scale(const BenchConfig &config, Report &report);             // 5
void measure_other_fs_latency(const BenchConfig &config, Report &report);  // 6

}  // namespace fsev::bench
