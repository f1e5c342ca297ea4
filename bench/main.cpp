// fsev-bench: prints one table of fsev-bpf's costs and speeds, each figure
// measured side by side in the same run. Root only (BPF, loop mounts).
#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>

#include "measurements.h"

namespace {

void usage(std::ostream &out) {
    out << "usage: fsev-bench [--quick] [--image-dir DIR] [--entries N]\n"
           "  --quick          tiny counts: proves the runner works, the numbers mean little\n"
           "  --image-dir DIR  where the loop ext4 images are made (default /dev/shm)\n"
           "  --entries N      trace entries for the scale figure (default 1000)\n"
           "  --latency-data FILE  also write the latency samples (3) to FILE (for gnuplot)\n"
           "  --latency-only   measure the latency (3) alone\n"
           "  --other-fs-only  only measurement 6 (tmpfs, XFS, btrfs latency)\n"
           "  --cost-only      only measurements 1 and 2 (BPF and workload cost)\n"
           "  --storm-only     only measurement 4 (threshold storm)\n"
           "  --attribution-only  only measurement 1f (what counting writers costs)\n"
           "  --plain-loads-only  only measurement 1g (plain loads vs bpf_probe_read)\n"
           "  --syscall-only   only measurement 1h (what sys_exit adds to every syscall)\n"
           "  --probe-reads    1f with the bpf_probe_read build, the one Debian's kernels load\n"
           "  --rounds N       rounds of measurement 2 (default 5)\n";
}

// The measurements the options ask for, in table order.
void measure_all(const fsev::bench::BenchConfig &config, fsev::bench::Report &report) {
    using namespace fsev::bench;
    if (config.attribution_only) {
        measure_attribution_cost(config, report);
        return;
    }
    if (config.plain_loads_only) {
        measure_plain_loads_cost(config, report);
        return;
    }
    if (config.syscall_only) {
        measure_syscall_cost(config, report);
        return;
    }
    if (config.cost_only || (!config.latency_only && !config.other_fs_only && !config.storm_only)) {
        measure_hot_path_cost(config, report);
        measure_attribution_cost(config, report);
        measure_plain_loads_cost(config, report);
        measure_syscall_cost(config, report);
        measure_workload_cost(config, report);
    }
    if (config.cost_only) return;
    if (!config.storm_only && !config.latency_only && !config.other_fs_only)
        measure_full_soon_lead(report);
    if (config.storm_only) {
        measure_burst(config, report);
        return;
    }
    if (!config.other_fs_only) measure_latency(config, report);
    if (!config.latency_only && !config.other_fs_only) {
        measure_burst(config, report);
        measure_scale(config, report);
    }
    if (!config.latency_only) measure_other_fs_latency(config, report);
}

}  // namespace

namespace fsev::bench {

BenchConfig quick_config(BenchConfig config) {
    config.quick = true;
    config.rounds = 1;
    config.seconds_per_run = 0.1;
    config.latency_crossings = 20;
    config.poll_samples = 1;
    config.storm_seconds = 0.2;
    config.scale_entries = 100;
    config.other_fs_crossings = 4;
    return config;
}

}  // namespace fsev::bench

int main(int argc, char **argv) {
    using namespace fsev::bench;
    BenchConfig config;
    bool quick = false;
    int entries = 0, rounds = 0;
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        if (argument == "--quick") {
            quick = true;
        } else if (argument == "--image-dir" && i + 1 < argc) {
            config.image_directory = argv[++i];
        } else if (argument == "--entries" && i + 1 < argc) {
            entries = std::atoi(argv[++i]);
            if (entries <= 0 || entries > 4096) {
                std::cerr << "fsev-bench: --entries takes 1..4096 (the BPF map's size)\n";
                return 2;
            }
        } else if (argument == "--latency-data" && i + 1 < argc) {
            config.latency_data = argv[++i];
        } else if (argument == "--latency-only") {
            config.latency_only = true;
        } else if (argument == "--other-fs-only") {
            config.other_fs_only = true;
        } else if (argument == "--cost-only") {
            config.cost_only = true;
        } else if (argument == "--attribution-only") {
            config.attribution_only = true;
        } else if (argument == "--plain-loads-only") {
            config.plain_loads_only = true;
        } else if (argument == "--syscall-only") {
            config.syscall_only = true;
        } else if (argument == "--probe-reads") {
            config.probe_reads = true;
        } else if (argument == "--storm-only") {
            config.storm_only = true;
        } else if (argument == "--rounds" && i + 1 < argc) {
            rounds = std::atoi(argv[++i]);
            if (rounds < 1 || rounds > 100) {
                std::cerr << "fsev-bench: --rounds takes 1..100\n";
                return 2;
            }
        } else if (argument == "--help") {
            usage(std::cout);
            return 0;
        } else {
            std::cerr << "fsev-bench: unknown argument " << argument << '\n';
            usage(std::cerr);
            return 2;
        }
    }
    if (::geteuid() != 0) {
        std::cerr << "fsev-bench: needs root (BPF programs, loop mounts)\n";
        return 1;
    }
    if (quick) {
        BenchConfig chosen = config;
        config = quick_config(config);
        config.latency_only = chosen.latency_only;
        config.latency_data = chosen.latency_data;
        config.cost_only = chosen.cost_only;
        config.storm_only = chosen.storm_only;
    }
    if (entries) config.scale_entries = entries;
    if (rounds) config.rounds = rounds;
    config.daemon_path =
        (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "fsev-bpf").string();

    Report report;
    try {
        measure_all(config, report);
    } catch (const std::exception &error) {
        std::cerr << "fsev-bench: " << error.what() << '\n';
        return 1;
    }
    utsname system{};
    ::uname(&system);
    char date[32];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M", std::localtime(&now));
    print_table(report, std::string("fsev-bench ") + (config.quick ? "(quick: smoke run) " : "") +
                            date + ", kernel " + system.release + ", " +
                            std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs");
    return 0;
}
