#include "events/filesystem_events.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

#include "events/event_ids.h"
#include "events/ext4_sysfs.h"
#include "events/name_paths.h"
#include "events/record_format.h"
#include "model/device.h"
#include "mounts/device_statfs.h"

namespace fsev {

namespace {

using namespace std::chrono_literals;

// ext4 stores the error just after the tracepoint fires (after printing it,
// which can take a while on a slow console); these bound how long after the
// error the daemon waits for that record and for the read-only switch that
// follows with errors=remount-ro. While either is awaited it is looked at
// again every kCheckStep.
constexpr auto kErrorRecordWait = 200ms;
constexpr auto kReadOnlyWait = 500ms;
constexpr auto kCheckStep = 1ms;
// At most this many records of one filesystem wait behind its check; one
// more ends the check at once, as if its deadline had passed, so a storm
// of records during a check holds bounded memory.
constexpr size_t kMostWaiting = 4096;

// The record's kernel timestamp (CLOCK_MONOTONIC) plus `delay`, as a
// steady_clock deadline: waits are bounded from when the error happened, so
// a backlog of old records is handled without waiting at all.
FilesystemEvents::Clock::time_point after_record(const fsev_record &record,
                                                 std::chrono::milliseconds delay) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t now_ns = int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
    auto age = std::chrono::nanoseconds(now_ns - int64_t(record.timestamp_ns));
    return FilesystemEvents::Clock::now() - age + delay;
}

// An event about the entry's filesystem, named by the entry.
Event event_about(const TraceEntry &entry, uint32_t type, uint32_t id) {
    Event event;
    event.type = type;
    event.id = id;
    event.trace_id = entry.id;
    event.has_device = major(entry.device) != 0;
    event.dev_major = major(entry.device);
    event.dev_minor = minor(entry.device);
    event.mount_point = entry.mount_point;
    return event;
}

// An INFO event, with the space of the entry's own filesystem (checked by
// device: a covering mount, or the daemon's view of a path from another
// namespace, gives no numbers).
Event info_event(const TraceEntry &entry, uint32_t id) {
    Event event = event_about(entry, FS_EVENT_INFO, id);
    if (auto space = statfs_of_device(entry.device, entry.mount_point)) {
        event.available_blocks = space->f_bavail;
        event.block_size = static_cast<uint32_t>(space->f_bsize);
    }
    return event;
}

}  // namespace

FilesystemEvents::FilesystemEvents(Publish publish, Ext4StateReader ext4_state,
                                   ErrorRateLimiter limiter)
    : publish_(std::move(publish)), ext4_state_(std::move(ext4_state)), limiter_(limiter) {}

void FilesystemEvents::publish(const OutgoingEvents &events) {
    for (const Outgoing &outgoing : events) publish_(outgoing.event, outgoing.suppressed_before);
}

// ---- The trace table ----

void FilesystemEvents::entry_created(const TraceEntry &entry) {
    auto space = statfs_of_device(entry.device, entry.mount_point);
    bool read_only = space && (static_cast<unsigned long>(space->f_flags) & ST_RDONLY);
    std::lock_guard lock(mutex_);
    uint32_t device = kernel_dev_from_user(entry.device);
    FilesystemState &state = filesystems_[device];
    state.entry = entry;
    state.read_only = read_only;
    devices_[entry.id] = device;
}

void FilesystemEvents::entry_changed(const TraceEntry &entry, bool) {
    std::lock_guard lock(mutex_);
    auto found = devices_.find(entry.id);
    if (found != devices_.end()) filesystems_[found->second].entry = entry;
}

void FilesystemEvents::entry_removed(const TraceEntry &entry, bool filesystem_gone) {
    {
        std::lock_guard lock(mutex_);
        devices_.erase(entry.id);
        FilesystemState &state = filesystems_[kernel_dev_from_user(entry.device)];
        if (state.entry && state.entry->id == entry.id) {
            state.entry.reset();
            state.read_only = false;
        }
    }
    if (filesystem_gone && (entry.types & TRACE_INFO))
        publish_(event_about(entry, FS_EVENT_INFO, FS_INFO_UMOUNT), 0);  // gone: no space to give
}

const TraceEntry *FilesystemEvents::entry_by_id(uint32_t trace_id) const {
    auto device = devices_.find(trace_id);
    if (device == devices_.end()) return nullptr;
    auto state = filesystems_.find(device->second);
    if (state == filesystems_.end() || !state->second.entry) return nullptr;
    return &*state->second.entry;
}

std::optional<TraceEntry> FilesystemEvents::entry_by_device(dev_t device) const {
    for (const auto &[key, state] : filesystems_)
        if (state.entry && (state.entry->device == device || state.entry->file_device == device))
            return state.entry;
    return std::nullopt;
}

// ---- Levels a statfs reading crossed ----

void FilesystemEvents::levels_crossed(const TraceEntry &entry, const fsev_threshold_step &step,
                                      uint64_t available, uint32_t block_size) {
    for (uint32_t i = 0; i < step.count; ++i) {
        Event event = event_about(entry, FS_EVENT_THRESH, step.crossings[i].event_id);
        event.has_device = true;
        event.direction = step.crossings[i].direction;
        event.available_blocks = available;
        event.block_size = block_size;
        event.counted_by = FS_EVENT_COUNT_STATFS;
        publish_(event, 0);
    }
}

// ---- The mount table ----

void FilesystemEvents::mounts_changed(const std::vector<MountInfo> &mounts) {
    std::vector<std::pair<TraceEntry, uint32_t>> remounts;  // entry, INFO id
    {
        std::lock_guard lock(mutex_);
        for (const auto &[trace_id, device] : devices_) {
            FilesystemState &state = filesystems_[device];
            if (!state.entry) continue;
            const TraceEntry &entry = *state.entry;
            for (const MountInfo &mount : mounts) {
                if (mount.device != entry.device) continue;
                uint32_t id = remount_event_id(state.read_only, mount.super_options);
                // Kernels before 6.15 show ext4's switch after an error as a
                // plain "ro": reported already, as FS_ERR_RO_REMOUNT.
                if (id == FS_INFO_REMOUNT_RO && state.read_only_by_error) id = 0;
                state.read_only = super_options_read_only(mount.super_options);
                // Writable again: a later error that turns it read-only is
                // reported again.
                if (id == FS_INFO_REMOUNT_RW) state.read_only_by_error = false;
                if (id != 0 && (entry.types & TRACE_INFO)) remounts.emplace_back(entry, id);
                break;  // one superblock, one state: the first of its mounts says it
            }
        }
    }
    // statfs outside the lock: a hung filesystem holds up no record.
    for (const auto &[entry, id] : remounts) publish_(info_event(entry, id), 0);
}

// ---- Ring-buffer records ----

FilesystemEvents::OutgoingEvents FilesystemEvents::name_enospc(const fsev_record &record) {
    std::optional<std::string> directory = directory_of_new_name(
        record.pid, record.dirfd, bounded_string(record.path, sizeof record.path));
    struct stat status {};
    if (!directory || ::stat(directory->c_str(), &status) != 0) return {};
    std::optional<TraceEntry> entry;
    {
        std::lock_guard lock(mutex_);
        entry = entry_by_device(status.st_dev);
    }
    if (!entry || !(entry->types & TRACE_WARN)) return {};
    Event event = event_about(*entry, FS_EVENT_WARN, FS_WARN_ENOSPC_META);
    event.has_device = true;
    event.dev_major = major(status.st_dev);
    event.dev_minor = minor(status.st_dev);
    event.caused_pid = record.pid;
    struct statfs space {};
    if (::statfs(directory->c_str(), &space) == 0) {
        event.available_blocks = space.f_bavail;
        event.block_size = static_cast<uint32_t>(space.f_bsize);
    }
    return {{event, 0}};
}

void FilesystemEvents::record(const fsev_record &record) {
    if (record.source == FSEV_SRC_SYSCALL_ENOSPC_PATH) return publish(name_enospc(record));
    if (record.event_type == FS_EVENT_NONE || record.trace_id == 0) return;
    OutgoingEvents out;
    {
        std::lock_guard lock(mutex_);
        FilesystemState &state = filesystems_[record.dev];
        if (!state.check && state.waiting.empty()) {
            // Nothing waits before it (the usual case, a storm included):
            // started at once instead of copied through the queue; advance
            // then runs a check it began, as it would after the queue.
            start(state, record, out);
            advance(state, out);
            if (state.check) start_timer();
        } else {
            state.waiting.push_back(record);
            bool overfull = state.waiting.size() > kMostWaiting;
            if (state.check && overfull) state.check->deadline = Clock::time_point::min();
            if (!state.check || overfull) {
                advance(state, out);
                if (state.check) start_timer();
            }
        }
    }
    publish(out);
}

void FilesystemEvents::advance(FilesystemState &state, OutgoingEvents &out) {
    while (true) {
        if (state.check && !run_check(state, out)) return;
        if (state.waiting.empty()) return;
        fsev_record next = state.waiting.front();
        state.waiting.pop_front();
        start(state, next, out);
    }
}

void FilesystemEvents::start(FilesystemState &state, const fsev_record &record,
                             OutgoingEvents &out) {
    const TraceEntry *entry = entry_by_id(record.trace_id);
    if (!entry) return;  // removed while the record was in flight
    Event event = event_about(*entry, record.event_type, record.event_id);
    event.has_device = true;
    event.dev_major = kernel_dev_major(record.dev);
    event.dev_minor = kernel_dev_minor(record.dev);
    event.caused_pid = record.pid;
    event.available_blocks = record.available_blocks;
    event.direction = record.direction;
    event.block_size = record.block_size;
    if (event.type == FS_EVENT_THRESH) event.counted_by = FS_EVENT_COUNT_EXACT;
    if (record.source == FSEV_SRC_XFS_SHUTDOWN) event.id = xfs_shutdown_event_id(record.blocks);

    if (record.source == FSEV_SRC_ERROR) {
        // Classified once ext4's own error record shows this error.
        state.check = ErrorCheck{ErrorCheck::Awaiting::error_record, record, event,
                                 after_record(record, kErrorRecordWait)};
        return;
    }
    emit(event, out);
    await_read_only(state, record, event);
}

void FilesystemEvents::await_read_only(FilesystemState &state, const fsev_record &record,
                                       const Event &event) {
    if ((record.source == FSEV_SRC_ERROR || record.source == FSEV_SRC_SYSCALL_IO_ERROR) &&
        record.error_mode == FSEV_ERRORS_REMOUNT_RO && !state.read_only_by_error)
        state.check = ErrorCheck{ErrorCheck::Awaiting::read_only_switch, record, event,
                                 after_record(record, kReadOnlyWait)};
}

bool FilesystemEvents::run_check(FilesystemState &state, OutgoingEvents &out) {
    if (state.check->awaiting == ErrorCheck::Awaiting::error_record) {
        ErrorCheck &check = *state.check;
        std::string fs_id = bounded_string(check.record.fs_id, sizeof check.record.fs_id);
        std::optional<Ext4ErrorRecord> ext4_record = read_ext4_error_record(fs_id);
        if (ext4_record && ext4_record->errors_count <= state.ext4_errors_seen &&
            Clock::now() < check.deadline)
            return false;  // not stored yet: look again later
        if (ext4_record) {
            state.ext4_errors_seen = std::max(state.ext4_errors_seen, ext4_record->errors_count);
            check.event.id = ext4_error_event_id(ext4_record->last_error_code);
        } else {
            check.event.id = FS_ERR_UNKNOWN;  // no sysfs record: cannot tell
        }
        ErrorCheck classified = std::move(check);
        state.check.reset();
        emit(classified.event, out);
        await_read_only(state, classified.record, classified.event);
        if (!state.check) return true;
    }
    ErrorCheck &check = *state.check;
    if (switched_to_read_only(check.record)) {
        state.read_only_by_error = true;
        // Reported even over the rate limit: it happens once per switch.
        Event read_only = check.event;
        read_only.id = FS_ERR_RO_REMOUNT;
        out.push_back({read_only, 0});
    } else if (Clock::now() < check.deadline) {
        return false;
    }
    state.check.reset();
    return true;
}

bool FilesystemEvents::switched_to_read_only(const fsev_record &record) const {
    std::optional<uint32_t> state;
    if (ext4_state_ && record.source == FSEV_SRC_ERROR) state = ext4_state_(record.superblock);
    if (state && (*state & (FSEV_EXT4_READ_ONLY | FSEV_EXT4_STOPPED))) return true;
    return superblock_read_only(kernel_dev_major(record.dev), kernel_dev_minor(record.dev))
        .value_or(false);
}

void FilesystemEvents::emit(const Event &event, OutgoingEvents &out) {
    uint64_t suppressed_before = 0;
    if (event.type == FS_EVENT_ERR) {
        if (!limiter_.allow(event.trace_id, ErrorRateLimiter::Clock::now())) return;
        suppressed_before = limiter_.take_suppressed(event.trace_id);
    }
    out.push_back({event, suppressed_before});
}

// ---- Deferred checks ----

void FilesystemEvents::start_timer() {
    // Not re-armed while it runs: records arriving in a storm would keep
    // pushing the next check away.
    if (!timer_running_) arm_timer();
}

void FilesystemEvents::arm_timer() {
    timer_running_ = any_check();
    if (timer_running_)
        timer_.start_once(kCheckStep);
    else
        timer_.stop();
}

void FilesystemEvents::on_timer() {
    timer_.expirations();  // 0 when woken for nothing: the checks below decide anyway
    OutgoingEvents out;
    {
        std::lock_guard lock(mutex_);
        for (auto &[device, state] : filesystems_)
            if (state.check) advance(state, out);
        arm_timer();
    }
    publish(out);
}

bool FilesystemEvents::any_check() const {
    return std::any_of(filesystems_.begin(), filesystems_.end(),
                       [](const auto &filesystem) { return filesystem.second.check.has_value(); });
}

bool FilesystemEvents::checks_pending() const {
    std::lock_guard lock(mutex_);
    return any_check();
}

void FilesystemEvents::finish_checks() {
    while (checks_pending()) {
        pollfd timer{timer_.fd(), POLLIN, 0};
        ::poll(&timer, 1, 10);
        on_timer();
    }
}

uint64_t FilesystemEvents::suppressed_errors() const {
    std::lock_guard lock(mutex_);
    return limiter_.suppressed_total();
}

}  // namespace fsev
