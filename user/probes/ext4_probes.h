#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fsev/bpf_shared.h"
#include "probes/bpf_link.h"
#include "probes/kernel_features.h"

struct bpf_link;
struct bpf_program;

struct fsev_bpf;  // the generated skeleton

namespace fsev {

struct ProbeOptions {
    uint32_t daemon_tgid = 0;  // records caused by this process are dropped
    uint64_t pidns_dev = 0;    // pid namespace the reported pids belong to
    uint64_t pidns_ino = 0;
    bool emit_raw_records = false;  // every hook on every ext4 fs, not just events
    // Filesystems without exact hooks: at most one activity signal per
    // superblock per this many nanoseconds (other_fs.bpf.h).
    uint64_t activity_interval_ns = 20'000'000;
    // Count the space each writer takes (bpf/attribution.bpf.h); off only
    // to measure what that costs.
    bool count_writers = true;
    // CPUs the exact per-cpu sum runs over; 0: the possible CPUs (always,
    // but in fsev-bench, which sets more to measure a larger machine's cost).
    uint32_t summed_cpus = 0;
};

// How far ext4's cheap per-cpu counter reads can be from the exact sum, in
// clusters, for free and dirty clusters together: each per-cpu counter
// holds back less than `batch` per CPU, batch = max(32, 2 x CPUs)
// (lib/percpu_counter.c, compute_batch_value()).
uint64_t percpu_approximation_margin_clusters(uint32_t possible_cpus);

// Owns the loaded BPF object and its attached programs. Each program is
// loaded in the flavour the running kernel's BTF shows; one whose
// tracepoint this kernel lacks is left out and named by degraded().
// Loading and attaching throw std::system_error carrying libbpf's errno;
// a kernel that cannot run fsev-bpf at all throws UnsupportedKernel.
class Ext4Probes {
  public:
    explicit Ext4Probes(const ProbeOptions &options);
    Ext4Probes(const ProbeOptions &options, const KernelFeatures &features);
    ~Ext4Probes();
    Ext4Probes(const Ext4Probes &) = delete;
    Ext4Probes &operator=(const Ext4Probes &) = delete;

    // Attaches every program; on failure nothing stays attached.
    void attach();
    void detach();
    // The syscall-exit program runs on every syscall of the machine, so the
    // daemon keeps it attached only while some trace entry asks for `warn`
    // (ENOSPC is seen there). Thread-safe; attaching can fail
    // (std::system_error).
    void watch_syscalls(bool wanted);
    bool watching_syscalls() const;
    // The programs that signal activity on filesystems without exact hooks
    // (page-cache deletes, inode writeback, btrfs commits) run for every
    // filesystem of the machine, so they are attached only while some entry
    // asks for thresholds on such a filesystem. Thread-safe; attaching can
    // fail (std::system_error).
    void watch_space_activity(bool wanted);
    // Whether the syscall-exit program resolves each successful write's
    // file to count it and signal its filesystem (only filesystems without
    // exact hooks need that); off, it looks at failed syscalls alone.
    void see_syscall_writes(bool wanted);
    bool watching_space_activity() const;
    // A filesystem module (xfs, btrfs) loaded after this object: loads the
    // programs on its tracepoints now, in a second copy of the BPF object
    // that shares every map with the first, and attaches them (activity
    // ones while watch_space_activity). Returns the tracepoints gained;
    // empty when the module is still absent or nothing was missing.
    // Thread-safe; throws std::system_error (then not tried again).
    std::vector<std::string> load_module_programs(const std::string &module);
    // True when a program on `tracepoint` is loaded, at start or later.
    bool has_program_on(const std::string &tracepoint) const;
    std::vector<std::string> attached_programs() const;
    // Kernel ids (as `bpftool prog show` lists them) of the attached
    // programs, and of the loaded ones that are not attached now (the
    // syscall-exit program without a warn entry, read_ext4_state).
    std::vector<uint32_t> program_ids() const;
    std::vector<uint32_t> detached_program_ids() const;
    // (program name, fd) of every loaded program, e.g. for its run statistics.
    std::vector<std::pair<std::string, int>> program_fds() const;

    int records_map_fd() const;
    int traced_superblocks_map_fd() const;
    // ext4 work half done per superblock (struct fsev_superblock_in_flight).
    int space_in_flight_map_fd() const;
    int percpu_offsets_map_fd() const;  // learnt per-CPU offsets of the exact sum
    int activity_map_fd() const;        // activity_signals: struct fsev_activity per superblock
    // writers: struct fsev_writer_space per struct fsev_writer_key
    // (bpf/attribution.bpf.h).
    int writers_map_fd() const;
    int writer_slots_map_fd() const;  // writer_slots: per CPU, units not yet in writers
    // Records lost because the ring buffer was full (counted in BPF).
    uint64_t dropped_records() const;

    const KernelFeatures &kernel_features() const { return features_; }
    // Which build of the object is loaded: ext4's fields read with plain
    // loads (KernelFeatures::ext4_plain_loads) or with bpf_probe_read.
    bool plain_loads() const { return plain_loads_; }
    // What this kernel cannot deliver, one line each ("what: why").
    const std::vector<std::string> &degraded() const { return degraded_; }
    // FSEV_EXT4_* bits of the ext4 superblock at kernel address `superblock`
    // (from an error record), read now; nullopt if the read failed.
    std::optional<uint32_t> ext4_state(uint64_t superblock) const;

  private:
    struct SkeletonDeleter {
        void operator()(::fsev_bpf *skeleton) const;
    };
    void choose_programs();
    // Opens and loads one build; libbpf's negative errno on a refused load.
    int open_and_load(const ProbeOptions &options, bool plain_loads);
    bpf_link **link_slot(const bpf_program *program) const;
    bool attached(const bpf_program *program) const;
    void attach_on_demand(bpf_program *program);
    void detach_on_demand(bpf_program *program);
    std::vector<bpf_program *> activity_programs() const;  // links_mutex_ held
    std::vector<const bpf_program *> attached_in_order() const;

    KernelFeatures features_;
    std::vector<std::string> degraded_;
    std::unique_ptr<::fsev_bpf, SkeletonDeleter> skeleton_;
    bool plain_loads_ = false;
    // Guards the skeleton's links (attach, detach and the on-demand programs).
    mutable std::mutex links_mutex_;
    bool activity_wanted_ = false;
    // Copies of the BPF object holding the programs of modules loaded
    // later (load_module_programs), and the tracepoints of every loaded
    // program; under links_mutex_.
    std::vector<std::unique_ptr<::fsev_bpf, SkeletonDeleter>> module_skeletons_;
    std::set<std::string> loaded_tracepoints_;
    // Modules not looked at again: loading failed, or they lack the tracepoints.
    std::set<std::string> settled_modules_;
    std::mutex module_load_mutex_;  // one load_module_programs at a time
    static bool is_activity_program(const bpf_program *program);
};

// The tracepoint a program attaches to: "tp_btf/NAME" -> NAME, else "".
std::string tracepoint_of(const bpf_program *program);

// The options for this process: its own tgid and pid namespace.
ProbeOptions probe_options_for_self();

// Reads records from the ring buffer and hands each to a callback.
class RecordStream {
  public:
    using Handler = std::function<void(const fsev_record &)>;
    RecordStream(int records_map_fd, Handler handler);

    int epoll_fd() const;
    // Consumes what is available without blocking; returns records handled.
    int drain();
    int poll(int timeout_ms);

  private:
    static int on_sample(void *context, void *data, size_t size);
    Handler handler_;
    RingBufferPtr ring_;
};

}  // namespace fsev
