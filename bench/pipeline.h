#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "kernel/kernel_events.h"
#include "support/loop_ext4.h"
#include "netlink/publisher.h"
#include "probes/ext4_probes.h"

namespace fsev::bench {

// The daemon's event path, in this process: the daemon's kernel component
// (KernelEvents: the real BPF object, the traced_superblocks map written by
// BpfTraceSync, the ring buffer and FilesystemEvents), its ring buffer
// read on a thread of its own, the event line (formatted, not printed) and
// the FS_EVENT netlink publisher, as in user/daemon/daemon.cpp. Measurements 1 and 2 use it
// in-process because they attach and detach the programs between rounds and read each program's
// kernel statistics from the loaded object; 3-5 run the real daemon (daemon_under_test.h). The
// bench process writes the workloads itself, so its own I/O is not filtered out (daemon_tgid = 0).
class Pipeline {
  public:
    // summed_cpus: see ProbeOptions (0: the possible CPUs).
    explicit Pipeline(uint16_t family_id, uint32_t summed_cpus = 0);
    ~Pipeline();
    Pipeline(const Pipeline &) = delete;
    Pipeline &operator=(const Pipeline &) = delete;

    Ext4Probes &probes() { return kernel_.probes(); }
    // Where trace entries go, as the daemon's trace table tells them.
    TraceTableObserver &trace_observer() { return kernel_; }
    FsEventPublisher &publisher() { return publisher_; }
    uint64_t records_read() const { return records_read_; }
    uint64_t events_published() const { return events_published_; }

  private:
    void read_records();
    void publish(const Event &event, uint64_t suppressed_before);

    FsEventPublisher publisher_;
    KernelEvents kernel_;
    std::atomic<uint64_t> records_read_{0};
    std::atomic<uint64_t> events_published_{0};
    std::atomic<bool> stopping_{false};
    std::thread reader_;
};

// A netlink family id for this bench run, above the daemon's default range,
// so other daemons on the machine (which start at 1024) do not share it.
uint16_t bench_family_id();

}  // namespace fsev::bench
