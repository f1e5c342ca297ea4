#pragma once

#include <stdexcept>
#include <string>

#include "netlink/channel.h"

namespace fsev {

// The read-only `netlink` file beside `config` in the run directory, so a
// consumer can find the channel without asking the daemon:
//
//     family=FS_EVENT
//     family_id=1024
//     version=1
//     group=event
//     group_id=31
std::string discovery_text(const NetlinkChannel &channel);

class DiscoveryError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// Reads that text back. Unknown keys are skipped (later versions may add
// some); a missing or bad family_id/group_id, another family name or another
// version throws DiscoveryError naming the problem.
NetlinkChannel parse_discovery_text(const std::string &text);

}  // namespace fsev
