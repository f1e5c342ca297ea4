// Measurement 2: throughput of two ext4 workloads with fsev-bpf's programs
// attached and its pipeline reading (levels far, levels near) against not
// attached, alternated round by round on one filesystem.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "support/loop_ext4.h"
#include "bench_objects.h"
#include "common/system_error.h"
#include "measurements.h"
#include "pipeline.h"
#include "probes/bpf_link.h"
#include "workloads.h"
#include "support/sample_events.h"

namespace fsev::bench {

namespace {

// `empty`: ours detached, bench/empty.bpf.c's empty programs attached on
// the same tracepoints, sys_exit included (as far and near have it): the
// floor of any design that hooks there, whatever it does.
enum class Condition { off, empty, untraced, far, near };
const Condition kConditions[] = {Condition::off, Condition::empty, Condition::untraced,
                                 Condition::far, Condition::near};
const char *name_of(Condition condition) {
    switch (condition) {
        case Condition::off:
            return "not loaded";
        case Condition::empty:
            return "empty programs";
        case Condition::untraced:
            return "untraced fs";
        case Condition::far:
            return "levels far";
        case Condition::near:
            return "levels near";
    }
    return "?";
}

// Two-sided 95 % Student t quantile for `df` degrees of freedom.
double t95(size_t df) {
    static const double table[] = {0,     12.71, 4.303, 3.182, 2.776, 2.571, 2.447,
                                   2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
                                   2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086};
    return df < std::size(table) ? table[df] : 2.0;
}

struct Interval {
    double mean = 0, half_width = 0;
};

// Mean and 95 % confidence interval of the per-round slowdowns: each round
// compares a loaded condition with the not-loaded run of the same round, so
// drift of the machine over the rounds cancels.
Interval slowdown_interval(const std::vector<double> &loaded, const std::vector<double> &off) {
    std::vector<double> slowdowns;
    for (size_t i = 0; i < loaded.size() && i < off.size(); ++i)
        slowdowns.push_back(1.0 - loaded[i] / off[i]);
    Interval interval;
    if (slowdowns.empty()) return interval;
    double sum = 0;
    for (double value : slowdowns) sum += value;
    interval.mean = sum / static_cast<double>(slowdowns.size());
    if (slowdowns.size() < 2) return interval;
    double squares = 0;
    for (double value : slowdowns) squares += (value - interval.mean) * (value - interval.mean);
    double deviation = std::sqrt(squares / static_cast<double>(slowdowns.size() - 1));
    interval.half_width =
        t95(slowdowns.size() - 1) * deviation / std::sqrt(static_cast<double>(slowdowns.size()));
    return interval;
}

// "far 0.40 % +- 1.10 % slower, ...": each loaded condition's slowdown with
// its 95 % interval; met when the whole interval is under the target,
// missed when it is all above, within noise otherwise.
Row ratio_row(const std::string &key, const std::string &figure, const std::string &unit,
              std::map<Condition, std::vector<double>> &rates, double target) {
    double off = median(rates[Condition::off]);
    std::string measured, verdict;
    for (Condition condition :
         {Condition::empty, Condition::untraced, Condition::far, Condition::near}) {
        Interval slower = slowdown_interval(rates[condition], rates[Condition::off]);
        measured += std::string(measured.empty() ? "" : ", ") + name_of(condition) + " " +
                    percent(slower.mean) + " +- " + percent(slower.half_width);
        std::string outcome;
        if (slower.mean + slower.half_width <= target)
            outcome = "met";
        else if (slower.mean - slower.half_width > target)
            outcome = "missed";
        else
            outcome = "within noise of the target";
        if (slower.mean - slower.half_width <= 0 && slower.mean + slower.half_width >= 0)
            outcome += " (no slowdown shown)";
        verdict += std::string(verdict.empty() ? "" : "; ") + name_of(condition) +
                   (condition == Condition::empty ? " (the floor) " : " ") + outcome;
    }
    measured += " slower, 95 % CI over " + std::to_string(rates[Condition::off].size()) +
                " paired rounds (not loaded: median " + fixed(off, 0) + " " + unit + ")";
    return {key, figure, measured, "<= " + percent(target, 0) + " slower", verdict};
}

}  // namespace

void measure_workload_cost(const BenchConfig &config, Report &report) {
    test::LoopExt4 fs(bench_ext4(config, 256));
    Pipeline pipeline(bench_family_id());
    TraceEntry entry = test::trace_entry_for(fs, 2, TRACE_ALL, 1000, 500);
    pipeline.trace_observer().entry_created(entry);
    bool attached = true, traced = true;
    EmptyObject empty(fsev_bench_empty__open_and_load());
    if (!empty) throw last_system_error("load BPF object fsev_bench_empty");
    std::vector<BpfLink> empty_links;

    auto set = [&](Condition condition) {
        empty_links.clear();
        if (condition == Condition::off || condition == Condition::empty) {
            if (attached) pipeline.probes().detach();
            attached = false;
            if (condition == Condition::off) return;
            for (bpf_program *program :
                 {empty->progs.empty_allocate_blocks, empty->progs.empty_free_blocks,
                  empty->progs.empty_da_reserve_space, empty->progs.empty_da_release_space,
                  empty->progs.empty_da_update_reserve_space, empty->progs.empty_sys_exit}) {
                empty_links.emplace_back(bpf_program__attach(program));
                if (!empty_links.back())
                    throw last_system_error("attach " + std::string(bpf_program__name(program)));
            }
            return;
        }
        if (!attached) pipeline.probes().attach();
        attached = true;
        // As the daemon: sys_exit only while an entry asks for warn. With it
        // every syscall of the machine pays what 1h measures.
        pipeline.probes().watch_syscalls(condition != Condition::untraced);
        if (condition == Condition::untraced) {
            if (traced) pipeline.trace_observer().entry_removed(entry, false);
            traced = false;
            return;
        }
        if (!traced) pipeline.trace_observer().entry_created(entry);
        traced = true;
        uint64_t available = fs.available_blocks();
        entry.lower_level = condition == Condition::far ? 1000 : available - 100;
        entry.upper_level = condition == Condition::far ? 500 : available - 600;
        pipeline.trace_observer().entry_changed(entry, true);
    };

    std::chrono::duration<double> time(config.seconds_per_run);
    // One untimed run first: page cache, inode cache and journal warm up
    // before any condition is measured.
    small_file_fsync_rate(fs.mount_point(), time);
    buffered_stream_rate(fs.path("stream"), time, 4u << 20);
    std::map<Condition, std::vector<double>> fsync_rates, stream_rates;
    const size_t conditions = std::size(kConditions);
    for (int round = 0; round < config.rounds; ++round) {
        // Rotate the order so drift hits every condition alike.
        for (size_t i = 0; i < conditions; ++i) {
            Condition condition = kConditions[(i + static_cast<size_t>(round)) % conditions];
            set(condition);
            fsync_rates[condition].push_back(small_file_fsync_rate(fs.mount_point(), time));
            stream_rates[condition].push_back(
                buffered_stream_rate(fs.path("stream"), time, 4u << 20));
        }
    }
    std::cout << "2: per round (files/s | MiB/s):\n";
    for (Condition condition : kConditions) {
        std::cout << "   " << name_of(condition) << ":";
        for (size_t i = 0; i < fsync_rates[condition].size(); ++i)
            std::cout << "  " << fixed(fsync_rates[condition][i], 0) << "|"
                      << fixed(stream_rates[condition][i], 0);
        std::cout << '\n';
    }
    report.rows.push_back(
        ratio_row("2a", "4 KiB write+fsync small files, throughput", "files/s", fsync_rates, 0.01));
    report.rows.push_back(ratio_row("2b", "4 KiB buffered sequential write stream, throughput",
                                    "MiB/s", stream_rates, 0.03));
    report.methods.push_back(
        "2: 256 MiB loop ext4 (image on " + config.image_directory + "); " +
        std::to_string(config.rounds) +
        " rounds, each runs not loaded / empty programs / loaded with the filesystem untraced / "
        "levels far / levels near in rotating order, " +
        fixed(config.seconds_per_run, 1) +
        " s per workload; slowdown = 1 - loaded/not loaded of the same round, mean and 95 % "
        "Student-t interval over the rounds. Empty programs = bench/empty.bpf.c's empty "
        "tp_btf programs on the five ext4 tracepoints and sys_exit, ours detached: the floor "
        "of any program there. Loaded = all fsev programs "
        "attached and the in-process daemon pipeline reading the ring buffer "
        "and publishing to netlink; untraced = no entry at all, so no sys_exit (as the daemon "
        "without an entry asking for warn); far and near: the entry asks for warn, sys_exit "
        "attached; far = L1 1000, L2 500 blocks (cheap counter read); near = "
        "L1 available-100, L2 available-600 (exact per-cpu sum or its budget; the stream, "
        "truncated every "
        "4 MiB, crosses both levels twice per cycle).");
}

}  // namespace fsev::bench
