#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "events/filesystem_events.h"
#include "fsev/bpf_shared.h"
#include "model/event.h"
#include "model/trace_entry.h"
#include "probes/ext4_probes.h"
#include "trace/bpf_trace_sync.h"
#include "trace/space_checks.h"

namespace fsev {

// The kernel side as one component, built the same way by the daemon, the
// integration tests and the bench: the loaded and attached BPF object
// (Ext4Probes), the traced_superblocks map kept in step with the trace table
// (BpfTraceSync), the ring buffer (RecordStream), the statfs checks of
// filesystems without exact hooks that BPF signals activity on
// (SpaceChecks, its trailing check one activity interval after a signal)
// and FilesystemEvents, the one place that makes events of the records, of
// the levels BpfTraceSync finds crossed, and of mount-table changes (handed
// to events() by the owner). It observes the trace table itself. Nothing is
// read until the owner watches its fds on an event loop or calls poll() (see
// there). Construction throws std::system_error (or UnsupportedKernel) when
// the object cannot be loaded or attached.
class KernelEvents : public TraceTableObserver {
  public:
    struct Handlers {
        // Every event; `suppressed_before` ERR events were dropped by the
        // rate limit before it.
        FilesystemEvents::Publish event;
        // Sees each record first (to print or count it).
        std::function<void(const fsev_record &record)> record;
        // BpfTraceSync's wish for the optional programs (see
        // Ext4Probes::watch_syscalls and watch_space_activity).
        std::function<void(bool wanted)> warn_wanted;
        std::function<void(bool wanted)> activity_wanted;
    };

    KernelEvents(const ProbeOptions &options, Handlers handlers);
    KernelEvents(const KernelEvents &) = delete;
    KernelEvents &operator=(const KernelEvents &) = delete;

    // The per-filesystem state learns of an entry before the BPF map holds
    // it, so the records that come as soon as it does find it; it forgets
    // the entry after the map does.
    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    Ext4Probes &probes() { return probes_; }
    const Ext4Probes &probes() const { return probes_; }
    BpfTraceSync &trace_sync() { return trace_sync_; }
    FilesystemEvents &events() { return events_; }
    RecordStream &records() { return *records_; }
    SpaceChecks &space_checks() { return space_checks_; }

    // For owners without an event loop (tests, bench): waits up to
    // `timeout_ms` for records or a timer, and handles what is due. An event
    // loop watches records().epoll_fd() (then records().drain()),
    // events().timer_fd() (events().on_timer()) and space_checks().fd()
    // (space_checks().on_timer()) instead.
    void poll(int timeout_ms);
    // On the way out: every record still queued, then every deferred check
    // to its end.
    void finish();

  private:
    void on_record(const fsev_record &record);

    Handlers handlers_;
    Ext4Probes probes_;
    FilesystemEvents events_;
    BpfTraceSync trace_sync_;
    SpaceChecks space_checks_;
    std::unique_ptr<RecordStream> records_;
};

}  // namespace fsev
