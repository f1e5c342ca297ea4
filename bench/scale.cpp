// Measurement 5: 1,000 trace entries: time to apply, memory of the daemon
// and of the BPF maps.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "bpf_stats.h"
#include "common/device.h"
#include "fsev_bpf.skel.h"
#include "common/system_error.h"
#include "loop_fs.h"
#include "measurements.h"
#include "pipeline.h"

extern char **environ;

namespace fsev::bench {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    uint64_t kib = 0;
    while (status >> key)
        if (key == "VmRSS:") {
            status >> kib;
            break;
        }
    return kib;
}

// Starts build/fsev-bpf with a private run directory, waits for its ready
// line, reads its RSS, stops it with SIGTERM.
uint64_t idle_daemon_rss_kib(const std::string &daemon_path, const std::string &run_directory) {
    int output[2];
    if (::pipe2(output, O_CLOEXEC) != 0) throw last_system_error("pipe2");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, output[1], STDOUT_FILENO);
    std::vector<std::string> words = {daemon_path, "--run-dir", run_directory};
    std::vector<char *> argv;
    for (auto &word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int err = ::posix_spawn(&pid, daemon_path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(output[1]);
    if (err) {
        ::close(output[0]);
        throw system_error(err, "start " + daemon_path);
    }
    std::string text;
    char buffer[512];
    ssize_t got;
    while (text.find("ready") == std::string::npos &&
           (got = ::read(output[0], buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<size_t>(got));
    uint64_t kib = text.find("ready") != std::string::npos ? rss_kib(pid) : 0;
    ::kill(pid, SIGTERM);
    ::close(output[0]);  // the daemon's last line may meet a closed pipe: it exits anyway
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (kib == 0) throw std::runtime_error(daemon_path + " did not get ready: " + text);
    return kib;
}

}  // namespace

void measure_scale(const BenchConfig &config, Report &report) {
    LoopFs fs(config.image_directory, 64);
    Pipeline pipeline(bench_family_id());
    // The machine's loop devices are shared with other work; the entries
    // beyond the one real filesystem get device numbers of an unused major
    // (4000) and its mount point, so each is armed with a real statfs and
    // written to the BPF map exactly as a real one would be.
    std::vector<TraceEntry> entries;
    for (int i = 0; i < config.scale_entries; ++i) {
        TraceEntry entry = threshold_entry(static_cast<uint32_t>(100 + i), fs, 1000, 500);
        if (i > 0) entry.device = makedev(4000, static_cast<unsigned>(i));
        entries.push_back(entry);
    }
    uint64_t rss_before = rss_kib(::getpid());
    auto start = Clock::now();
    for (const TraceEntry &entry : entries) pipeline.trace_sync().entry_created(entry);
    std::chrono::duration<double, std::milli> apply = Clock::now() - start;
    uint64_t rss_after = rss_kib(::getpid());
    MapMemory maps = map_memory(pipeline.probes().skeleton()->obj);
    for (const TraceEntry &entry : entries) pipeline.trace_sync().entry_removed(entry, false);

    std::string run_directory = fs.mount_point() + "/../run";
    std::filesystem::create_directories(run_directory);
    uint64_t daemon_kib =
        idle_daemon_rss_kib(config.daemon_path, std::filesystem::canonical(run_directory).string());
    std::filesystem::remove_all(run_directory);
    uint64_t entries_kib = rss_after > rss_before ? rss_after - rss_before : 0;
    double total_mib = static_cast<double>(daemon_kib + entries_kib) / 1024.0;

    std::cout << "5: BPF maps (memlock bytes):";
    for (const auto &[name, bytes] : maps.maps) std::cout << ' ' << name << '=' << bytes;
    std::cout << '\n';
    std::string count = std::to_string(config.scale_entries);
    report.rows.push_back(
        {"5a", "apply " + count + " trace entries (in-process BpfTraceSync)",
         fixed(apply.count(), 2) + " ms (" +
             fixed(apply.count() * 1000.0 / config.scale_entries, 1) + " us per entry)",
         "<= 100 ms",
         apply.count() <= 100.0 ? "met" : "missed by " + fixed(apply.count() - 100, 1) + " ms"});
    report.rows.push_back(
        {"5b", "daemon RSS with " + count + " entries",
         fixed(total_mib, 1) + " MiB (idle fsev-bpf " +
             fixed(static_cast<double>(daemon_kib) / 1024.0, 1) + " MiB + " +
             std::to_string(entries_kib) + " KiB for the entries)",
         "<= 16 MiB",
         total_mib <= 16.0 ? "met" : "missed by " + fixed(total_mib - 16.0, 1) + " MiB"});
    report.rows.push_back({"5c", "BPF map memory (memlock, all maps of fsev.bpf.o)",
                           fixed(static_cast<double>(maps.total_bytes) / 1048576.0, 2) +
                               " MiB, the same for 1 or " + count +
                               " entries (maps are preallocated)",
                           "-", "-"});
    report.methods.push_back(
        "5: " + count +
        " entries (1 real 64 MiB loop ext4; the rest share its mount point for "
        "the arming statfs but carry device numbers of unused major 4000 — we do not take " +
        count +
        " loop devices from a shared machine) applied one after another through "
        "BpfTraceSync::entry_created (statfs + BPF map lookup + update each), the path a config "
        "write takes; the config file itself (issue 3) is not merged yet, so its parsing and "
        "FUSE round trip are not in this figure. RSS: VmRSS of the real build/fsev-bpf after "
        "'ready' (no entries: it cannot be given any yet) plus the bench process's VmRSS growth "
        "while holding the entries. Map memory: memlock from /proc/self/fdinfo per map.");
}

}  // namespace fsev::bench
