#include "listen_options.h"

#include <functional>
#include <map>

#include "common/command_line.h"

namespace fsev {

namespace {

std::optional<uint64_t> parse_number(const std::string &text, uint64_t low, uint64_t high) {
    return parse_number_in_range(text, low, high);
}

}  // namespace

ParsedListenCommandLine parse_listen_command_line(const std::vector<std::string> &arguments) {
    ParsedListenCommandLine parsed;
    ListenOptions &options = parsed.options;
    auto fail = [&parsed](const std::string &message) {
        parsed.action = ParsedListenCommandLine::Action::error;
        parsed.error = message;
        return parsed;
    };
    bool file_given = false;

    std::map<std::string, std::function<std::string(const std::string &)>> with_value = {
        {"--run-dir",
         [&](const std::string &value) {
             if (value.empty()) return std::string("--run-dir needs a directory");
             options.discovery_file = value + "/netlink";
             file_given = true;
             return std::string();
         }},
        {"--file",
         [&](const std::string &value) {
             if (value.empty()) return std::string("--file needs a file name");
             options.discovery_file = value;
             file_given = true;
             return std::string();
         }},
        {"--family-id",
         [&](const std::string &value) {
             auto id = parse_number(value, 16, 65535);
             if (!id) return "--family-id '" + value + "' is not a number 16-65535";
             options.family_id = static_cast<uint16_t>(*id);
             return std::string();
         }},
        {"--group",
         [&](const std::string &value) {
             auto group = parse_number(value, 1, 31);
             if (!group) return "--group '" + value + "' is not a group number 1-31";
             options.group = static_cast<uint32_t>(*group);
             return std::string();
         }},
        {"--count",
         [&](const std::string &value) {
             auto count = parse_number(value, 1, UINT64_MAX);
             if (!count) return "--count '" + value + "' is not a positive number";
             options.count = *count;
             return std::string();
         }},
        {"--timeout",
         [&](const std::string &value) {
             auto seconds = parse_number(value, 1, 86400);
             if (!seconds) return "--timeout '" + value + "' is not a number of seconds 1-86400";
             options.timeout_seconds = static_cast<uint32_t>(*seconds);
             return std::string();
         }},
        {"--rcvbuf",
         [&](const std::string &value) {
             auto bytes = parse_number(value, 1, 1u << 30);
             if (!bytes) return "--rcvbuf '" + value + "' is not a number of bytes";
             options.receive_buffer = static_cast<int>(*bytes);
             return std::string();
         }},
    };

    OptionTable table;
    table.with_value = std::move(with_value);
    table.flags = {
        {"-h", [&] { parsed.action = ParsedListenCommandLine::Action::help; }},
        {"--help", [&] { parsed.action = ParsedListenCommandLine::Action::help; }},
        {"-V", [&] { parsed.action = ParsedListenCommandLine::Action::version; }},
        {"--version", [&] { parsed.action = ParsedListenCommandLine::Action::version; }},
        {"--json", [&] { options.json = true; }},
    };
    if (std::string error = parse_options(arguments, table); !error.empty()) return fail(error);
    if (options.family_id.has_value() != options.group.has_value())
        return fail("--family-id and --group go together");
    if (options.family_id && file_given)
        return fail("give either --family-id/--group or --run-dir/--file, not both");
    return parsed;
}

std::string listen_usage_text() {
    return "Usage: fsev-listen [OPTION]...\n"
           "Print the FS_EVENT netlink messages fsev-bpf multicasts, one line each.\n"
           "Any user may run it. Stops cleanly on SIGINT or SIGTERM.\n"
           "\n"
           "Where to listen (default: read /run/fsev/netlink):\n"
           "  --run-dir DIR        read DIR/netlink (the daemon's --run-dir)\n"
           "  --file FILE          read the discovery file FILE\n"
           "  --family-id N --group G   use this family id and group, read no file\n"
           "\n"
           "Output:\n"
           "  --json               one JSON object per line instead of a human line\n"
           "  --count N            exit 0 after N messages\n"
           "  --timeout S          exit 1 after S seconds if --count or a signal did not end it\n"
           "  --rcvbuf BYTES       socket receive buffer size (small: messages get lost)\n"
           "  -h, --help           show this help and exit\n"
           "  -V, --version        show the version and exit\n"
           "\n"
           "Lost messages (receive buffer full: ENOBUFS) and gaps in the sequence\n"
           "numbers are reported on stderr; listening goes on.\n";
}

std::string listen_version_text() {
    return std::string("fsev-listen ") + FSEV_VERSION + "\n";
}

}  // namespace fsev
