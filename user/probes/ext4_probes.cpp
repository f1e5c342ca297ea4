#include "probes/ext4_probes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <algorithm>
#include <cstring>
#include <iostream>

#include "model/device.h"
#include "common/system_error.h"
#include "fsev_bpf.skel.h"
#include "probes/bpf_object_builds.h"

namespace fsev {

void Ext4Probes::SkeletonDeleter::operator()(::fsev_bpf *skeleton) const {
    fsev_bpf__destroy(skeleton);
}

std::string tracepoint_of(const bpf_program *program) {
    std::string section = bpf_program__section_name(program);
    std::string prefix = "tp_btf/";
    return section.rfind(prefix, 0) == 0 ? section.substr(prefix.size()) : std::string();
}

namespace {

// What goes missing without a program, for the start-up line.
std::string feature_of(const std::string &tracepoint) {
    if (tracepoint == "sys_exit") return "FS_WARN_ENOSPC/ENOSPC_META from syscalls";
    if (tracepoint == "ext4_error") return "FS_ERR_* from ext4 errors";
    if (tracepoint == "ext4_shutdown") return "FS_ERR_SHUTDOWN";
    if (tracepoint == "xfs_force_shutdown")
        return "FS_ERR_* from XFS shutdowns (xfs not loaded at start?)";
    if (tracepoint == "btrfs_transaction_commit")
        return "btrfs thresholds on commit (btrfs not loaded at start?)";
    if (tracepoint == "mm_filemap_delete_from_page_cache") return "tmpfs thresholds seeing frees";
    if (tracepoint == "xfs_itruncate_extents_end")
        return "XFS thresholds seeing frees (xfs not loaded at start?)";
    if (tracepoint == "writeback_single_inode")
        return "thresholds seeing writeback on filesystems without exact hooks";
    return "exact thresholds (" + tracepoint + ")";
}

}  // namespace

Ext4Probes::Ext4Probes(const ProbeOptions &options)
    : Ext4Probes(options, detect_kernel_features()) {}

void Ext4Probes::choose_programs() {
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, skeleton_->obj) {
        std::string tracepoint = tracepoint_of(program);
        if (tracepoint.empty()) {
            // read_ext4_state: run on demand, never attached.
            bpf_program__set_autoattach(program, false);
            continue;
        }
        // Attached only while an entry needs them (watch_syscalls,
        // watch_space_activity), not by fsev_bpf__attach().
        if (program == skeleton_->progs.on_sys_exit || is_activity_program(program))
            bpf_program__set_autoattach(program, false);
        if (!features_.has_tracepoint(tracepoint)) {
            bpf_program__set_autoload(program, false);
            std::string what = feature_of(tracepoint);
            std::string line = what + ": this kernel has no " + tracepoint + " tracepoint";
            if (std::find(degraded_.begin(), degraded_.end(), line) == degraded_.end())
                degraded_.push_back(line);
        }
    }
    // One tracepoint, two prototypes: load the flavour this kernel has.
    bool has_count = features_.da_reserve_space_has_count;
    if (features_.has_tracepoint("ext4_da_reserve_space")) {
        bpf_program__set_autoload(skeleton_->progs.on_da_reserve_space, has_count);
        bpf_program__set_autoload(skeleton_->progs.on_da_reserve_space_one_cluster, !has_count);
    }
}

Ext4Probes::Ext4Probes(const ProbeOptions &options, const KernelFeatures &features)
    : features_(features) {
    if (features_.ext4_plain_loads) {
        int err = open_and_load(options, /*plain_loads=*/true);
        if (err == 0) return;
        // Should this kernel's verifier refuse the cast, the other build
        // reads the same fields, a helper call each.
        std::cerr << "fsev-bpf: the plain-load build of the BPF object was refused ("
                  << std::strerror(-err) << "), loading the probe-read build" << std::endl;
    }
    if (int err = open_and_load(options, /*plain_loads=*/false); err)
        throw system_error(err, "load BPF object fsev_bpf (see libbpf messages above)");
}

int Ext4Probes::open_and_load(const ProbeOptions &options, bool plain_loads) {
    degraded_.clear();
    skeleton_.reset(open_fsev_bpf(plain_loads));
    if (!skeleton_) throw last_system_error("open BPF object fsev_bpf");
    plain_loads_ = plain_loads;

    int cpus = libbpf_num_possible_cpus();
    if (cpus < 0) throw system_error(cpus, "count possible CPUs");
    if (options.summed_cpus) cpus = static_cast<int>(options.summed_cpus);
    skeleton_->rodata->nr_possible_cpus = static_cast<uint32_t>(cpus);
    skeleton_->rodata->daemon_tgid = options.daemon_tgid;
    skeleton_->rodata->pidns_dev = options.pidns_dev;
    skeleton_->rodata->pidns_ino = options.pidns_ino;
    skeleton_->rodata->emit_raw_records = options.emit_raw_records;
    skeleton_->rodata->count_writers = options.count_writers;
    skeleton_->rodata->activity_interval_ns = options.activity_interval_ns;
    skeleton_->rodata->approximation_margin_clusters =
        percpu_approximation_margin_clusters(static_cast<uint32_t>(cpus));

    skeleton_->rodata->ext4_stopped_mount_flags = features_.stopped_mount_flags;
    skeleton_->rodata->ext4_stopped_ext4_flags = features_.stopped_ext4_flags;
    choose_programs();

    if (int err = fsev_bpf__load(skeleton_.get()); err) return err;
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, skeleton_->obj) {
        if (bpf_program__autoload(program)) loaded_tracepoints_.insert(tracepoint_of(program));
    }
    return 0;
}

Ext4Probes::~Ext4Probes() = default;

// Every program is attached through the skeleton's own links
// (struct fsev_bpf's links.*): fsev_bpf__attach() attaches those left with
// autoattach, the on-demand ones are attached into their slot by
// attach_on_demand(), and fsev_bpf__detach()/__destroy() take all off.
// Programs of a module loaded later live in a copy of the object
// (module_skeletons_), each with its own links.
bpf_link **Ext4Probes::link_slot(const bpf_program *program) const {
    auto slot_in = [program](const ::fsev_bpf &skeleton) -> bpf_link ** {
        const bpf_object_skeleton *object = skeleton.skeleton;
        for (int i = 0; i < object->prog_cnt; ++i) {
            auto *entry = reinterpret_cast<const bpf_prog_skeleton *>(
                reinterpret_cast<const char *>(object->progs) + i * object->prog_skel_sz);
            if (*entry->prog == program) return entry->link;
        }
        return nullptr;
    };
    if (bpf_link **slot = slot_in(*skeleton_)) return slot;
    for (const auto &copy : module_skeletons_)
        if (bpf_link **slot = slot_in(*copy)) return slot;
    return nullptr;
}

void Ext4Probes::attach_on_demand(bpf_program *program) {
    bpf_link **slot = link_slot(program);
    if (*slot) return;
    *slot = bpf_program__attach(program);
    if (!*slot) {
        int err = errno;
        throw system_error(err, std::string("attach ") + bpf_program__section_name(program));
    }
}

void Ext4Probes::detach_on_demand(bpf_program *program) {
    bpf_link **slot = link_slot(program);
    bpf_link__destroy(*slot);  // NULL is fine
    *slot = nullptr;
}

bool Ext4Probes::attached(const bpf_program *program) const {
    return *link_slot(program) != nullptr;
}

void Ext4Probes::attach() {
    std::lock_guard lock(links_mutex_);
    try {
        if (int err = fsev_bpf__attach(skeleton_.get()); err)
            throw system_error(err, "attach BPF object fsev_bpf (see libbpf messages above)");
        // Attached once here so a kernel that refuses it fails start-up, not
        // a later config write; watch_syscalls(false) takes it off.
        if (bpf_program__autoload(skeleton_->progs.on_sys_exit))
            attach_on_demand(skeleton_->progs.on_sys_exit);
    } catch (...) {
        fsev_bpf__detach(skeleton_.get());  // nothing stays attached
        throw;
    }
}

void Ext4Probes::detach() {
    std::lock_guard lock(links_mutex_);
    fsev_bpf__detach(skeleton_.get());
    for (const auto &copy : module_skeletons_) fsev_bpf__detach(copy.get());
}

bool Ext4Probes::is_activity_program(const bpf_program *program) {
    std::string name = bpf_program__name(program);
    return name == "on_page_cache_delete" || name == "on_xfs_truncated" ||
           name == "on_writeback_inode" || name == "on_btrfs_commit";
}

// The loaded activity programs of the object and of its module copies.
std::vector<bpf_program *> Ext4Probes::activity_programs() const {
    std::vector<bpf_program *> programs;
    auto add_from = [&programs](const ::fsev_bpf *skeleton) {
        bpf_program *program = nullptr;
        bpf_object__for_each_program(program, skeleton->obj) {
            if (bpf_program__autoload(program) && is_activity_program(program))
                programs.push_back(program);
        }
    };
    add_from(skeleton_.get());
    for (const auto &skeleton : module_skeletons_) add_from(skeleton.get());
    return programs;
}

void Ext4Probes::watch_space_activity(bool wanted) {
    std::lock_guard lock(links_mutex_);
    activity_wanted_ = wanted;
    std::vector<bpf_program *> programs = activity_programs();
    bool any_attached = std::any_of(programs.begin(), programs.end(),
                                    [this](const bpf_program *p) { return attached(p); });
    if (!wanted || any_attached) {
        if (!wanted)
            for (bpf_program *program : programs) detach_on_demand(program);
        return;
    }
    try {
        for (bpf_program *program : programs) attach_on_demand(program);
    } catch (...) {
        for (bpf_program *program : programs) detach_on_demand(program);
        throw;
    }
}

bool Ext4Probes::watching_space_activity() const {
    std::lock_guard lock(links_mutex_);
    for (const bpf_program *program : activity_programs())
        if (attached(program)) return true;
    return false;
}

void Ext4Probes::see_syscall_writes(bool wanted) {
    skeleton_->bss->syscall_writes_wanted = wanted ? 1 : 0;
}

void Ext4Probes::watch_syscalls(bool wanted) {
    std::lock_guard lock(links_mutex_);
    if (!wanted) {
        detach_on_demand(skeleton_->progs.on_sys_exit);
        return;
    }
    if (!bpf_program__autoload(skeleton_->progs.on_sys_exit)) return;
    attach_on_demand(skeleton_->progs.on_sys_exit);
}

bool Ext4Probes::watching_syscalls() const {
    std::lock_guard lock(links_mutex_);
    return attached(skeleton_->progs.on_sys_exit);
}

// The attached programs in a fixed order: those attached at start, those of
// modules loaded later, then the syscall-exit program, then the activity
// programs.
std::vector<const bpf_program *> Ext4Probes::attached_in_order() const {
    std::vector<const bpf_program *> found;
    auto add_from = [&](const ::fsev_bpf &skeleton) {
        bpf_program *program = nullptr;
        bpf_object__for_each_program(program, skeleton.obj) {
            if (program != skeleton.progs.on_sys_exit && !is_activity_program(program) &&
                attached(program))
                found.push_back(program);
        }
    };
    add_from(*skeleton_);
    for (const auto &copy : module_skeletons_) add_from(*copy);
    if (attached(skeleton_->progs.on_sys_exit)) found.push_back(skeleton_->progs.on_sys_exit);
    for (const bpf_program *activity : activity_programs())
        if (attached(activity)) found.push_back(activity);
    return found;
}

std::vector<std::string> Ext4Probes::attached_programs() const {
    std::lock_guard lock(links_mutex_);
    std::vector<std::string> names;
    for (const bpf_program *program : attached_in_order())
        names.push_back(bpf_program__section_name(program));
    return names;
}

std::vector<uint32_t> Ext4Probes::program_ids() const {
    std::lock_guard lock(links_mutex_);
    std::vector<uint32_t> ids;
    for (const bpf_program *program : attached_in_order()) {
        bpf_link_info info{};
        uint32_t length = sizeof info;
        if (bpf_obj_get_info_by_fd(bpf_link__fd(*link_slot(program)), &info, &length) == 0)
            ids.push_back(info.prog_id);
    }
    return ids;
}

std::vector<uint32_t> Ext4Probes::detached_program_ids() const {
    std::vector<uint32_t> attached = program_ids(), detached;
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, skeleton_->obj) {
        bpf_prog_info info{};
        uint32_t length = sizeof info;
        if (bpf_program__fd(program) >= 0 &&
            bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &length) == 0 &&
            std::find(attached.begin(), attached.end(), info.id) == attached.end())
            detached.push_back(info.id);
    }
    return detached;
}

std::optional<uint32_t> Ext4Probes::ext4_state(uint64_t superblock) const {
    if (superblock == 0) return std::nullopt;
    uint64_t arguments[1] = {superblock};
    LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = arguments, .ctx_size_in = sizeof arguments);
    if (bpf_prog_test_run_opts(bpf_program__fd(skeleton_->progs.read_ext4_state), &run) != 0)
        return std::nullopt;
    return run.retval;
}

std::vector<std::pair<std::string, int>> Ext4Probes::program_fds() const {
    std::vector<std::pair<std::string, int>> programs;
    bpf_program *program = nullptr;
    bpf_object__for_each_program(program, skeleton_->obj) {
        if (bpf_program__fd(program) >= 0)
            programs.emplace_back(bpf_program__name(program), bpf_program__fd(program));
    }
    return programs;
}

int Ext4Probes::records_map_fd() const {
    return bpf_map__fd(skeleton_->maps.records);
}

int Ext4Probes::traced_superblocks_map_fd() const {
    return bpf_map__fd(skeleton_->maps.traced_superblocks);
}

int Ext4Probes::space_in_flight_map_fd() const {
    return bpf_map__fd(skeleton_->maps.space_in_flight);
}

int Ext4Probes::percpu_offsets_map_fd() const {
    return bpf_map__fd(skeleton_->maps.percpu_offsets);
}

int Ext4Probes::activity_map_fd() const {
    return bpf_map__fd(skeleton_->maps.activity_signals);
}

int Ext4Probes::writers_map_fd() const {
    return bpf_map__fd(skeleton_->maps.writers);
}

int Ext4Probes::writer_slots_map_fd() const {
    return bpf_map__fd(skeleton_->maps.writer_slots);
}

uint64_t Ext4Probes::dropped_records() const {
    return __atomic_load_n(&skeleton_->bss->dropped_records, __ATOMIC_RELAXED);
}

uint64_t percpu_approximation_margin_clusters(uint32_t possible_cpus) {
    uint64_t batch = std::max<uint64_t>(32, 2ull * possible_cpus);
    return 2 * batch * possible_cpus;
}

ProbeOptions probe_options_for_self() {
    ProbeOptions options;
    options.daemon_tgid = static_cast<uint32_t>(::getpid());
    struct stat ns {};
    if (::stat("/proc/self/ns/pid", &ns) == 0) {
        // bpf_get_ns_current_pid_tgid() compares against the kernel's dev_t.
        options.pidns_dev = kernel_dev_from_user(ns.st_dev);
        options.pidns_ino = ns.st_ino;
    }
    return options;
}

RecordStream::RecordStream(int records_map_fd, Handler handler) : handler_(std::move(handler)) {
    ring_.reset(ring_buffer__new(records_map_fd, &RecordStream::on_sample, this, nullptr));
    if (!ring_) throw last_system_error("create ring buffer reader");
}

int RecordStream::on_sample(void *context, void *data, size_t size) {
    auto *self = static_cast<RecordStream *>(context);
    if (size < sizeof(fsev_record)) return 0;  // never produced by our programs
    fsev_record record;
    std::memcpy(&record, data, sizeof(record));
    self->handler_(record);
    return 0;
}

int RecordStream::epoll_fd() const {
    return ring_buffer__epoll_fd(ring_.get());
}

int RecordStream::drain() {
    int handled = ring_buffer__consume(ring_.get());
    if (handled < 0) throw system_error(handled, "read ring buffer");
    return handled;
}

int RecordStream::poll(int timeout_ms) {
    int handled = ring_buffer__poll(ring_.get(), timeout_ms);
    if (handled < 0 && handled != -EINTR) throw system_error(handled, "poll ring buffer");
    return handled < 0 ? 0 : handled;
}

}  // namespace fsev
