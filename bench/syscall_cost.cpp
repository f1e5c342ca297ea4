// Measurement 1h: what the syscall-exit program costs each syscall of the
// machine, timed in user space. The kernel's run_time_ns (1d) counts the
// program alone; attaching any program to sys_exit also sends every syscall
// of every task through the kernel's slow syscall entry and exit path, a
// cost no BPF statistic shows.
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <vector>

#include <bpf/libbpf.h>

#include "common/system_error.h"
#include "bench_objects.h"
#include "measurements.h"
#include "pipeline.h"
#include "probes/bpf_link.h"

namespace fsev::bench {

namespace {

enum class Attached { none, empty, ours };

// ns per getppid(), the cheapest syscall: nothing but entry and exit.
double ns_per_syscall(long count) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < count; ++i) ::syscall(SYS_getppid);
    std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    return elapsed.count() / static_cast<double>(count);
}

// "+12.3 ns (-1.0 to +20.5)": the median and the extremes of the rounds.
std::string signed_ns(double value) {
    return (value < 0 ? "" : "+") + fixed(value, 1);
}
std::string range_of(const std::vector<double> &values) {
    auto [low, high] = std::minmax_element(values.begin(), values.end());
    return signed_ns(median(values)) + " ns (" + signed_ns(*low) + " to " + signed_ns(*high) + ")";
}

}  // namespace

void measure_syscall_cost(const BenchConfig &config, Report &report) {
    Pipeline pipeline(bench_family_id());
    EmptyObject empty(fsev_bench_empty__open_and_load());
    if (!empty) throw last_system_error("load BPF object fsev_bench_empty");
    BpfLink empty_link;

    auto set = [&](Attached attached) {
        pipeline.probes().watch_syscalls(attached == Attached::ours);
        if (attached != Attached::empty) {
            empty_link.reset();
        } else if (!empty_link) {
            empty_link.reset(bpf_program__attach(empty->progs.empty_sys_exit));
            if (!empty_link) throw last_system_error("attach empty_sys_exit");
        }
    };

    const long calls = config.quick ? 20000 : 2000000;
    const int rounds = config.quick ? 1 : std::max(config.rounds, 10);
    const Attached order[] = {Attached::none, Attached::empty, Attached::ours};
    std::vector<double> tracepoint, program, ours, none;
    set(Attached::none);
    ns_per_syscall(calls);  // warm up
    for (int round = 0; round < rounds; ++round) {
        double ns[3] = {};
        // Rotate the order so drift hits every condition alike.
        for (size_t i = 0; i < 3; ++i) {
            Attached attached = order[(i + static_cast<size_t>(round)) % 3];
            set(attached);
            ns[static_cast<size_t>(attached)] = ns_per_syscall(calls);
        }
        none.push_back(ns[0]);
        tracepoint.push_back(ns[1] - ns[0]);
        ours.push_back(ns[2] - ns[0]);
        program.push_back(ns[2] - ns[1]);
    }

    std::cout << "1h: ns per getppid, per round (none | empty sys_exit | ours):";
    for (int round = 0; round < rounds; ++round) {
        size_t r = static_cast<size_t>(round);
        std::cout << "  " << fixed(none[r], 1) << "|" << fixed(none[r] + tracepoint[r], 1) << "|"
                  << fixed(none[r] + ours[r], 1);
    }
    std::cout << '\n';
    report.rows.push_back(
        {"1h", "added per syscall, every syscall of the machine, sys_exit attached (user-timed)",
         "ours " + range_of(ours) + ", an empty program " + range_of(tracepoint) +
             "; ours over empty " + range_of(program) + "; median of " + std::to_string(rounds) +
             (rounds == 1 ? " round" : " paired rounds") + ", getppid alone " +
             fixed(median(none), 1) + " ns",
         "-",
         "the floor is the empty program's: any program on sys_exit sends every syscall "
         "through the slow entry/exit path"});
    report.methods.push_back(
        "1h: " + std::to_string(calls) +
        " getppid() calls timed with steady_clock, with nothing on sys_exit, with "
        "bench/empty.bpf.c's empty_sys_exit attached alone, and with fsev-bpf's on_sys_exit "
        "(as the daemon attaches it while an entry asks for warn), the order rotated round by "
        "round; per round the differences to nothing attached");
}

}  // namespace fsev::bench
