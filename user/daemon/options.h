#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/command_line.h"

namespace fsev {

struct DaemonOptions {
    bool verbose = false;               // libbpf debug messages on stderr
    bool print_records = false;         // every ext4 hook on every ext4 fs on stdout (debugging)
    std::string run_dir = "/run/fsev";  // FUSE mount with `config` and `netlink`
    std::optional<std::string> config_file;                 // requests applied at start
    std::string state_file = "/var/lib/fsev/config.state";  // accepted writes, kept across restarts
    std::string metrics_address = "127.0.0.1:9435";         // HOST:PORT for /metrics
    uint32_t genl_group = 0;                                // multicast group; 0 = pick a free one
    uint32_t genl_family_id = 0;  // netlink message type; 0 = pick a free one
};

using ParsedCommandLine = ParsedArguments<DaemonOptions>;

ParsedCommandLine parse_command_line(const std::vector<std::string> &arguments);
std::string usage_text();

}  // namespace fsev
