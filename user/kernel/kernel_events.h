#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "events/record_interpreter.h"
#include "fsev/bpf_shared.h"
#include "model/event.h"
#include "probes/ext4_probes.h"
#include "trace/bpf_trace_sync.h"

namespace fsev {

// The kernel side as one component, built the same way by the daemon, the
// integration tests and the bench: the loaded and attached BPF object
// (Ext4Probes), the traced_superblocks map kept in step with the trace table
// (BpfTraceSync, a TraceTableObserver), the ring buffer (RecordStream) and
// the record interpreter that turns its records into events, looking
// entries up in BpfTraceSync. Nothing is read until the owner calls
// records().drain() or poll(). Construction throws std::system_error (or
// UnsupportedKernel) when the object cannot be loaded or attached.
class KernelEvents {
  public:
    struct Handlers {
        // Every event made of a record, or of a level already reached when
        // an entry is armed; `suppressed_before` ERR events were dropped by
        // the rate limit before it.
        std::function<void(const Event &event, uint64_t suppressed_before)> event;
        // Sees each record first; returning false keeps it from the
        // interpreter (activity signals, which the owner checks itself).
        std::function<bool(const fsev_record &record)> record;
        // BpfTraceSync's wish for the optional programs (see
        // Ext4Probes::watch_syscalls and watch_space_activity).
        std::function<void(bool wanted)> warn_wanted;
        std::function<void(bool wanted)> activity_wanted;
    };

    KernelEvents(const ProbeOptions &options, Handlers handlers);
    KernelEvents(const KernelEvents &) = delete;
    KernelEvents &operator=(const KernelEvents &) = delete;

    Ext4Probes &probes() { return probes_; }
    const Ext4Probes &probes() const { return probes_; }
    BpfTraceSync &trace_sync() { return trace_sync_; }
    RecordInterpreter &interpreter() { return interpreter_; }
    RecordStream &records() { return *records_; }

  private:
    void on_record(const fsev_record &record);

    Handlers handlers_;
    Ext4Probes probes_;
    BpfTraceSync trace_sync_;
    RecordInterpreter interpreter_;
    std::unique_ptr<RecordStream> records_;
};

}  // namespace fsev
