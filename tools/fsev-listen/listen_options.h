#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/command_line.h"

namespace fsev {

struct ListenOptions {
    std::string discovery_file = "/run/fsev/netlink";  // read when no --family-id/--group
    std::optional<uint16_t> family_id;                 // with group: skip the file
    std::optional<uint32_t> group;
    bool json = false;             // one JSON object per line instead of a human line
    uint64_t count = 0;            // exit 0 after this many messages; 0 = run until a signal
    uint32_t timeout_seconds = 0;  // exit 1 when nothing ends the run earlier; 0 = never
    int receive_buffer = 0;        // SO_RCVBUF bytes; 0 = the system default
};

using ParsedListenCommandLine = ParsedArguments<ListenOptions>;

ParsedListenCommandLine parse_listen_command_line(const std::vector<std::string> &arguments);
std::string listen_usage_text();

}  // namespace fsev
