// Measurement 5: many trace entries applied in one write to the real
// daemon's config file; the time that write takes, the daemon's memory and
// the BPF maps' memory.
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bpf_stats.h"
#include "common/system_error.h"
#include "config/request.h"
#include "daemon_under_test.h"
#include "measurements.h"

namespace fsev::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Each trace entry is one superblock, so N entries need N filesystems. N
// small tmpfs mounts are the cheapest; they are not ext4, so the config file
// takes only `info` for them (what the scale figure needs: one entry per
// superblock, in the trace table and in the BPF map). They are mounted in a
// mount namespace of this process's own (see measure_scale), so no other
// process on the machine sees them.
class TmpfsMounts {
  public:
    explicit TmpfsMounts(int count) {
        char pattern[] = "/tmp/fsev-scale-XXXXXX";
        if (!::mkdtemp(pattern)) throw last_system_error("mkdtemp");
        directory_ = pattern;
        try {
            for (int i = 0; i < count; ++i) {
                std::string path = directory_ + "/" + std::to_string(i);
                if (::mkdir(path.c_str(), 0755) != 0) throw last_system_error("mkdir " + path);
                if (::mount("fsev-scale", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            "size=4k,nr_inodes=8") != 0)
                    throw last_system_error("mount tmpfs on " + path);
                paths_.push_back(path);
            }
        } catch (...) {
            cleanup();
            throw;
        }
    }
    ~TmpfsMounts() { cleanup(); }
    TmpfsMounts(const TmpfsMounts &) = delete;
    TmpfsMounts &operator=(const TmpfsMounts &) = delete;

    const std::vector<std::string> &paths() const { return paths_; }

  private:
    void cleanup() {
        for (const std::string &path : paths_) ::umount2(path.c_str(), MNT_DETACH);
        paths_.clear();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    std::string directory_;
    std::vector<std::string> paths_;
};

// The requests, cut at line ends into as few writes as the config file's
// size limit allows (one for 1,000 entries).
std::vector<std::string> requests_for(const std::vector<std::string> &mount_points) {
    std::vector<std::string> writes(1);
    for (const std::string &mount_point : mount_points) {
        std::string line = mount_point + " info\n";
        if (writes.back().size() + line.size() > kMaxConfigWriteBytes) writes.emplace_back();
        writes.back() += line;
    }
    return writes;
}

size_t line_count(const std::string &path) {
    std::ifstream file(path);
    size_t lines = 0;
    std::string line;
    while (std::getline(file, line)) ++lines;
    return lines;
}

std::string mib(uint64_t kib) {
    return fixed(static_cast<double>(kib) / 1024.0, 1) + " MiB";
}

}  // namespace

void measure_scale(const BenchConfig &config, Report &report) {
    // A mount namespace of our own for the tmpfs mounts and the daemon that
    // watches them: other daemons and tests on this machine never see them,
    // and they vanish with the namespace even if the bench is killed. The
    // process is single-threaded here (unshare needs that).
    if (::unshare(CLONE_NEWNS) != 0) throw last_system_error("unshare(CLONE_NEWNS)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw last_system_error("make / private in the bench's mount namespace");
    TmpfsMounts filesystems(config.scale_entries);
    DaemonUnderTest daemon(config.daemon_path);
    uint64_t idle_kib = daemon.rss_kib();
    MapMemory idle_maps = process_map_memory(daemon.pid());

    std::vector<std::string> writes = requests_for(filesystems.paths());
    std::chrono::duration<double, std::milli> apply{0};
    for (const std::string &requests : writes) apply += daemon.configure(requests);
    size_t listed = line_count(daemon.run_dir() + "/config");
    if (listed != filesystems.paths().size())
        throw std::runtime_error("the config file lists " + std::to_string(listed) + " of " +
                                 std::to_string(filesystems.paths().size()) + " entries");
    uint64_t loaded_kib = daemon.rss_kib();
    MapMemory maps = process_map_memory(daemon.pid());
    auto scrape_start = Clock::now();
    std::string metrics = daemon.metrics();
    std::chrono::duration<double, std::milli> scrape = Clock::now() - scrape_start;

    std::cout << "5: daemon VmRSS idle " << idle_kib << " KiB, with " << listed << " entries "
              << loaded_kib << " KiB; GET /metrics with them took " << fixed(scrape.count(), 1)
              << " ms (" << metrics.size() << " bytes); BPF maps (memlock bytes):";
    for (const auto &[name, bytes] : maps.maps) std::cout << ' ' << name << '=' << bytes;
    std::cout << '\n';
    std::string count = std::to_string(listed);
    std::string in_writes =
        writes.size() == 1 ? "one write" : std::to_string(writes.size()) + " writes";
    report.rows.push_back(
        {"5a", "apply " + count + " trace entries in " + in_writes + " to the config file",
         fixed(apply.count(), 2) + " ms (" + fixed(apply.count() * 1000.0 / double(listed), 1) +
             " us per entry)",
         "<= 100 ms",
         apply.count() <= 100.0 ? "met" : "missed by " + fixed(apply.count() - 100, 1) + " ms"});
    double loaded_mib = static_cast<double>(loaded_kib) / 1024.0;
    report.rows.push_back(
        {"5b", "fsev-bpf RSS with " + count + " entries (/proc/PID/status VmRSS)",
         mib(loaded_kib) + " (idle " + mib(idle_kib) + ")", "<= 16 MiB",
         loaded_mib <= 16.0 ? "met" : "missed by " + fixed(loaded_mib - 16.0, 1) + " MiB"});
    report.rows.push_back({"5c", "BPF map memory (memlock of every map fsev-bpf holds)",
                           fixed(static_cast<double>(maps.total_bytes) / 1048576.0, 2) +
                               " MiB with " + count + " entries, " +
                               fixed(static_cast<double>(idle_maps.total_bytes) / 1048576.0, 2) +
                               " MiB idle (maps are preallocated)",
                           "-", "-"});
    report.methods.push_back(
        "5: " + count +
        " tmpfs mounts (4 KiB each) in a private mount namespace of the bench, one superblock "
        "each; the real fsev-bpf started in that namespace; `MOUNT info` for each (tmpfs is "
        "not ext4: the config file accepts only info for it — the trace table and the BPF map "
        "hold one entry per superblock whatever the types) written to its config file in " +
        in_writes +
        " (each <= 64 KiB, the file's limit); the time of the write(2) calls, which return "
        "once the daemon applied every line (parse, path resolution in the writer's view, "
        "mount lookup, BPF map update, NEW_TRACE). The listing is then checked to hold every "
        "entry. RSS: VmRSS of the daemon before and after; map memory: memlock from "
        "/proc/PID/fdinfo of each BPF map the daemon holds.");
}

}  // namespace fsev::bench
