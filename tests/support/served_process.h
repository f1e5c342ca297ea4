#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace fsev::test {

// A server program a test runs (Prometheus, Alertmanager): started with its
// output in a log file, awaited on its /-/ready endpoint, stopped politely.

// Forks and execs `arguments` (PATH lookup) with stdout and stderr in
// `log_path` and no signals blocked. Throws std::runtime_error.
pid_t start_logged_process(std::vector<std::string> arguments, const std::string &log_path);

// Polls http://127.0.0.1:`port`/-/ready for up to 60 s. On failure stops
// the process, removes `directory` and throws with `name` and the log.
void wait_until_served(pid_t &pid, int port, const std::string &name, const std::string &log_path,
                       const std::string &directory);

// SIGTERM, up to 10 s, then SIGKILL; sets `pid` to -1.
void stop_process(pid_t &pid);

}  // namespace fsev::test
