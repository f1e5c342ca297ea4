#include "trace/bpf_trace_sync.h"

#include <bpf/bpf.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "model/device.h"
#include "common/system_error.h"
#include "config/filesystem_support.h"
#include "fsev/bpf_shared.h"
#include "fsev/threshold.h"

namespace fsev {

static_assert(TRACE_INFO == FSEV_TRACE_INFO && TRACE_WARN == FSEV_TRACE_WARN &&
                  TRACE_ERR == FSEV_TRACE_ERR && TRACE_THRESH == FSEV_TRACE_THRESH,
              "trace type bits are shared with the BPF side");

namespace {

fsev_trace_config config_of(const TraceEntry &entry) {
    fsev_trace_config config{};
    config.trace_id = entry.id;
    config.types = entry.types;
    if (entry.types & TRACE_THRESH) {
        if (entry.has_lower) config.levels |= FSEV_HAS_LOWER;
        if (entry.has_upper) config.levels |= FSEV_HAS_UPPER;
    }
    config.lower_level = entry.lower_level;
    config.upper_level = entry.upper_level;
    return config;
}

// Thresholds on a filesystem whose count BPF cannot read exactly: checked
// with statfs when BPF signals activity.
bool checked_on_activity(const TraceEntry &entry) {
    return (entry.types & TRACE_THRESH) && (entry.has_lower || entry.has_upper) &&
           !FilesystemSupport::exact_space(entry.fstype);
}

// statfs of the entry's filesystem, when its mount point still shows it
// (from the daemon's mount namespace it may be another filesystem).
bool read_statfs(const TraceEntry &entry, struct statfs &status) {
    struct stat where {};
    // Entries made by a rule come from the daemon's own mount table and
    // carry no file device: nothing to compare.
    return ::stat(entry.mount_point.c_str(), &where) == 0 &&
           (entry.file_device == 0 || where.st_dev == entry.file_device) &&
           ::statfs(entry.mount_point.c_str(), &status) == 0;
}

}  // namespace

BpfTraceSync::BpfTraceSync(int map_fd, LevelsCrossed on_levels_crossed, WarnCallback on_warn_wanted,
                           ActivityCallback on_activity_wanted, WritesCallback on_writes_wanted)
    : map_fd_(map_fd),
      on_levels_crossed_(std::move(on_levels_crossed)),
      on_warn_wanted_(std::move(on_warn_wanted)),
      on_activity_wanted_(std::move(on_activity_wanted)),
      on_writes_wanted_(std::move(on_writes_wanted)) {}

void BpfTraceSync::tell_warn_wanted() {
    bool warn = false, activity = false, writes = false;
    {
        std::lock_guard lock(mutex_);
        for (const auto &[id, entry] : entries_) {
            // btrfs and XFS errors are seen as failing syscalls too
            // (other_fs.bpf.h).
            warn =
                warn || (entry.types & TRACE_WARN) ||
                ((entry.types & TRACE_ERR) && (entry.fstype == "btrfs" || entry.fstype == "xfs"));
            activity = activity || checked_on_activity(entry);
            writes = writes || ((entry.types & (TRACE_THRESH | TRACE_WARN)) &&
                                !FilesystemSupport::exact_space(entry.fstype));
        }
    }
    // Writes are counted before the program that sees them is attached,
    // and the program is detached before they stop being counted.
    if (writes && on_writes_wanted_) on_writes_wanted_(true);
    if (on_warn_wanted_) on_warn_wanted_(warn);
    if (on_activity_wanted_) on_activity_wanted_(activity);
    if (!writes && on_writes_wanted_) on_writes_wanted_(false);
}

std::optional<SpaceReading> BpfTraceSync::check_space(uint32_t trace_id) {
    std::unique_lock lock(mutex_);
    auto found = entries_.find(trace_id);
    if (found == entries_.end() || !checked_on_activity(found->second)) return std::nullopt;
    TraceEntry entry = found->second;
    uint32_t key = kernel_dev_from_user(entry.device);
    fsev_trace_config config{};
    if (bpf_map_lookup_elem(map_fd_, &key, &config) != 0) return std::nullopt;
    // Activity first: whatever happens after this read shows as a newer
    // time at the next check.
    fsev_activity activity{};
    if (activity_map_fd_ >= 0) bpf_map_lookup_elem(activity_map_fd_, &key, &activity);
    struct statfs status {};
    if (!read_statfs(entry, status)) return std::nullopt;
    uint64_t available = status.f_bavail;
    // BPF leaves `reached` of such filesystems alone: the daemon, under
    // this mutex, is its only writer.
    fsev_threshold_step step = fsev_threshold_advance(
        config.reached, config.levels, config.lower_level, config.upper_level, available);
    if (step.reached != config.reached) {
        config.reached = step.reached;
        if (int err = bpf_map_update_elem(map_fd_, &key, &config, BPF_EXIST); err)
            return std::nullopt;  // removed meanwhile
    }
    lock.unlock();
    if (step.count)
        on_levels_crossed_(entry, step, available, static_cast<uint32_t>(status.f_bsize));
    return SpaceReading{available, activity.last_activity_ns};
}

void BpfTraceSync::entry_created(const TraceEntry &entry) {
    write(entry, true);
}

void BpfTraceSync::entry_changed(const TraceEntry &entry, bool thresholds_reset) {
    write(entry, thresholds_reset);
}

void BpfTraceSync::entry_removed(const TraceEntry &entry, bool) {
    std::unique_lock lock(mutex_);
    uint32_t key = kernel_dev_from_user(entry.device);
    bpf_map_delete_elem(map_fd_, &key);  // ENOENT is fine: nothing to undo
    if (activity_map_fd_ >= 0) bpf_map_delete_elem(activity_map_fd_, &key);
    entries_.erase(entry.id);
    lock.unlock();
    tell_warn_wanted();
}

void BpfTraceSync::write(const TraceEntry &entry, bool rearm) {
    std::unique_lock lock(mutex_);
    uint32_t key = kernel_dev_from_user(entry.device);
    fsev_trace_config config = config_of(entry);
    fsev_trace_config current{};
    bool exists = bpf_map_lookup_elem(map_fd_, &key, &current) == 0;

    fsev_threshold_step armed{};
    uint64_t available = 0;
    uint32_t block_size = 0;
    if (config.levels && (rearm || !exists || current.levels != config.levels)) {
        struct statfs status {};
        // The mount point is the writer's path; from the daemon's mount
        // namespace it may be unreachable or another filesystem. Then
        // nothing is reported at arming and the BPF side reports the first
        // crossing it sees.
        if (read_statfs(entry, status)) {
            available = status.f_bavail;
            block_size = static_cast<uint32_t>(status.f_bsize);
            armed = fsev_threshold_advance(0, config.levels, config.lower_level, config.upper_level,
                                           available);
        }
        config.reached = armed.reached;
    } else if (exists && config.levels) {
        config.reached = current.reached;  // same levels: keep the state
    }
    if (int err = bpf_map_update_elem(map_fd_, &key, &config, BPF_ANY); err)
        throw system_error(err, "update BPF map traced_superblocks");
    entries_[entry.id] = entry;
    lock.unlock();  // the callbacks may look entries up
    tell_warn_wanted();
    if (armed.count) on_levels_crossed_(entry, armed, available, block_size);
}

std::optional<uint32_t> BpfTraceSync::reached_levels(uint32_t trace_id) const {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(trace_id);
    if (found == entries_.end()) return std::nullopt;
    uint32_t key = kernel_dev_from_user(found->second.device);
    fsev_trace_config config{};
    if (bpf_map_lookup_elem(map_fd_, &key, &config) != 0) return std::nullopt;
    return config.reached;
}

}  // namespace fsev
