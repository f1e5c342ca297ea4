#include "daemon/daemon.h"

#include <iostream>

#include "events/record_format.h"

namespace fsev {

Daemon::Daemon(const DaemonOptions &options)
    : options_(options),
      publisher_(FsEventPublisher::choose(options.genl_group, options.genl_family_id)),
      probes_(probe_options_for_self()) {
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
    std::cout << format_record(record) << '\n';
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
