#pragma once

#include <memory>

#include "common/event_loop.h"
#include "daemon/options.h"
#include "fsev/bpf_shared.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"
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

  private:
    void on_record(const fsev_record &record);

    DaemonOptions options_;
    EventLoop loop_;  // first: blocks SIGINT/SIGTERM before any thread starts
    Ext4Probes probes_;
    metrics::Registry metrics_;  // before the server, which reads it from its thread
    std::unique_ptr<metrics::HttpServer> metrics_server_;
    std::unique_ptr<RecordStream> records_;
};

}  // namespace fsev
