#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "netlink/channel.h"
#include "netlink/fs_event_message.h"

namespace fsev {

// A socket that joined the FS_EVENT multicast group. Joining needs no
// privilege. Only messages of the channel's family id are kept; the group may
// carry others' messages too.
class FsEventSubscriber {
  public:
    // receive_buffer: SO_RCVBUF in bytes, 0 for the system default.
    explicit FsEventSubscriber(const NetlinkChannel &channel, int receive_buffer = 0);

    struct Batch {
        std::vector<FsEventMessage> messages;
        std::vector<std::string> malformed;  // why each bad message of our family was dropped
        bool overflowed = false;  // ENOBUFS: the receive buffer was full, messages were lost
    };
    // Everything queued now; never blocks.
    Batch receive();
    // Blocks until `count` messages arrived or `timeout` passed; returns what came.
    Batch receive_at_least(size_t count, std::chrono::milliseconds timeout);

    int fd() const { return socket_.get(); }
    const NetlinkChannel &channel() const { return channel_; }

  private:
    NetlinkChannel channel_;
    UniqueFd socket_;
};

}  // namespace fsev
