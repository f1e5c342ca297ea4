#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "attribution/writer_attribution.h"
#include "common/event_loop.h"
#include "common/unique_fd.h"
#include "config/trace_log.h"
#include "config/trace_table.h"
#include "daemon/drain_pacer.h"
#include "daemon/options.h"
#include "model/event.h"
#include "kernel/kernel_events.h"
#include "fuse/run_directory.h"
#include "mounts/mount_watcher.h"
#include "mounts/mounted_filesystems.h"
#include "fsev/bpf_shared.h"
#include "netlink/new_trace_announcer.h"
#include "netlink/publisher.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"
#include "prediction/full_soon_watch.h"

namespace fsev {

// The running daemon: owns every component, wires records from the BPF ring
// buffer to the sinks, and runs the event loop until SIGINT/SIGTERM.
// Components are declared in start-up order; they are torn down in reverse.
class Daemon {
  public:
    explicit Daemon(const DaemonOptions &options);
    ~Daemon();
    // Runs until a termination signal; returns the process exit code.
    int run();

    // FS_EVENT netlink messages: an EventSink, and the source of the
    // discovery file text (discovery_text(publisher().channel())).
    FsEventPublisher &publisher() { return publisher_; }

  private:
    // The steps of start-up, in order (see the constructor).
    void start_attribution_and_prediction();
    void serve_metrics();
    void watch_kernel();
    void observe_trace_table();
    void watch_mounts();
    void serve_run_directory();
    void drop_capabilities();

    KernelEvents::Handlers kernel_handlers();
    // Sends one event to stdout and every sink; called from the event loop
    // and from the config writer thread.
    void publish(const Event &event, uint64_t suppressed_before = 0);
    void on_mounts_changed();
    // Programs on the tracepoints of filesystem modules (xfs, btrfs) loaded
    // since start: loaded and attached now. Called from any thread.
    void load_late_modules();
    // The traced filesystems whose writers are counted (thr or warn).
    std::vector<AttributedFilesystem> attributed_filesystems() const;
    // Which on-demand programs run: the syscall-exit one while an entry
    // wants warn or activity-checked thresholds, the activity ones for the
    // latter.
    void want_programs(std::optional<bool> warn, std::optional<bool> activity);
    // Replays the state file over the startup file's entries, then records
    // every later accepted write in it.
    void restore_state();
    // A write to the config file: applied, or the errno to fail it with.
    int on_config_write(std::string_view data, const Writer &writer);

    DaemonOptions options_;
    EventLoop loop_;  // first: blocks SIGINT/SIGTERM before any thread starts
    // Before the probes: a refused --genl-group/--genl-family-id fails fast.
    FsEventPublisher publisher_;
    UniqueFd group_lock_;  // held while sending: one daemon per group
    // The BPF object, its map and ring buffer, and FilesystemEvents: every
    // event about a traced filesystem but FS_WARN_FULL_SOON is made there.
    KernelEvents kernel_;
    std::unique_ptr<WriterAttribution> attribution_;  // made once the probes are attached
    std::unique_ptr<FullSoonWatch> full_soon_;
    std::mutex wanted_mutex_;
    bool warn_wanted_ = false;
    bool activity_wanted_ = false;
    std::mutex publish_mutex_;
    // True while the event loop drains the ring buffer: the drain flushes
    // stdout once at its end.
    std::atomic<bool> draining_records_{false};
    DrainPacer drain_pacer_;
    std::vector<EventSink *> sinks_;
    metrics::Registry metrics_;  // before the server, which reads it from its thread
    std::unique_ptr<metrics::HttpServer> metrics_server_;
    NewTraceAnnouncer new_trace_announcer_;
    TraceLog trace_log_;
    DaemonMountedFilesystems mounted_filesystems_;
    TraceTable trace_table_;
    MountWatcher mount_watcher_;
    std::unique_ptr<RunDirectory> run_directory_;  // last: unmounted first
    bool run_directory_lost_ = false;
};

}  // namespace fsev
