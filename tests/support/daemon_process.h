#pragma once

#include <sys/types.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "support/command.h"

namespace fsev::test {

// The real build/fsev-bpf started as a child process with its stdout and
// stderr captured. The destructor stops it (SIGTERM, then SIGKILL).
// Without a --run-dir argument it gets a fresh temporary run directory, so no
// test ever mounts the real /run/fsev; without --state-file, a temporary
// state file, so no test reads or writes /var/lib/fsev.
class DaemonProcess {
  public:
    explicit DaemonProcess(const std::vector<std::string> &arguments = {});
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess &) = delete;
    DaemonProcess &operator=(const DaemonProcess &) = delete;

    // Waits until a line of output matches; returns it, or "" on timeout.
    std::string wait_for_line(const std::regex &pattern, std::chrono::milliseconds timeout);
    // Waits for "fsev-bpf: ready"; false if it exited or timed out first.
    bool wait_until_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Sends the signal and waits, reading its output meanwhile (a daemon
    // blocked on a full output pipe could not act on it); returns the exit
    // status (-1 if killed).
    int stop(int signal_number = 15);
    const std::string &run_dir() const { return run_dir_; }
    // Writes `text` to the run directory's config file as a user would
    // (`echo 'TEXT' > config`); the shell's exit code and output.
    CommandResult request(const std::string &text) const;
    // The /metrics port chosen when the arguments named none (else 0).
    int metrics_port() const { return metrics_port_; }
    const std::string &output() const { return output_; }
    pid_t pid() const { return pid_; }

  private:
    bool read_some(std::chrono::milliseconds timeout);
    // Reads output until the child exits or `timeout` passes; true if it exited.
    bool wait_draining(int &status, std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int output_fd_ = -1;
    std::string output_;
    bool end_of_output_ = false;  // the daemon closed its output (exited)
    size_t scanned_ = 0;          // lines before this offset were already matched
    std::string run_dir_;         // the daemon's --run-dir
    int metrics_port_ = 0;
    std::string own_temp_dir_;   // made here when no --run-dir was given
    std::string own_state_dir_;  // made here when no --state-file was given
};

// Path of a binary built into build/ (e.g. "fsev-bpf").
std::string built_binary(const std::string &name);

}  // namespace fsev::test
