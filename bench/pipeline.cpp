#include "pipeline.h"

#include <unistd.h>

#include "events/record_format.h"

namespace fsev::bench {

namespace {

ProbeOptions bench_probe_options(uint32_t summed_cpus) {
    ProbeOptions options = probe_options_for_self();
    options.daemon_tgid = 0;  // the workloads run in this process
    options.summed_cpus = summed_cpus;
    return options;
}

}  // namespace

uint16_t bench_family_id() {
    return static_cast<uint16_t>(40000 + ::getpid() % 20000);
}

Pipeline::Pipeline(uint16_t family_id, uint32_t summed_cpus)
    : publisher_(FsEventPublisher::choose(0, family_id)),
      kernel_(
          bench_probe_options(summed_cpus),
          {.event = [this](const Event &event, uint64_t suppressed) { publish(event, suppressed); },
           .record = [this](const fsev_record &) { ++records_read_; },
           // Every program stays attached as attach() left it.
           .warn_wanted = {},
           .activity_wanted = {}}) {
    reader_ = std::thread([this] { read_records(); });
}

Pipeline::~Pipeline() {
    stopping_ = true;
    reader_.join();
}

void Pipeline::read_records() {
    // The daemon waits in epoll on the ring buffer's fd and drains it; so does this.
    // ... and sends what one drain publishes in as few datagrams as it can.
    while (!stopping_) {
        FsEventPublisher::Batch batch(publisher_);
        kernel_.poll(50);
    }
    FsEventPublisher::Batch batch(publisher_);
    kernel_.finish();
}

void Pipeline::publish(const Event &event, uint64_t suppressed_before) {
    // The daemon prints each event line to stdout; format it at the same cost.
    std::string line = format_event(event, suppressed_before);
    if (line.empty()) return;
    publisher_.deliver(event);
    ++events_published_;
}

}  // namespace fsev::bench
