#include "listen_options.h"

#include <utility>

namespace fsev {

ParsedListenCommandLine parse_listen_command_line(const std::vector<std::string> &arguments) {
    ParsedListenCommandLine parsed;
    ListenOptions &options = parsed.options;
    bool file_given = false;
    OptionTable table;
    table.value("--run-dir", [&](const std::string &value) {
        if (value.empty()) return std::string("--run-dir needs a directory");
        options.discovery_file = value + "/netlink";
        file_given = true;
        return std::string();
    });
    table.value("--file", [&](const std::string &value) {
        if (value.empty()) return std::string("--file needs a file name");
        options.discovery_file = value;
        file_given = true;
        return std::string();
    });
    table.number("--family-id", 16, 65535, "a number 16-65535",
                 [&](uint64_t id) { options.family_id = static_cast<uint16_t>(id); });
    table.number("--group", 1, 31, "a group number 1-31",
                 [&](uint64_t group) { options.group = static_cast<uint32_t>(group); });
    table.number("--count", 1, UINT64_MAX, "a positive number",
                 [&](uint64_t count) { options.count = count; });
    table.number("--timeout", 1, 86400, "a number of seconds 1-86400", [&](uint64_t seconds) {
        options.timeout_seconds = static_cast<uint32_t>(seconds);
    });
    table.number("--rcvbuf", 1, 1u << 30, "a number of bytes",
                 [&](uint64_t bytes) { options.receive_buffer = static_cast<int>(bytes); });
    table.flag({"--json"}, [&] { options.json = true; });
    parsed.parse(arguments, std::move(table));
    if (parsed.action == CommandAction::error) return parsed;
    if (options.family_id.has_value() != options.group.has_value())
        parsed.fail("--family-id and --group go together");
    else if (options.family_id && file_given)
        parsed.fail("give either --family-id/--group or --run-dir/--file, not both");
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

}  // namespace fsev
