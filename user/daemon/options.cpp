#include "daemon/options.h"

#include <functional>
#include <map>

#include "common/command_line.h"

namespace fsev {

namespace {

std::optional<uint32_t> parse_number(const std::string &text, uint32_t low, uint32_t high) {
    auto value = parse_number_in_range(text, low, high);
    if (!value) return std::nullopt;
    return static_cast<uint32_t>(*value);
}

// Checks HOST:PORT (HOST may be empty, a name, an IPv4 or a [IPv6] address).
bool valid_address(const std::string &address) {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = address.substr(0, colon);
    if (host.find(':') != std::string::npos && (host.front() != '[' || host.back() != ']'))
        return false;
    return parse_number(address.substr(colon + 1), 1, 65535).has_value();
}

}  // namespace

ParsedCommandLine parse_command_line(const std::vector<std::string> &arguments) {
    ParsedCommandLine parsed;
    DaemonOptions &options = parsed.options;
    auto fail = [&parsed](const std::string &message) {
        parsed.action = ParsedCommandLine::Action::error;
        parsed.error = message;
        return parsed;
    };

    // Options that take a value: each returns an error message or "".
    std::map<std::string, std::function<std::string(const std::string &)>> with_value = {
        {"--run-dir",
         [&](const std::string &value) {
             if (value.empty() || value.front() != '/')
                 return std::string("--run-dir needs an absolute path");
             options.run_dir = value;
             return std::string();
         }},
        {"--config-file",
         [&](const std::string &value) {
             if (value.empty()) return std::string("--config-file needs a file name");
             options.config_file = value;
             return std::string();
         }},
        {"--state-file",
         [&](const std::string &value) {
             if (value.empty() || value.back() == '/')
                 return std::string("--state-file needs a file name");
             options.state_file = value;
             return std::string();
         }},
        {"--metrics-address",
         [&](const std::string &value) {
             if (!valid_address(value)) return "--metrics-address '" + value + "' is not HOST:PORT";
             options.metrics_address = value;
             return std::string();
         }},
        {"--genl-group",
         [&](const std::string &value) {
             auto group = parse_number(value, 1, 31);
             if (!group) return "--genl-group '" + value + "' is not a group number 1-31";
             options.genl_group = *group;
             return std::string();
         }},
        {"--genl-family-id",
         [&](const std::string &value) {
             // Below 16 are netlink's own control message types (NLMSG_MIN_TYPE).
             auto id = parse_number(value, 16, 65535);
             if (!id) return "--genl-family-id '" + value + "' is not a number 16-65535";
             options.genl_family_id = *id;
             return std::string();
         }},
    };

    OptionTable table;
    table.with_value = std::move(with_value);
    table.flags = {
        {"-h", [&] { parsed.action = ParsedCommandLine::Action::help; }},
        {"--help", [&] { parsed.action = ParsedCommandLine::Action::help; }},
        {"-V", [&] { parsed.action = ParsedCommandLine::Action::version; }},
        {"--version", [&] { parsed.action = ParsedCommandLine::Action::version; }},
        {"-v", [&] { options.verbose = true; }},
        {"--verbose", [&] { options.verbose = true; }},
        {"--print-records", [&] { options.print_records = true; }},
    };
    if (std::string error = parse_options(arguments, table); !error.empty()) return fail(error);
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

std::string version_text() {
    return std::string("fsev-bpf ") + FSEV_VERSION + "\n";
}

}  // namespace fsev
