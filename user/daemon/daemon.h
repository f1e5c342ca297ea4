#pragma once

#include <memory>

#include "common/event_loop.h"
#include "config/trace_log.h"
#include "config/trace_table.h"
#include "daemon/options.h"
#include "fuse/run_directory.h"
#include "mounts/mount_watcher.h"
#include "fsev/bpf_shared.h"
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
    // A write to the config file: applied, or the errno to fail it with.
    int on_config_write(std::string_view data, const Writer &writer);

    DaemonOptions options_;
    EventLoop loop_;  // first: blocks SIGINT/SIGTERM before any thread starts
    Ext4Probes probes_;
    std::unique_ptr<RecordStream> records_;
    TraceLog trace_log_;
    TraceTable trace_table_;
    MountWatcher mount_watcher_;
    std::unique_ptr<RunDirectory> run_directory_;  // last: unmounted first
};

}  // namespace fsev
