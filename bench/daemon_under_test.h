#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/unique_fd.h"
#include "netlink/channel.h"

namespace fsev::bench {

// The real build/fsev-bpf, started for one measurement and stopped when this
// object goes. It gets what keeps it apart from other daemons on this
// machine: a temporary --run-dir, a free --metrics-address port, and a
// --genl-family-id / --genl-group of its own (see bench_channel). Its output
// (one line per event) is read all the time on a thread, as journald would,
// so a full pipe never slows it down.
class DaemonUnderTest {
  public:
    explicit DaemonUnderTest(const std::string &daemon_path);
    ~DaemonUnderTest();
    DaemonUnderTest(const DaemonUnderTest &) = delete;
    DaemonUnderTest &operator=(const DaemonUnderTest &) = delete;

    pid_t pid() const { return pid_; }
    const std::string &run_dir() const { return run_dir_; }
    // The channel the daemon wrote to <run-dir>/netlink (the discovery file).
    NetlinkChannel channel() const;

    // One write(2) of `requests` to <run-dir>/config; returns how long the
    // write took (the daemon answers it after applying every line). Throws
    // std::system_error with the daemon's errno when it refuses them.
    std::chrono::duration<double> configure(const std::string &requests);

    // GET /metrics; throws when the daemon does not answer.
    std::string metrics() const;

    uint64_t rss_kib() const;  // VmRSS from /proc/<pid>/status
    std::string output_tail() const;

  private:
    void read_output();
    void shut_down();  // stops the daemon, removes the temp dir; idempotent

    std::string temp_dir_;
    std::string run_dir_;
    int metrics_port_ = 0;
    pid_t pid_ = -1;
    UniqueFd output_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string tail_;  // the last lines of its stdout and stderr
    bool ready_ = false;
    bool exited_ = false;
    std::thread reader_;
};

// The sum of every sample of a metric family in Prometheus text whose labels
// contain `label` (e.g. `type="THRESH"`; "" for all samples).
double metric_sum(const std::string &text, const std::string &name, const std::string &label = "");

// A channel nobody else on this machine uses: a family id derived from our
// pid, far above the 1024.. that daemons pick by default, and the
// second-highest multicast group no kernel family owns (daemons started
// without --genl-group all take the highest one).
NetlinkChannel bench_channel();

}  // namespace fsev::bench
