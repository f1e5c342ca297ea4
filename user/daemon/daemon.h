#pragma once

#include <memory>
#include <vector>

#include "common/event_loop.h"
#include "daemon/options.h"
#include "events/event.h"
#include "events/record_interpreter.h"
#include "fsev/bpf_shared.h"
#include "netlink/publisher.h"
#include "probes/ext4_probes.h"
#include "trace/bpf_trace_sync.h"

namespace fsev {

// The running daemon: owns every component, wires records from the BPF ring
// buffer to the sinks, and runs the event loop until SIGINT/SIGTERM.
// Components are declared in start-up order; they are torn down in reverse.
class Daemon {
  public:
    explicit Daemon(const DaemonOptions &options);
    ~Daemon();
    // Runs until a termination signal; returns the process exit code.
    int run();

    // FS_EVENT netlink messages: an EventSink, and the source of the
    // discovery file text (discovery_text(publisher().channel())).
    FsEventPublisher &publisher() { return publisher_; }

  private:
    void on_record(const fsev_record &record);
    // Sends one event to stdout and every sink.
    void publish(const Event &event, uint64_t suppressed_before = 0);

    DaemonOptions options_;
    EventLoop loop_;  // first: blocks SIGINT/SIGTERM before any thread starts
    // Before the probes: a refused --genl-group/--genl-family-id fails fast.
    FsEventPublisher publisher_;
    Ext4Probes probes_;
    BpfTraceSync trace_sync_;
    RecordInterpreter interpreter_;
    std::vector<EventSink *> sinks_;
    std::unique_ptr<RecordStream> records_;
};

}  // namespace fsev
