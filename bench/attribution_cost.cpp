// Measurement 1f: what counting writers (bpf/attribution.bpf.h) adds to the
// ext4 space hooks and to the syscall-exit program (tmpfs, standing for the
// filesystems without space hooks) on a filesystem traced with levels far,
// against the same object loaded with the counting compiled out
// (count_writers = false), alternating, same workload.
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include "bpf_stats.h"
#include "build_rounds.h"
#include "measurements.h"
#include "pipeline.h"
#include "probes/ext4_probes.h"
#include "trace/bpf_trace_sync.h"
#include "workloads.h"
#include "support/loop_filesystem.h"
#include "support/sample_events.h"

namespace fsev::bench {

namespace {

// ns per run of each program, with counting on or off, while `workload`
// runs on the filesystem of `entry` (traced with levels far).
RunCosts run_round(const TraceEntry &entry, bool count, bool probe_reads,
                   const std::function<void()> &workload) {
    ProbeOptions options = probe_options_for_self();
    options.daemon_tgid = 0;  // the bench writes the workload itself
    options.count_writers = count;
    KernelFeatures features = detect_kernel_features();
    if (probe_reads) features.ext4_plain_loads = false;
    return costs_while(entry, options, features, workload);
}

// A tmpfs traced like the ext4 of 1f: its writers are counted by the
// syscall-exit program (bpf/other_fs.bpf.h).
TraceEntry tmpfs_entry(const test::LoopFilesystem &fs) {
    TraceEntry entry;
    entry.id = 1;
    entry.device = entry.file_device = fs.device();
    entry.types = TRACE_ALL;
    entry.has_lower = entry.has_upper = true;
    entry.lower_level = 1000;
    entry.upper_level = 500;
    entry.mount_point = fs.mount_point();
    entry.fstype = fs.type();
    return entry;
}

}  // namespace

void measure_attribution_cost(const BenchConfig &config, Report &report) {
    test::LoopExt4 fs(bench_ext4(config, 128));
    test::LoopFilesystem tmpfs("tmpfs", 128);
    TraceEntry ext4_traced = test::trace_entry_for(fs, 1, TRACE_ALL, 1000, 500);
    TraceEntry tmpfs_traced = tmpfs_entry(tmpfs);
    std::chrono::duration<double> time(config.seconds_per_run);
    BpfStatsEnabled statistics;
    // Programs of the tmpfs rounds are keyed "tmpfs:<program>".
    std::map<bool, RunCosts> totals;
    int rounds = config.quick ? 1 : config.rounds;
    for (int round = 0; round < rounds; ++round)
        for (bool count : {round % 2 == 0, round % 2 != 0}) {
            add_costs(totals[count], "", run_round(ext4_traced, count, config.probe_reads, [&] {
                          small_file_fsync_rate(fs.mount_point(), time);
                          buffered_stream_rate(fs.path("stream"), time, 4u << 20);
                      }));
            add_costs(totals[count],
                      "tmpfs:", run_round(tmpfs_traced, count, config.probe_reads, [&] {
                          buffered_stream_rate(tmpfs.path("stream"), time, 4u << 20);
                      }));
        }

    std::cout << "1f: BPF ns per run, traced levels far, writers counted / not counted:\n";
    double worst = 0;
    std::string measured = compare_costs(totals[true], totals[false],
                                         {"on_da_reserve_space", "on_da_reserve_space_one_cluster",
                                          "on_allocate_blocks", "tmpfs:on_sys_exit"},
                                         &worst);
    std::string build = config.probe_reads ? ", bpf_probe_read build" : "";
    report.rows.push_back({"1f", "hook cost with writers counted vs not, traced levels far" + build,
                           measured.empty() ? "no runs" : measured, "<= +25 %",
                           measured.empty() ? "-"
                           : worst <= 0.25
                               ? "met"
                               : "missed by " + fixed(100 * (worst - 0.25), 1) + " points"});
    report.methods.push_back(
        "1f: the same object loaded with count_writers on and off (off compiles the counting "
        "out), alternating for " +
        std::to_string(rounds) +
        " rounds per setting, each round the workload of 1 on a 128 MiB loop ext4 traced with "
        "L1 1000, L2 500, then 4 KiB buffered writes on a 128 MiB tmpfs traced the same way "
        "(tmpfs:sys_exit: the syscall-exit program, which counts writers on XFS, btrfs and "
        "tmpfs; it runs for every syscall of the machine, so its mean per run includes the "
        "syscalls that are not writes); kernel run_time_ns/run_cnt summed over the rounds.");
}

}  // namespace fsev::bench
