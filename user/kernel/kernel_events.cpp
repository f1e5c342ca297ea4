#include "kernel/kernel_events.h"

#include <poll.h>

#include <utility>

namespace fsev {

KernelEvents::KernelEvents(const ProbeOptions &options, Handlers handlers)
    : handlers_(std::move(handlers)),
      probes_(options),
      events_(
          [this](const Event &event, uint64_t suppressed) {
              if (handlers_.event) handlers_.event(event, suppressed);
          },
          [this](uint64_t superblock) { return probes_.ext4_state(superblock); }),
      trace_sync_(
          probes_.traced_superblocks_map_fd(),
          [this](const TraceEntry &entry, const fsev_threshold_step &step, uint64_t available,
                 uint32_t block_size) {
              events_.levels_crossed(entry, step, available, block_size);
          },
          handlers_.warn_wanted, handlers_.activity_wanted,
          [this](bool wanted) { probes_.see_syscall_writes(wanted); }),
      space_checks_([this](uint32_t trace_id) { return trace_sync_.check_space(trace_id); },
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::nanoseconds(options.activity_interval_ns))) {
    probes_.attach();
    trace_sync_.set_activity_map(probes_.activity_map_fd());
    records_ = std::make_unique<RecordStream>(
        probes_.records_map_fd(), [this](const fsev_record &record) { on_record(record); });
}

void KernelEvents::entry_created(const TraceEntry &entry) {
    events_.entry_created(entry);
    trace_sync_.entry_created(entry);
}

void KernelEvents::entry_changed(const TraceEntry &entry, bool thresholds_reset) {
    events_.entry_changed(entry, thresholds_reset);
    trace_sync_.entry_changed(entry, thresholds_reset);
}

void KernelEvents::entry_removed(const TraceEntry &entry, bool filesystem_gone) {
    trace_sync_.entry_removed(entry, filesystem_gone);
    events_.entry_removed(entry, filesystem_gone);
}

void KernelEvents::on_record(const fsev_record &record) {
    if (handlers_.record) handlers_.record(record);
    if (record.source == FSEV_SRC_SPACE_ACTIVITY)
        space_checks_.signalled(record.trace_id);  // checked with statfs
    else
        events_.record(record);
}

void KernelEvents::poll(int timeout_ms) {
    pollfd fds[] = {{records_->epoll_fd(), POLLIN, 0},
                    {events_.timer_fd(), POLLIN, 0},
                    {space_checks_.fd(), POLLIN, 0}};
    ::poll(fds, 3, timeout_ms);
    records_->drain();
    if (fds[1].revents & POLLIN) events_.on_timer();
    if (fds[2].revents & POLLIN) space_checks_.on_timer();
}

void KernelEvents::finish() {
    records_->drain();
    events_.finish_checks();
}

}  // namespace fsev
