#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "netlink/fs_event_message.h"

namespace fsev {

// One human line, attributes as key=value in wire order; the mount point
// escaped like /proc/self/mounts (space -> \040). Absent attributes are left out:
//   THRESH FS_THRESH_LR_REACHED seq=7 fs_id=1 dev=7:0 caused_pid=4242
//     available_blocks=9000 direction=filling block_size=4096
std::string human_line(const FsEventMessage &message);

// One JSON object (no newline), keys: seq, type, cmd, version, fs_id, mount,
// dev_major, dev_minor, event, id, caused_pid, available_blocks, direction,
// block_size; absent attributes are left out.
std::string json_line(const FsEventMessage &message);

// Notices lost messages from the sequence numbers of one publisher.
class SequenceTracker {
  public:
    // Returns a warning when `sequence` is not the one after the last seen.
    std::optional<std::string> observe(uint32_t sequence);
    uint64_t missed() const { return missed_; }

  private:
    std::optional<uint32_t> last_;
    uint64_t missed_ = 0;
};

}  // namespace fsev
