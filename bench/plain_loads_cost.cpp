// Measurement 1g: what reading ext4_sb_info with plain loads (the object
// built with FSEV_PLAIN_LOADS, bpf_rdonly_cast) saves over bpf_probe_read
// (the build every kernel takes), on a filesystem traced with levels far and
// with levels near, alternating, same workload.
#include <iostream>
#include <string>

#include "bpf_stats.h"
#include "build_rounds.h"
#include "measurements.h"
#include "probes/ext4_probes.h"
#include "workloads.h"
#include "support/loop_ext4.h"
#include "support/sample_events.h"

namespace fsev::bench {

void measure_plain_loads_cost(const BenchConfig &config, Report &report) {
    KernelFeatures features = detect_kernel_features();
    if (!features.ext4_plain_loads) {
        report.rows.push_back({"1g", "hook cost, ext4 read with plain loads vs bpf_probe_read",
                               "not measurable: kernel " + features.release +
                                   " has no bpf_rdonly_cast (6.2+) or builds ext4 as a module",
                               "-", "-"});
        return;
    }
    test::LoopExt4 fs(bench_ext4(config, 128));
    uint64_t start = fs.available_blocks();
    TraceEntry far = test::trace_entry_for(fs, 1, TRACE_ALL, 1000, 500);
    // As in 1c: within the per-cpu margin of both levels for most of each
    // 4 MiB stream cycle, so the exact read is taken.
    TraceEntry near = test::trace_entry_for(fs, 1, TRACE_ALL, start - 100, start - 600);
    std::chrono::duration<double> time(config.seconds_per_run);
    auto workload = [&] {
        small_file_fsync_rate(fs.mount_point(), time);
        buffered_stream_rate(fs.path("stream"), time, 4u << 20);
    };
    ProbeOptions options = probe_options_for_self();
    options.daemon_tgid = 0;  // the bench writes the workload itself

    BpfStatsEnabled statistics;
    std::map<bool, RunCosts> totals;  // by plain loads
    int rounds = config.quick ? 1 : config.rounds;
    for (int round = 0; round < rounds; ++round)
        for (bool plain : {round % 2 == 0, round % 2 != 0}) {
            features.ext4_plain_loads = plain;
            add_costs(totals[plain], "far:", costs_while(far, options, features, workload));
            add_costs(totals[plain], "near:", costs_while(near, options, features, workload));
        }

    std::cout << "1g: BPF ns per run, ext4 read with plain loads / bpf_probe_read:\n";
    std::string measured = compare_costs(totals[true], totals[false],
                                         {"far:on_da_reserve_space", "far:on_allocate_blocks",
                                          "near:on_da_reserve_space", "near:on_allocate_blocks"});
    report.rows.push_back({"1g", "hook cost, ext4 read with plain loads vs bpf_probe_read",
                           measured.empty() ? "no runs" : measured, "-", "-"});
    report.methods.push_back(
        "1g: the two builds of bpf/fsev.bpf.c (ext4_sb_info read through bpf_rdonly_cast, or "
        "with bpf_probe_read) alternating for " +
        std::to_string(rounds) +
        " rounds per build, each round the workload of 1 on a 128 MiB loop ext4 traced with "
        "L1 1000, L2 500 (far), then with L1 available-100, L2 available-600 (near); kernel "
        "run_time_ns/run_cnt summed over the rounds. Debian's kernels build ext4 as a module "
        "and take only the bpf_probe_read build.");
}

}  // namespace fsev::bench
