#include "daemon/options.h"

#include <utility>

namespace fsev {

namespace {

// Checks HOST:PORT (HOST may be empty, a name, an IPv4 or a [IPv6] address).
bool valid_address(const std::string &address) {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = address.substr(0, colon);
    if (host.find(':') != std::string::npos && (host.front() != '[' || host.back() != ']'))
        return false;
    return parse_number_in_range(address.substr(colon + 1), 1, 65535).has_value();
}

}  // namespace

ParsedCommandLine parse_command_line(const std::vector<std::string> &arguments) {
    ParsedCommandLine parsed;
    DaemonOptions &options = parsed.options;
    OptionTable table;
    table.value("--run-dir", [&](const std::string &value) {
        if (value.empty() || value.front() != '/')
            return std::string("--run-dir needs an absolute path");
        options.run_dir = value;
        return std::string();
    });
    table.value("--config-file", [&](const std::string &value) {
        if (value.empty()) return std::string("--config-file needs a file name");
        options.config_file = value;
        return std::string();
    });
    table.value("--state-file", [&](const std::string &value) {
        if (value.empty() || value.back() == '/')
            return std::string("--state-file needs a file name");
        options.state_file = value;
        return std::string();
    });
    table.value("--metrics-address", [&](const std::string &value) {
        if (!valid_address(value)) return "--metrics-address '" + value + "' is not HOST:PORT";
        options.metrics_address = value;
        return std::string();
    });
    table.number("--genl-group", 1, 31, "a group number 1-31",
                 [&](uint64_t group) { options.genl_group = static_cast<uint32_t>(group); });
    // Below 16 are netlink's own control message types (NLMSG_MIN_TYPE).
    table.number("--genl-family-id", 16, 65535, "a number 16-65535",
                 [&](uint64_t id) { options.genl_family_id = static_cast<uint32_t>(id); });
    table.flag({"-v", "--verbose"}, [&] { options.verbose = true; });
    table.flag({"--print-records"}, [&] { options.print_records = true; });
    parsed.parse(arguments, std::move(table));
    return parsed;
}

std::string usage_text() {
    return "Usage: fsev-bpf [OPTION]...\n"
           "Watch filesystems through eBPF tracepoints and report space, error and mount events.\n"
           "Runs as root. Stops cleanly on SIGINT or SIGTERM.\n"
           "\n"
           "  --run-dir DIR            serve the config and netlink files in DIR (default "
           "/run/fsev)\n"
           "  --config-file FILE       apply the requests in FILE at start (config syntax, # "
           "comments)\n"
           "  --state-file FILE        record every accepted config write in FILE and restore\n"
           "                           it at start (default /var/lib/fsev/config.state)\n"
           "  --metrics-address H:P    serve Prometheus /metrics on H:P (default 127.0.0.1:9435)\n"
           "  --genl-group N           netlink multicast group 1-31 (default: a free one)\n"
           "  --genl-family-id N       netlink message type (default: one no kernel family uses)\n"
           "  --print-records          also print every ext4 space/error hook on every ext4\n"
           "                           filesystem, traced or not (debugging; verbose)\n"
           "  -v, --verbose            print libbpf's debug messages on stderr\n"
           "  -h, --help               show this help and exit\n"
           "  -V, --version            show the version and exit\n";
}

}  // namespace fsev
