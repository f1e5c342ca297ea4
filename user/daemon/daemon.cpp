#include "daemon/daemon.h"

#include <iostream>

#include "daemon/service_notify.h"
#include "events/record_format.h"
#include "metrics/bpf_program_stats.h"

namespace fsev {

Daemon::Daemon(const DaemonOptions &options)
    : options_(options), probes_(probe_options_for_self()), metrics_(FSEV_VERSION) {
    probes_.attach();
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
}

Daemon::~Daemon() = default;

void Daemon::on_record(const fsev_record &record) {
    std::cout << format_record(record) << '\n';
}

int Daemon::run() {
    std::cout << "fsev-bpf: metrics at http://" << options_.metrics_address << "/metrics"
              << std::endl;
    std::cout << "fsev-bpf: ready: " << probes_.attached_programs().size()
              << " BPF programs attached (prog ids";
    for (uint32_t id : probes_.program_ids()) std::cout << ' ' << id;
    std::cout << ")" << std::endl;
    notify_ready();
    int signal_number = loop_.run();
    notify_stopping();
    records_->drain();  // what arrived before the signal still gets reported
    probes_.detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace fsev
