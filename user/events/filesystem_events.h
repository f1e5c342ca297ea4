#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "common/timer.h"
#include "events/error_rate_limiter.h"
#include "events/filesystem_state.h"
#include "fsev/bpf_shared.h"
#include "fsev/threshold.h"
#include "model/event.h"
#include "model/trace_entry.h"
#include "mounts/mountinfo.h"

namespace fsev {

// The one place where events about traced filesystems are made, from the
// three things that tell of them: ring-buffer records (thresholds and ENOSPC
// decided by BPF, errors classified here), levels a statfs reading crossed
// (BpfTraceSync, when it arms an entry or checks a filesystem without exact
// hooks) and mount-table changes (remounts, unmounts). It keeps one
// FilesystemState per superblock, fed by the trace table.
//
// Errors are classified from ext4's own error record in sysfs and followed
// by FS_ERR_RO_REMOUNT when the error switched the filesystem to read-only:
// seen in ext4's own flags (kernels that no longer set SB_RDONLY after an
// error, such as Debian's 6.1, show nothing in the mount table) or in the
// mount table. ext4 writes both only after the tracepoint fires, so an error
// record starts a deferred check, run again from timer_fd() on the event
// loop until it shows or its deadline passes; meanwhile the filesystem's
// later records wait behind it and other filesystems' events go out.
//
// Thread-safe: the trace table and BpfTraceSync call in from the config
// writer's thread, records and the timer come on the event loop.
class FilesystemEvents : public TraceTableObserver {
  public:
    using Clock = std::chrono::steady_clock;
    // Every event made; `suppressed_before` ERR events were dropped by the
    // rate limit before it. Never called with the state locked.
    using Publish = std::function<void(const Event &event, uint64_t suppressed_before)>;
    // FSEV_EXT4_* bits of the superblock at a kernel address, read from
    // ext4's own flags (Ext4Probes::ext4_state); nullopt when unknown.
    using Ext4StateReader = std::function<std::optional<uint32_t>(uint64_t superblock)>;

    explicit FilesystemEvents(Publish publish, Ext4StateReader ext4_state = {},
                              ErrorRateLimiter limiter = ErrorRateLimiter());

    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    // FS_INFO_UMOUNT when the entry went with its filesystem.
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    // A ring-buffer record: no event for raw records, for entries that are
    // gone, or for ERR events over the rate limit (those are counted).
    void record(const fsev_record &record);
    // Levels a statfs reading of the entry's filesystem crossed (count
    // source statfs): at arming, a level already reached, direction filling.
    void levels_crossed(const TraceEntry &entry, const fsev_threshold_step &step,
                        uint64_t available, uint32_t block_size);
    // After every mount-table change, before gone filesystems are removed:
    // FS_INFO_REMOUNT_RO/RW for an administrator's remount.
    void mounts_changed(const std::vector<MountInfo> &mounts);

    // Readable while deferred checks are due (for the event loop).
    int timer_fd() const { return timer_.fd(); }
    // The timer fired: runs the checks that are due.
    void on_timer();
    // Whether an error still awaits its deferred check.
    bool checks_pending() const;
    // Runs every deferred check to its end, waiting on the timer up to the
    // checks' deadlines: for shutting down, once the event loop has stopped.
    void finish_checks();

    uint64_t suppressed_errors() const;

  private:
    struct Outgoing {
        Event event;
        uint64_t suppressed_before = 0;
    };
    using OutgoingEvents = std::vector<Outgoing>;

    // The entry, or null; mutex_ held, valid while it is.
    const TraceEntry *entry_by_id(uint32_t trace_id) const;
    std::optional<TraceEntry> entry_by_device(dev_t device) const;
    OutgoingEvents name_enospc(const fsev_record &record);
    // Handles the filesystem's waiting records until one needs a deferred check.
    void advance(FilesystemState &state, OutgoingEvents &out);
    void start(FilesystemState &state, const fsev_record &record, OutgoingEvents &out);
    // True once the check is over (its events in `out`), false while it waits.
    bool run_check(FilesystemState &state, OutgoingEvents &out);
    void await_read_only(FilesystemState &state, const fsev_record &record, const Event &event);
    bool switched_to_read_only(const fsev_record &record) const;
    void emit(const Event &event, OutgoingEvents &out);
    bool any_check() const;
    // A check began: the timer runs unless it already does.
    void start_timer();
    // Due again in kCheckStep while any check is under way; else stopped.
    void arm_timer();
    void publish(const OutgoingEvents &events);

    Publish publish_;
    Ext4StateReader ext4_state_;
    mutable std::mutex mutex_;
    ErrorRateLimiter limiter_;
    std::map<uint32_t, FilesystemState> filesystems_;  // by kernel device number
    std::map<uint32_t, uint32_t> devices_;             // trace id -> kernel device number
    Timer timer_{"timerfd_create for deferred error checks"};
    bool timer_running_ = false;  // guarded by mutex_
};

}  // namespace fsev
