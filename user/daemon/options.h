#pragma once

#include <string>
#include <vector>

namespace fsev {

struct DaemonOptions {
    bool verbose = false;  // libbpf debug messages on stderr
};

struct ParsedCommandLine {
    enum class Action { run, help, version, error };
    Action action = Action::run;
    DaemonOptions options;
    std::string error;  // for Action::error: what was wrong
};

ParsedCommandLine parse_command_line(const std::vector<std::string> &arguments);
std::string usage_text();
std::string version_text();

}  // namespace fsev
