#include "daemon/daemon.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>

#include "common/abstract_lock.h"
#include "common/device.h"
#include "common/durable_file.h"
#include "config/startup_file.h"
#include "config/state_file.h"
#include "daemon/capabilities.h"
#include "daemon/service_notify.h"
#include "events/record_format.h"
#include "metrics/bpf_program_stats.h"
#include "mounts/bounded_resolver.h"
#include "mounts/path_resolver.h"
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

// What the config file accepts per filesystem type on this kernel.
FilesystemSupport filesystem_support(const KernelFeatures &kernel) {
    FilesystemSupport support;
    if (!kernel.has_tracepoint("xfs_force_shutdown"))
        support.errors_unavailable(
            "xfs",
            "this kernel shows no xfs_force_shutdown tracepoint (xfs was not loaded when "
            "fsev-bpf started: run 'modprobe xfs' before starting it)");
    return support;
}

}  // namespace

Daemon::Daemon(const DaemonOptions &options)
    : options_(options),
      publisher_(FsEventPublisher::choose(options.genl_group, options.genl_family_id)),
      group_lock_(try_abstract_lock(group_lock_name(publisher_.channel().group))),
      probes_(probe_options(options)),
      trace_sync_(
          probes_.traced_superblocks_map_fd(), [this](const Event &event) { publish(event); },
          [this](bool warn_wanted) { want_programs(warn_wanted, std::nullopt); },
          [this](bool activity_wanted) { want_programs(std::nullopt, activity_wanted); }),
      space_checks_([this](uint32_t trace_id) { return trace_sync_.check_space(trace_id); },
                    kActivityInterval),
      interpreter_([this](uint32_t trace_id) { return trace_sync_.find(trace_id); },
                   [this](dev_t device) { return trace_sync_.find_by_device(device); },
                   [this](uint64_t superblock) { return probes_.ext4_state(superblock); }),
      metrics_(FSEV_VERSION),
      new_trace_announcer_(publisher_),
      mount_events_(
          [this](const Event &event) { publish(event); },
          [this](dev_t device) {
              return interpreter_.read_only_by_error(kernel_dev_from_user(device));
          },
          [this](dev_t device) { interpreter_.writable_again(kernel_dev_from_user(device)); }),
      // Ids wrap within the BPF map's capacity, so the table can never hold
      // more entries than the kernel side can watch (ENOSPC beyond).
      trace_table_(FSEV_MAX_TRACED_SUPERBLOCKS, filesystem_support(probes_.kernel_features())) {
    if (!group_lock_.valid())  // taken by a daemon starting at the same moment
        throw ChannelError("netlink group " + std::to_string(publisher_.channel().group) +
                           " was just taken by another fsev-bpf daemon; start again");
    sinks_.push_back(&publisher_);
    sinks_.push_back(&metrics_);
    probes_.attach();
    attribution_ =
        std::make_unique<WriterAttribution>(probes_.writers_map_fd(), kWriterSnapshotPeriod);
    loop_.watch(attribution_->timer_fd(), [this] { attribution_->on_timer(); });
    full_soon_ = std::make_unique<FullSoonWatch>([this](const Event &event) { publish(event); },
                                                 kFillSamplePeriod);
    loop_.watch(full_soon_->timer_fd(), [this] { full_soon_->on_timer(); });
    metrics_.set_ring_buffer_drops_source([this] { return probes_.dropped_records(); });
    metrics_.set_netlink_send_errors_source([this] { return publisher_.send_errors(); });
    metrics_.set_bpf_programs_source(
        [this] { return metrics::read_bpf_program_stats(probes_.program_fds()); },
        metrics::bpf_stats_enabled);
    // Started after the event loop blocked SIGINT/SIGTERM, so its threads
    // never take them; binding here makes a busy port fail start-up.
    metrics_server_ = std::make_unique<metrics::HttpServer>(options_.metrics_address, [this] {
        return metrics_.render_text() + attribution_->metrics_text(attributed_filesystems()) +
               full_soon_->metrics_text();
    });
    records_ = std::make_unique<RecordStream>(
        probes_.records_map_fd(), [this](const fsev_record &record) { on_record(record); });
    loop_.watch(records_->epoll_fd(), [this] {
        records_->drain();
        std::cout.flush();
    });
    loop_.watch(space_checks_.fd(), [this] {
        space_checks_.on_timer();
        std::cout.flush();
    });
    trace_sync_.set_activity_map(probes_.activity_map_fd());
    metrics_.set_space_checks_source([this] { return space_checks_.checks(); });

    // Told in this order: the BPF map first, so the kernel side watches an
    // entry before anyone hears of it.
    trace_table_.add_observer(&trace_sync_);
    trace_table_.add_observer(&new_trace_announcer_);
    trace_table_.add_observer(&mount_events_);
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
    loop_.watch(
        mount_watcher_.fd(), [this] { on_mounts_changed(); }, EPOLLPRI);
    // attach() attached the syscall-exit program once, to fail start-up on a
    // kernel that refuses it; until an entry asks for warn or activity-checked
    // thresholds, no program runs on every syscall.
    want_programs(std::nullopt, std::nullopt);
    // The startup file may name a filesystem that went away meanwhile.
    trace_table_.sync_with_mounts(mount_watcher_.mount_points());

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
    // Set-up is done: keep only what serving needs (see capabilities.h).
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

void Daemon::on_record(const fsev_record &record) {
    if (options_.print_records) std::cout << format_record(record) << '\n';
    if (record.source == FSEV_SRC_SPACE_ACTIVITY) {
        space_checks_.signalled(record.trace_id);
        return;
    }
    for (const auto &[event, suppressed] : interpreter_.interpret(record))
        publish(event, suppressed);
}

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
        probes_.watch_syscalls(warn_wanted_ || activity_wanted_);
    } catch (const std::system_error &error) {
        // The entries still work; only what the program sees goes unseen.
        complain("ENOSPC warnings and write activity", error);
    }
    try {
        probes_.watch_space_activity(activity_wanted_);
    } catch (const std::system_error &error) {
        complain("page-cache and writeback activity", error);
    }
}

void Daemon::on_mounts_changed() {
    // One read of the table for both. Remounts first: an entry whose
    // filesystem is gone is removed next.
    std::vector<MountInfo> mounts = read_mountinfo("self");
    mount_events_.mounts_changed(trace_table_.entries(), mounts);
    trace_table_.sync_with_mounts(mount_points_by_device(mounts));
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
    // Flushed at once: events from mount changes and arming come with no
    // ring-buffer record after them, and a journal reader must not wait.
    std::cout << format_event(event, suppressed_before) << std::endl;
    for (EventSink *sink : sinks_) sink->deliver(event);
}

int Daemon::run() {
    // Their own lines, so consumers and tests can pick the channel up.
    std::cout << "fsev-bpf: netlink: family " FS_EVENT_FAMILY_NAME " family_id="
              << publisher_.channel().family_id << " group_id=" << publisher_.channel().group
              << std::endl;
    std::cout << "fsev-bpf: metrics at http://" << options_.metrics_address << "/metrics"
              << std::endl;
    const KernelFeatures &kernel = probes_.kernel_features();
    std::cout << "fsev-bpf: kernel " << kernel.release << ": "
              << (probes_.degraded().empty()
                      ? "every feature available"
                      : std::to_string(probes_.degraded().size()) + " feature(s) degraded")
              << std::endl;
    for (const std::string &line : probes_.degraded())
        std::cout << "fsev-bpf: degraded: " << line << std::endl;
    std::cout << "fsev-bpf: ready: " << probes_.attached_programs().size()
              << " BPF programs attached (prog ids";
    for (uint32_t id : probes_.program_ids()) std::cout << ' ' << id;
    std::vector<uint32_t> on_demand = probes_.detached_program_ids();
    std::cout << "), " << on_demand.size() << " loaded for on-demand use (prog ids";
    for (uint32_t id : on_demand) std::cout << ' ' << id;
    std::cout << ")" << std::endl;
    notify_ready();
    int signal_number = loop_.run();
    notify_stopping();
    if (run_directory_lost_) {
        std::cerr << "fsev-bpf: " << options_.run_dir << " lost: " << run_directory_->lost_reason()
                  << "; stopping" << std::endl;
        records_->drain();
        run_directory_->stop();
        probes_.detach();
        return 1;
    }
    records_->drain();  // what arrived before the signal still gets reported
    run_directory_->stop();
    probes_.detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace fsev
