#include "daemon/daemon.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "common/device.h"
#include "config/startup_file.h"
#include "daemon/service_notify.h"
#include "events/record_format.h"
#include "metrics/bpf_program_stats.h"
#include "mounts/path_resolver.h"
#include "netlink/discovery.h"

namespace fsev {

namespace {

ProbeOptions probe_options(const DaemonOptions &options) {
    ProbeOptions probe = probe_options_for_self();
    probe.emit_raw_records = options.print_records;
    return probe;
}

}  // namespace

Daemon::Daemon(const DaemonOptions &options)
    : options_(options),
      publisher_(FsEventPublisher::choose(options.genl_group, options.genl_family_id)),
      probes_(probe_options(options)),
      trace_sync_(
          probes_.traced_superblocks_map_fd(), [this](const Event &event) { publish(event); },
          [this](bool warn_wanted) { watch_syscalls(warn_wanted); }),
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
      trace_table_(FSEV_MAX_TRACED_SUPERBLOCKS) {
    sinks_.push_back(&publisher_);
    sinks_.push_back(&metrics_);
    probes_.attach();
    metrics_.set_ring_buffer_drops_source([this] { return probes_.dropped_records(); });
    metrics_.set_netlink_send_errors_source([this] { return publisher_.send_errors(); });
    metrics_.set_bpf_programs_source(
        [this] { return metrics::read_bpf_program_stats(probes_.program_fds()); },
        metrics::bpf_stats_enabled);
    // Started after the event loop blocked SIGINT/SIGTERM, so its threads
    // never take them; binding here makes a busy port fail start-up.
    metrics_server_ = std::make_unique<metrics::HttpServer>(
        options_.metrics_address, [this] { return metrics_.render_text(); });
    records_ = std::make_unique<RecordStream>(
        probes_.records_map_fd(), [this](const fsev_record &record) { on_record(record); });
    loop_.watch(records_->epoll_fd(), [this] {
        records_->drain();
        std::cout.flush();
    });

    // Told in this order: the BPF map first, so the kernel side watches an
    // entry before anyone hears of it.
    trace_table_.add_observer(&trace_sync_);
    trace_table_.add_observer(&new_trace_announcer_);
    trace_table_.add_observer(&mount_events_);
    trace_table_.add_observer(&metrics_);
    trace_table_.add_observer(&trace_log_);
    trace_table_.set_mounted_filesystems(&mounted_filesystems_);
    trace_table_.set_notice_sink(&TraceLog::notice);
    if (options_.config_file) {
        // Relative paths in the startup file are relative to the daemon's
        // working directory; docs/config.md recommends absolute ones.
        ProcessPathResolver daemon_view(::getpid());
        apply_startup_file(*options_.config_file, trace_table_, daemon_view);
    }
    loop_.watch(
        mount_watcher_.fd(), [this] { on_mounts_changed(); }, EPOLLPRI);
    // Until an entry asks for warn, no program runs on every syscall.
    bool warn_wanted = false;
    for (const TraceEntry &entry : trace_table_.entries())
        warn_wanted = warn_wanted || (entry.types & TRACE_WARN);
    watch_syscalls(warn_wanted);
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
    run_directory_->start();
    std::cout << "fsev-bpf: serving " << options_.run_dir << "/config" << std::endl;
}

int Daemon::on_config_write(std::string_view data, const Writer &writer) {
    try {
        ProcessPathResolver writer_view(writer.pid);
        trace_table_.apply_write(data, writer_view);
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
    for (const auto &[event, suppressed] : interpreter_.interpret(record))
        publish(event, suppressed);
}

void Daemon::watch_syscalls(bool wanted) {
    try {
        probes_.watch_syscalls(wanted);
    } catch (const std::system_error &error) {
        // The entries still work; only ENOSPC goes unseen. Say so.
        std::string line =
            std::string("fsev-bpf: ENOSPC warnings unavailable: ") + error.what() + "\n";
        if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
        }
    }
}

void Daemon::on_mounts_changed() {
    // One read of the table for both. Remounts first: an entry whose
    // filesystem is gone is removed next.
    std::vector<MountInfo> mounts = read_mountinfo("self");
    mount_events_.mounts_changed(trace_table_.entries(), mounts);
    trace_table_.sync_with_mounts(mount_points_by_device(mounts));
}

void Daemon::publish(const Event &event, uint64_t suppressed_before) {
    std::lock_guard lock(publish_mutex_);
    std::cout << format_event(event, suppressed_before) << '\n';
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
    records_->drain();  // what arrived before the signal still gets reported
    run_directory_->stop();
    probes_.detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace fsev
