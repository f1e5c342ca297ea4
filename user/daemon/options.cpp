#include "daemon/options.h"

namespace fsev {

ParsedCommandLine parse_command_line(const std::vector<std::string> &arguments) {
    ParsedCommandLine parsed;
    for (const std::string &argument : arguments) {
        if (argument == "-h" || argument == "--help") {
            parsed.action = ParsedCommandLine::Action::help;
        } else if (argument == "-V" || argument == "--version") {
            parsed.action = ParsedCommandLine::Action::version;
        } else if (argument == "-v" || argument == "--verbose") {
            parsed.options.verbose = true;
        } else {
            parsed.action = ParsedCommandLine::Action::error;
            parsed.error = "unknown option '" + argument + "'";
            return parsed;
        }
    }
    return parsed;
}

std::string usage_text() {
    return "Usage: fsev-bpf [OPTION]...\n"
           "Watch ext4 filesystems through eBPF tracepoints and report space and error events.\n"
           "Runs as root. Stops cleanly on SIGINT or SIGTERM.\n"
           "\n"
           "  -v, --verbose   print libbpf's debug messages on stderr\n"
           "  -h, --help      show this help and exit\n"
           "  -V, --version   show the version and exit\n";
}

std::string version_text() {
    return std::string("fsev-bpf ") + FSEV_VERSION + "\n";
}

}  // namespace fsev
