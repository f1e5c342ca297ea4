#include "events/record_interpreter.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <algorithm>
#include <thread>

#include "model/device.h"
#include "events/ext4_sysfs.h"
#include "events/name_paths.h"
#include "events/record_format.h"

namespace fsev {

namespace {

using namespace std::chrono_literals;

// ext4 stores the error just after the tracepoint fires (after printing it,
// which can take a while on a slow console); these bound how long after the
// error the daemon waits for that record and for the read-only switch that
// follows with errors=remount-ro.
constexpr auto kErrorRecordWait = 200ms;
constexpr auto kReadOnlyWait = 500ms;
constexpr auto kPollStep = 1ms;

}  // namespace

uint32_t xfs_shutdown_event_id(uint64_t flags) {
    // SHUTDOWN_* of fs/xfs/xfs_mount.h, stable since 2.6.
    constexpr uint64_t kMetaIoError = 0x1, kLogIoError = 0x2, kForceUmount = 0x4,
                       kCorruptInCore = 0x8, kCorruptOnDisk = 0x10, kDeviceRemoved = 0x20;
    if (flags & (kCorruptInCore | kCorruptOnDisk)) return FS_ERR_CORRUPTED;
    // The administrator's goingdown ioctl (xfs_io -x -c shutdown) passes
    // FORCE_UMOUNT, with LOG_IO_ERROR when it skips the log flush.
    if (flags & kForceUmount) return FS_ERR_SHUTDOWN;
    if (flags & (kMetaIoError | kLogIoError | kDeviceRemoved)) return FS_ERR_INTERNAL;
    return FS_ERR_UNKNOWN;
}

RecordInterpreter::RecordInterpreter(EntryLookup lookup, DeviceLookup device_lookup,
                                     Ext4StateReader ext4_state, ErrorRateLimiter limiter)
    : lookup_(std::move(lookup)),
      device_lookup_(std::move(device_lookup)),
      ext4_state_(std::move(ext4_state)),
      limiter_(limiter) {}

std::vector<RecordInterpreter::Interpreted> RecordInterpreter::interpret_name_enospc(
    const fsev_record &record) {
    std::optional<std::string> directory = directory_of_new_name(
        record.pid, record.dirfd, bounded_string(record.path, sizeof record.path));
    struct stat status {};
    if (!directory || ::stat(directory->c_str(), &status) != 0) return {};
    std::optional<TraceEntry> entry = device_lookup_(status.st_dev);
    if (!entry || !(entry->types & TRACE_WARN)) return {};
    Event event;
    event.type = FS_EVENT_WARN;
    event.id = FS_WARN_ENOSPC_META;
    event.trace_id = entry->id;
    event.has_device = true;
    event.dev_major = major(status.st_dev);
    event.dev_minor = minor(status.st_dev);
    event.caused_pid = record.pid;
    event.mount_point = entry->mount_point;
    struct statfs space {};
    if (::statfs(directory->c_str(), &space) == 0) {
        event.available_blocks = space.f_bavail;
        event.block_size = static_cast<uint32_t>(space.f_bsize);
    }
    return {{event, 0}};
}

namespace {

// The record's kernel timestamp (CLOCK_MONOTONIC) plus `delay`, as a
// steady_clock deadline: waits are bounded from when the error happened, so
// a backlog of old records is handled without waiting at all.
std::chrono::steady_clock::time_point after_record(const fsev_record &record,
                                                   std::chrono::milliseconds delay) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t now_ns = int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
    auto age = std::chrono::nanoseconds(now_ns - int64_t(record.timestamp_ns));
    return std::chrono::steady_clock::now() - age + delay;
}

}  // namespace

uint32_t RecordInterpreter::classify_error(const fsev_record &record) {
    std::string fs_id = bounded_string(record.fs_id, sizeof record.fs_id);
    uint64_t &seen = errors_seen_[record.dev];
    auto deadline = after_record(record, kErrorRecordWait);
    std::optional<Ext4ErrorRecord> ext4_record;
    while (true) {
        ext4_record = read_ext4_error_record(fs_id);
        if (!ext4_record) return FS_ERR_UNKNOWN;  // no sysfs record: cannot tell
        if (ext4_record->errors_count > seen || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(kPollStep);
    }
    seen = std::max(seen, ext4_record->errors_count);
    return ext4_error_event_id(ext4_record->last_error_code);
}

bool RecordInterpreter::became_read_only(const fsev_record &record) {
    if (record.error_mode != FSEV_ERRORS_REMOUNT_RO || read_only_by_error_.count(record.dev))
        return false;
    auto deadline = after_record(record, kReadOnlyWait);
    auto switched = [&] {
        std::optional<uint32_t> state;
        if (ext4_state_ && record.source == FSEV_SRC_ERROR) state = ext4_state_(record.superblock);
        if (state && (*state & (FSEV_EXT4_READ_ONLY | FSEV_EXT4_STOPPED))) return true;
        return superblock_read_only(kernel_dev_major(record.dev), kernel_dev_minor(record.dev))
            .value_or(false);
    };
    while (true) {
        if (switched()) {
            read_only_by_error_.insert(record.dev);
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(kPollStep);
    }
}

bool RecordInterpreter::allowed(const Event &event, uint64_t &suppressed_before) {
    if (event.type != FS_EVENT_ERR) return true;
    if (!limiter_.allow(event.trace_id, ErrorRateLimiter::Clock::now())) return false;
    suppressed_before = limiter_.take_suppressed(event.trace_id);
    return true;
}

std::vector<RecordInterpreter::Interpreted> RecordInterpreter::interpret(
    const fsev_record &record) {
    if (record.source == FSEV_SRC_SYSCALL_ENOSPC_PATH) return interpret_name_enospc(record);
    std::vector<Interpreted> out;
    if (record.event_type == FS_EVENT_NONE || record.trace_id == 0) return out;
    std::optional<TraceEntry> entry = lookup_(record.trace_id);
    if (!entry) return out;  // removed while the record was in flight

    Event event;
    event.type = record.event_type;
    event.id = record.event_id;
    event.trace_id = record.trace_id;
    event.has_device = true;
    event.dev_major = kernel_dev_major(record.dev);
    event.dev_minor = kernel_dev_minor(record.dev);
    event.caused_pid = record.pid;
    event.available_blocks = record.available_blocks;
    event.direction = record.direction;
    event.block_size = record.block_size;
    event.mount_point = entry->mount_point;
    if (event.type == FS_EVENT_THRESH) event.counted_by = FS_EVENT_COUNT_EXACT;

    if (record.source == FSEV_SRC_ERROR) event.id = classify_error(record);
    if (record.source == FSEV_SRC_XFS_SHUTDOWN) event.id = xfs_shutdown_event_id(record.blocks);
    uint64_t suppressed = 0;
    if (allowed(event, suppressed)) out.push_back({event, suppressed});

    if ((record.source == FSEV_SRC_ERROR || record.source == FSEV_SRC_SYSCALL_IO_ERROR) &&
        became_read_only(record)) {
        // Reported even over the rate limit: it happens once per switch.
        Event read_only = event;
        read_only.id = FS_ERR_RO_REMOUNT;
        out.push_back({read_only, 0});
    }
    return out;
}

}  // namespace fsev
