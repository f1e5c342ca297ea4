#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fsev::test {

// build/fsev-listen started as a child, by default unprivileged (setpriv
// --reuid nobody --regid nogroup --clear-groups), with stdout (the decoded
// messages) and stderr (status, ENOBUFS, gaps) captured apart. The
// destructor stops it (SIGTERM, then SIGKILL).
//
//     ListenerProcess listener({"--json", "--run-dir", run_dir});
//     ASSERT_TRUE(listener.wait_until_listening(5s)) << listener.errors();
//     ... make events ...
//     auto messages = listener.wait_for_json(2, 10s);
class ListenerProcess {
  public:
    explicit ListenerProcess(const std::vector<std::string> &arguments, bool as_nobody = true);
    ~ListenerProcess();
    ListenerProcess(const ListenerProcess &) = delete;
    ListenerProcess &operator=(const ListenerProcess &) = delete;

    // Waits for "fsev-listen: listening ..." on stderr: the group is joined.
    bool wait_until_listening(std::chrono::milliseconds timeout);
    // Waits until stdout holds `count` complete lines (or the process ended);
    // returns every complete line so far.
    std::vector<std::string> wait_for_lines(size_t count, std::chrono::milliseconds timeout);
    // The same lines parsed as JSON (run with --json).
    std::vector<nlohmann::json> wait_for_json(size_t count, std::chrono::milliseconds timeout);
    // The JSON messages about `device` (by dev_major and dev_minor: other
    // daemons on the machine may share the group) received so far, waiting
    // until there are `count` or `timeout` passed.
    std::vector<nlohmann::json> wait_for_json_about(dev_t device, size_t count,
                                                    std::chrono::milliseconds timeout);
    // The first message named `event` (e.g. "FS_WARN_ENOSPC") about
    // `device`, waiting up to `timeout`; null when none came.
    nlohmann::json wait_for_event_about(dev_t device, const std::string &event,
                                        std::chrono::milliseconds timeout);
    // Waits until stderr contains `text`.
    bool wait_for_error_text(const std::string &text, std::chrono::milliseconds timeout);
    // Waits until stdout contains `text`.
    bool wait_for_output_text(const std::string &text, std::chrono::milliseconds timeout);
    // Waits for the exit (after --count or --timeout); the exit code, or -1.
    int wait_for_exit(std::chrono::milliseconds timeout);
    // Sends the signal and waits; the exit code, or -1 when killed by a signal.
    int stop(int signal_number = 15);

    pid_t pid() const { return pid_; }
    const std::string &output() const { return output_; }
    const std::string &errors() const { return errors_; }

  private:
    // Reads whatever either pipe has, waiting at most `timeout`.
    bool read_some(std::chrono::milliseconds timeout);
    bool wait_for_text(const std::string &captured, const std::string &text,
                       std::chrono::milliseconds timeout);
    int reap(bool wait);

    pid_t pid_ = -1;
    int exit_code_ = -1;
    int output_fd_ = -1;
    int errors_fd_ = -1;
    std::string output_;
    std::string errors_;
};

}  // namespace fsev::test
