#include "kernel/kernel_events.h"

#include <utility>

namespace fsev {

KernelEvents::KernelEvents(const ProbeOptions &options, Handlers handlers)
    : handlers_(std::move(handlers)),
      probes_(options),
      trace_sync_(
          probes_.traced_superblocks_map_fd(),
          [this](const Event &event) {
              if (handlers_.event) handlers_.event(event, 0);
          },
          handlers_.warn_wanted, handlers_.activity_wanted),
      interpreter_([this](uint32_t trace_id) { return trace_sync_.find(trace_id); },
                   [this](dev_t device) { return trace_sync_.find_by_device(device); },
                   [this](uint64_t superblock) { return probes_.ext4_state(superblock); }) {
    probes_.attach();
    trace_sync_.set_activity_map(probes_.activity_map_fd());
    records_ = std::make_unique<RecordStream>(
        probes_.records_map_fd(), [this](const fsev_record &record) { on_record(record); });
}

void KernelEvents::on_record(const fsev_record &record) {
    if (handlers_.record && !handlers_.record(record)) return;
    for (const auto &[event, suppressed] : interpreter_.interpret(record))
        if (handlers_.event) handlers_.event(event, suppressed);
}

}  // namespace fsev
