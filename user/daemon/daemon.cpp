#include "daemon/daemon.h"

#include <iostream>

#include "events/record_format.h"

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
      trace_sync_(probes_.traced_superblocks_map_fd(),
                  [this](const Event &event) { publish(event); }),
      interpreter_([this](uint32_t trace_id) { return trace_sync_.find(trace_id); },
                   [this](dev_t device) { return trace_sync_.find_by_device(device); }) {
    sinks_.push_back(&publisher_);
    probes_.attach();
    records_ = std::make_unique<RecordStream>(
        probes_.records_map_fd(), [this](const fsev_record &record) { on_record(record); });
    loop_.watch(records_->epoll_fd(), [this] {
        records_->drain();
        std::cout.flush();
    });
}

Daemon::~Daemon() = default;

void Daemon::on_record(const fsev_record &record) {
    if (options_.print_records) std::cout << format_record(record) << '\n';
    for (const auto &[event, suppressed] : interpreter_.interpret(record))
        publish(event, suppressed);
}

void Daemon::publish(const Event &event, uint64_t suppressed_before) {
    std::cout << format_event(event, suppressed_before) << '\n';
    for (EventSink *sink : sinks_) sink->deliver(event);
}

int Daemon::run() {
    // Its own line, so consumers and tests can pick the channel up.
    std::cout << "fsev-bpf: netlink: family " FS_EVENT_FAMILY_NAME " family_id="
              << publisher_.channel().family_id << " group_id=" << publisher_.channel().group
              << std::endl;
    std::cout << "fsev-bpf: ready: " << probes_.attached_programs().size()
              << " BPF programs attached (prog ids";
    for (uint32_t id : probes_.program_ids()) std::cout << ' ' << id;
    std::cout << ")" << std::endl;
    int signal_number = loop_.run();
    records_->drain();  // what arrived before the signal still gets reported
    probes_.detach();
    std::cout << "fsev-bpf: stopping on signal " << signal_number << ", programs detached"
              << std::endl;
    return 0;
}

}  // namespace fsev
