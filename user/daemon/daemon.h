#pragma once

#include <memory>

#include "common/event_loop.h"
#include "daemon/options.h"
#include "fsev/bpf_shared.h"
#include "netlink/publisher.h"
#include "probes/ext4_probes.h"

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

    DaemonOptions options_;
    EventLoop loop_;  // first: blocks SIGINT/SIGTERM before any thread starts
    // Before the probes: a refused --genl-group/--genl-family-id fails fast.
    FsEventPublisher publisher_;
    Ext4Probes probes_;
    std::unique_ptr<RecordStream> records_;
};

}  // namespace fsev
