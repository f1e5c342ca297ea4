#include "daemon/daemon.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "config/startup_file.h"
#include "events/record_format.h"
#include "mounts/path_resolver.h"

namespace fsev {

Daemon::Daemon(const DaemonOptions &options)
    : options_(options), probes_(probe_options_for_self()) {
    probes_.attach();
    records_ = std::make_unique<RecordStream>(
        probes_.records_map_fd(), [this](const fsev_record &record) { on_record(record); });
    loop_.watch(records_->epoll_fd(), [this] {
        records_->drain();
        std::cout.flush();
    });

    trace_table_.add_observer(&trace_log_);
    if (options_.config_file) {
        // Relative paths in the startup file are relative to the daemon's
        // working directory; the README recommends absolute ones.
        ProcessPathResolver daemon_view(::getpid());
        apply_startup_file(*options_.config_file, trace_table_, daemon_view);
    }
    loop_.watch(
        mount_watcher_.fd(),
        [this] { trace_table_.sync_with_mounts(mount_watcher_.mount_points()); }, EPOLLPRI);
    // The startup file may name a filesystem that went away meanwhile.
    trace_table_.sync_with_mounts(mount_watcher_.mount_points());

    run_directory_ = std::make_unique<RunDirectory>(options_.run_dir);
    run_directory_->add_writable_file(
        "config", [this] { return trace_table_.listing(); },
        [this](std::string_view data, const Writer &writer) {
            return on_config_write(data, writer);
        });
    run_directory_->start();
    std::cout << "fsev-bpf: serving " << options_.run_dir << "/config" << std::endl;
}

int Daemon::on_config_write(std::string_view data, const Writer &writer) {
    try {
        ProcessPathResolver writer_view(writer.pid);
        trace_table_.apply_write(data, writer_view);
        return 0;
    } catch (const RequestError &error) {
        std::string line = "fsev-bpf: config: write by pid " + std::to_string(writer.pid) +
                           " refused: " + error.what() + " (" +
                           std::strerror(error.error_number()) + ")\n";
        if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
            // The writer still gets the errno.
        }
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
    std::cout << format_record(record) << '\n';
}

int Daemon::run() {
    std::cout << "fsev-bpf: ready: " << probes_.attached_programs().size()
              << " BPF programs attached (prog ids";
    for (uint32_t id : probes_.program_ids()) std::cout << ' ' << id;
    std::cout << ")" << std::endl;
    int signal_number = loop_.run();
    records_->drain();  // what arrived before the signal still gets reported
    run_directory_->stop();
    probes_.detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace fsev
