#pragma once

#include <sys/types.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

namespace fsev::test {

// The real build/fsev-bpf started as a child process with its stdout and
// stderr captured. The destructor stops it (SIGTERM, then SIGKILL).
class DaemonProcess {
  public:
    explicit DaemonProcess(const std::vector<std::string> &arguments = {});
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess &) = delete;
    DaemonProcess &operator=(const DaemonProcess &) = delete;

    // Waits until a line of output matches; returns it, or "" on timeout.
    std::string wait_for_line(const std::regex &pattern, std::chrono::milliseconds timeout);
    // Sends SIGTERM and waits; returns the exit status (-1 if killed).
    int stop(int signal_number = 15);
    const std::string &output() const { return output_; }
    pid_t pid() const { return pid_; }

  private:
    bool read_some(std::chrono::milliseconds timeout);
    void wait_draining_output();

    pid_t pid_ = -1;
    int output_fd_ = -1;
    std::string output_;
    bool end_of_output_ = false;  // the daemon closed its output (exited)
    size_t scanned_ = 0;          // lines before this offset were already matched
};

// Path of a binary built into build/ (e.g. "fsev-bpf").
std::string built_binary(const std::string &name);

}  // namespace fsev::test
