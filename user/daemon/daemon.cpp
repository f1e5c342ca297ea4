#include "daemon/daemon.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/abstract_lock.h"
#include "model/device.h"
#include "common/durable_file.h"
#include "config/startup_file.h"
#include "config/state_file.h"
#include "daemon/capabilities.h"
#include "daemon/service_notify.h"
#include "events/record_format.h"
#include "metrics/bpf_program_stats.h"
#include "probes/ext4_probes.h"
#include "resolver/bounded_resolver.h"
#include "resolver/path_resolver.h"
#include "netlink/discovery.h"

namespace fsev {

namespace {

// Filesystems without exact hooks: at most one BPF signal per superblock
// per interval, and one trailing statfs this long after a signal
// (docs/filesystems.md gives the latency this yields).
constexpr std::chrono::milliseconds kActivityInterval{20};
// How often the BPF writer counts are snapshot for the sliding windows.
constexpr std::chrono::milliseconds kWriterSnapshotPeriod{5000};
// How often entries with `predict` are sampled (statfs) for their fill rate.
constexpr std::chrono::milliseconds kFillSamplePeriod{250};
// How long a config write may take to resolve its paths before it fails
// with ETIMEDOUT: far above a healthy lookup, well below a writer's patience.
constexpr std::chrono::milliseconds kPathResolutionBound{2000};

ProbeOptions probe_options(const DaemonOptions &options) {
    ProbeOptions probe = probe_options_for_self();
    probe.emit_raw_records = options.print_records;
    probe.activity_interval_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(kActivityInterval).count();
    return probe;
}

// What the config file accepts per filesystem type on this kernel: XFS
// errors once a program runs on xfs_force_shutdown (at start, or when xfs
// is loaded later, see load_late_modules()).
FilesystemSupport filesystem_support(const Ext4Probes &probes) {
    FilesystemSupport support;
    support.errors_available_when(
        "xfs", [&probes] { return probes.has_program_on("xfs_force_shutdown"); },
        "this kernel shows no xfs_force_shutdown tracepoint (the xfs module is not loaded: "
        "mount an XFS filesystem or run 'modprobe xfs', then ask again)");
    return support;
}

}  // namespace

Daemon::Daemon(const DaemonOptions &options)
    : options_(options),
      publisher_(FsEventPublisher::choose(options.genl_group, options.genl_family_id)),
      group_lock_(try_abstract_lock(group_lock_name(publisher_.channel().group))),
      kernel_(probe_options(options), kernel_handlers()),
      metrics_(FSEV_VERSION),
      new_trace_announcer_(publisher_),
      // Ids wrap within the BPF map's capacity, so the table can never hold
      // more entries than the kernel side can watch (ENOSPC beyond).
      trace_table_(FSEV_MAX_TRACED_SUPERBLOCKS, filesystem_support(kernel_.probes())) {
    if (!group_lock_.valid())  // taken by a daemon starting at the same moment
        throw ChannelError("netlink group " + std::to_string(publisher_.channel().group) +
                           " was just taken by another fsev-bpf daemon; start again");
    sinks_ = {&publisher_, &metrics_};
    start_attribution_and_prediction();
    serve_metrics();
    watch_kernel();
    observe_trace_table();
    watch_mounts();
    serve_run_directory();
    drop_capabilities();
}

KernelEvents::Handlers Daemon::kernel_handlers() {
    return {
        .event = [this](const Event &event, uint64_t suppressed) { publish(event, suppressed); },
        .record =
            [this](const fsev_record &record) {
                if (options_.print_records) std::cout << format_record(record) << '\n';
            },
        .warn_wanted = [this](bool wanted) { want_programs(wanted, std::nullopt); },
        .activity_wanted = [this](bool wanted) { want_programs(std::nullopt, wanted); }};
}

// Writer attribution (BPF writer counts in 1/10-minute windows) and fill
// prediction (FS_WARN_FULL_SOON), each on a timer of the event loop.
void Daemon::start_attribution_and_prediction() {
    attribution_ = std::make_unique<WriterAttribution>(
        WriterMapFds{kernel_.probes().writers_map_fd(), kernel_.probes().writer_slots_map_fd()},
        kWriterSnapshotPeriod);
    loop_.watch(attribution_->timer_fd(), [this] { attribution_->on_timer(); });
    full_soon_ = std::make_unique<FullSoonWatch>([this](const Event &event) { publish(event); },
                                                 kFillSamplePeriod);
    loop_.watch(full_soon_->timer_fd(), [this] { full_soon_->on_timer(); });
}

void Daemon::serve_metrics() {
    metrics_.set_ring_buffer_drops_source([this] { return kernel_.probes().dropped_records(); });
    metrics_.set_netlink_send_errors_source([this] { return publisher_.send_errors(); });
    metrics_.set_bpf_programs_source(
        [this] { return metrics::read_bpf_program_stats(kernel_.probes().program_fds()); },
        metrics::bpf_stats_enabled);
    metrics_.set_space_checks_source([this] { return kernel_.space_checks().checks(); });
    // Started after the event loop blocked SIGINT/SIGTERM, so its threads
    // never take them; binding here makes a busy port fail start-up.
    metrics_server_ = std::make_unique<metrics::HttpServer>(options_.metrics_address, [this] {
        return metrics_.render_text() + attribution_->metrics_text(attributed_filesystems()) +
               full_soon_->metrics_text();
    });
}

// The kernel component's three fds: the ring buffer, the deferred error
// checks and the statfs checks of filesystems without exact hooks.
void Daemon::watch_kernel() {
    loop_.watch(kernel_.records().epoll_fd(), [this] {
        // In a burst, records submitted during this wait raise no wake-up
        // (DrainPacer says why).
        if (auto wait = drain_pacer_.wait_before_drain(DrainPacer::Clock::now()); wait.count() > 0)
            std::this_thread::sleep_for(wait);
        // Everything the ring buffer holds now goes out together: netlink
        // messages several per datagram, event lines in one flush, both
        // right when the buffer is empty, so no event waits for a later one;
        // the events share one copy of the writers map.
        {
            FsEventPublisher::Batch batch(publisher_);
            WriterAttribution::Batch writers(*attribution_);
            draining_records_ = true;
            int records = kernel_.records().drain();
            draining_records_ = false;
            drain_pacer_.drained(DrainPacer::Clock::now(), records);
        }
        std::cout.flush();
    });
    loop_.watch(kernel_.events().timer_fd(), [this] { kernel_.events().on_timer(); });
    loop_.watch(kernel_.space_checks().fd(), [this] {
        kernel_.space_checks().on_timer();
        std::cout.flush();
    });
}

// The trace table and who hears of its changes, filled from the startup
// file and the state file.
void Daemon::observe_trace_table() {
    // Told in this order: the kernel side first, so it watches an entry
    // before anyone hears of it.
    trace_table_.add_observer(&kernel_);
    trace_table_.add_observer(&new_trace_announcer_);
    trace_table_.add_observer(&metrics_);
    trace_table_.add_observer(&trace_log_);
    trace_table_.add_observer(full_soon_.get());
    trace_table_.set_mounted_filesystems(&mounted_filesystems_);
    trace_table_.set_notice_sink(&TraceLog::notice);
    if (options_.config_file) {
        // Relative paths in the startup file are relative to the daemon's
        // working directory; docs/config.md recommends absolute ones.
        ProcessPathResolver daemon_view(::getpid());
        apply_startup_file(*options_.config_file, trace_table_, daemon_view);
    }
    restore_state();
}

void Daemon::watch_mounts() {
    loop_.watch(
        mount_watcher_.fd(), [this] { on_mounts_changed(); }, EPOLLPRI);
    // attach() attached the syscall-exit program once, to fail start-up on a
    // kernel that refuses it; until an entry asks for warn or activity-checked
    // thresholds, no program runs on every syscall.
    want_programs(std::nullopt, std::nullopt);
    // The startup file may name a filesystem that went away meanwhile.
    trace_table_.sync_with_mounts(mount_watcher_.mount_points());
    metrics_.mount_table_changed(read_mountinfo("self"));
}

void Daemon::serve_run_directory() {
    run_directory_ = std::make_unique<RunDirectory>(options_.run_dir);
    run_directory_->add_writable_file(
        "config", [this] { return trace_table_.listing(); },
        [this](std::string_view data, const Writer &writer) {
            return on_config_write(data, writer);
        });
    run_directory_->add_read_only_file("netlink",
                                       [this] { return discovery_text(publisher_.channel()); });
    run_directory_->add_read_only_file(
        "writers", [this] { return attribution_->writers_text(attributed_filesystems()); });
    run_directory_->start();
    // Without its config file the daemon cannot be configured: end, with an
    // error, so a supervisor restarts it with a fresh mount.
    loop_.watch(run_directory_->lost_fd(), [this] {
        run_directory_lost_ = true;
        loop_.stop();
    });
    std::cout << "fsev-bpf: serving " << options_.run_dir << "/config" << std::endl;
}

// Set-up is done: keep only what serving needs (see capabilities.h).
void Daemon::drop_capabilities() {
    try {
        std::cout << "fsev-bpf: capabilities kept: " << drop_unneeded_capabilities()
                  << " (every other one dropped)" << std::endl;
    } catch (const std::system_error &error) {
        std::cerr << "fsev-bpf: capabilities NOT dropped: " << error.what() << std::endl;
    }
}

void Daemon::restore_state() {
    const std::string &path = options_.state_file;
    make_directories(std::filesystem::path(path).parent_path().string());
    ProcessPathResolver daemon_view(::getpid());
    RestoreResult result = restore_state_file(path, trace_table_, daemon_view);
    for (const std::string &failure : result.failures)
        std::cerr << "fsev-bpf: state " << path << ": not restored: " << failure << std::endl;
    std::cout << "fsev-bpf: state " << path << ": restored " << result.restored << " request"
              << (result.restored == 1 ? "" : "s") << ", " << result.failures.size()
              << " not restored" << std::endl;
    // From now on every accepted write is on disk before the writer hears
    // of its success; a write that cannot be recorded fails and changes
    // nothing. Requests that could not be restored stay in the file until
    // the next accepted write replaces it.
    trace_table_.set_recorder(
        [path](const std::string &listing) { replace_file_durably(path, state_text(listing)); });
}

int Daemon::on_config_write(std::string_view data, const Writer &writer) {
    try {
        // Paths are resolved on a helper thread within a bound, before the
        // table is touched: a hung filesystem fails this write (ETIMEDOUT)
        // and holds up nothing else.
        ParsedWrite parsed = parse_write(data);
        // The writer may have just mounted a filesystem whose module came
        // with the mount, before the mount watcher saw it.
        load_late_modules();
        std::vector<std::string> paths;
        for (const Request &request : parsed.requests)
            if (!request.rule) paths.push_back(request.mount);
        BoundedResolver writer_view(writer.pid, kPathResolutionBound);
        writer_view.resolve_all(paths);
        trace_table_.apply(parsed, writer_view);
        metrics_.count_config_write(true);
        return 0;
    } catch (const RequestError &error) {
        std::string line = "fsev-bpf: config: write by pid " + std::to_string(writer.pid) +
                           " refused: " + error.what() + " (" +
                           std::strerror(error.error_number()) + ")\n";
        if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
            // The writer still gets the errno.
        }
        metrics_.count_config_write(false);
        return error.error_number();
    } catch (const std::exception &error) {
        std::string line = "fsev-bpf: config: write by pid " + std::to_string(writer.pid) +
                           " failed: " + error.what() + "\n";
        if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
        }
        return EIO;
    }
}

Daemon::~Daemon() = default;

void Daemon::want_programs(std::optional<bool> warn, std::optional<bool> activity) {
    std::lock_guard lock(wanted_mutex_);
    if (warn) warn_wanted_ = *warn;
    if (activity) activity_wanted_ = *activity;
    auto complain = [](const char *what, const std::system_error &error) {
        std::string line =
            std::string("fsev-bpf: ") + what + " unavailable: " + error.what() + "\n";
        if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
        }
    };
    try {
        kernel_.probes().watch_syscalls(warn_wanted_ || activity_wanted_);
    } catch (const std::system_error &error) {
        // The entries still work; only what the program sees goes unseen.
        complain("ENOSPC warnings and write activity", error);
    }
    try {
        kernel_.probes().watch_space_activity(activity_wanted_);
    } catch (const std::system_error &error) {
        complain("page-cache and writeback activity", error);
    }
}

void Daemon::load_late_modules() {
    for (const char *module : {"xfs", "btrfs"}) {
        try {
            std::vector<std::string> gained = kernel_.probes().load_module_programs(module);
            if (gained.empty()) continue;
            std::string line = std::string("fsev-bpf: module ") + module +
                               " loaded since start: attached programs on";
            for (const std::string &tracepoint : gained) line += " " + tracepoint;
            line += "\n";
            if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) {
            }
        } catch (const std::system_error &error) {
            std::string line =
                std::string("fsev-bpf: module ") + module +
                " loaded since start, but its programs are unavailable: " + error.what() + "\n";
            if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
            }
        }
    }
}

void Daemon::on_mounts_changed() {
    // A filesystem module may have come with a new mount.
    load_late_modules();
    // One read of the table for both. Remounts first: an entry whose
    // filesystem is gone is removed next.
    std::vector<MountInfo> mounts = read_mountinfo("self");
    kernel_.events().mounts_changed(mounts);
    metrics_.mount_table_changed(mounts);
    trace_table_.sync_with_mounts(
        with_entries_mounted_elsewhere(mount_points_by_device(mounts), trace_table_.entries()));
}

std::vector<AttributedFilesystem> Daemon::attributed_filesystems() const {
    std::vector<AttributedFilesystem> filesystems;
    for (const TraceEntry &entry : trace_table_.entries())
        if (entry.types & (TRACE_THRESH | TRACE_WARN))
            filesystems.push_back({kernel_dev_from_user(entry.device), entry.mount_point});
    return filesystems;
}

void Daemon::publish(const Event &given, uint64_t suppressed_before) {
    Event event = given;
    if (attribution_) attribution_->add_writers(event);
    std::lock_guard lock(publish_mutex_);
    // Flushed at once, except while the ring buffer is drained (flushed
    // when it is empty): events from mount changes and arming come with no
    // ring-buffer record after them, and a journal reader must not wait.
    std::cout << format_event(event, suppressed_before) << '\n';
    if (!draining_records_) std::cout.flush();
    for (EventSink *sink : sinks_) sink->deliver(event);
}

int Daemon::run() {
    // Their own lines, so consumers and tests can pick the channel up.
    std::cout << "fsev-bpf: netlink: family " FS_EVENT_FAMILY_NAME " family_id="
              << publisher_.channel().family_id << " group_id=" << publisher_.channel().group
              << std::endl;
    std::cout << "fsev-bpf: metrics at http://" << options_.metrics_address << "/metrics"
              << std::endl;
    const KernelFeatures &kernel = kernel_.probes().kernel_features();
    std::cout << "fsev-bpf: kernel " << kernel.release << ": "
              << (kernel_.probes().degraded().empty()
                      ? "every feature available"
                      : std::to_string(kernel_.probes().degraded().size()) + " feature(s) degraded")
              << std::endl;
    for (const std::string &line : kernel_.probes().degraded())
        std::cout << "fsev-bpf: degraded: " << line << std::endl;
    std::cout << "fsev-bpf: ext4 counters read with "
              << (kernel_.probes().plain_loads() ? "plain loads (bpf_rdonly_cast)"
                  : kernel.ext4_plain_loads
                      ? "bpf_probe_read (the plain-load build was refused)"
                      : "bpf_probe_read (ext4 is a module here, or Linux is older than 6.2)")
              << std::endl;
    std::cout << "fsev-bpf: ready: " << kernel_.probes().attached_programs().size()
              << " BPF programs attached (prog ids";
    for (uint32_t id : kernel_.probes().program_ids()) std::cout << ' ' << id;
    std::vector<uint32_t> on_demand = kernel_.probes().detached_program_ids();
    std::cout << "), " << on_demand.size() << " loaded for on-demand use (prog ids";
    for (uint32_t id : on_demand) std::cout << ' ' << id;
    std::cout << ")" << std::endl;
    notify_ready();
    int signal_number = loop_.run();
    notify_stopping();
    if (run_directory_lost_) {
        std::cerr << "fsev-bpf: " << options_.run_dir << " lost: " << run_directory_->lost_reason()
                  << "; stopping" << std::endl;
        kernel_.finish();
        run_directory_->stop();
        kernel_.probes().detach();
        return 1;
    }
    kernel_.finish();  // what arrived before the signal still gets reported
    run_directory_->stop();
    kernel_.probes().detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace fsev
