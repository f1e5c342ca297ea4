#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/unique_fd.h"
#include "model/event.h"
#include "netlink/channel.h"
#include "netlink/fs_event_message.h"

namespace fsev {

// Multicasts FS_EVENT messages on NETLINK_GENERIC to one group. Sending to a
// group needs CAP_NET_ADMIN; without it every send fails with EPERM and is
// counted, never thrown. Safe to call from several threads: messages go out
// in sequence-number order.
// The abstract socket name a daemon holds (try_abstract_lock) while it
// sends to `group`, so no second daemon in the network namespace takes it.
std::string group_lock_name(uint32_t group);

class FsEventPublisher : public EventSink {
  public:
    explicit FsEventPublisher(const NetlinkChannel &channel);

    // Dumps the kernel's families and picks the channel (0 = choose; see
    // choose_channel), leaving out groups another live daemon holds the
    // group lock of (and saying so on stdout). Throws ChannelError for a
    // group or id a kernel family owns, std::system_error when netlink
    // itself fails.
    static NetlinkChannel choose(uint32_t requested_group, uint32_t requested_family_id);

    void deliver(const Event &event) override { publish(message_for_event(event)); }
    // Gives the message the next sequence number and sends it, or, while a
    // Batch is open, queues it for the batch's datagram.
    void publish(FsEventMessage message);

    // While one lives, messages are packed several to a datagram (each its
    // own netlink message: a reader walks them with NLMSG_NEXT) and sent
    // when the next would not fit, and when it ends. One sendto per
    // datagram instead of per message is what lets a storm through.
    class Batch {
      public:
        explicit Batch(FsEventPublisher &publisher);
        ~Batch();
        Batch(const Batch &) = delete;
        Batch &operator=(const Batch &) = delete;

      private:
        FsEventPublisher &publisher_;
    };
    // Largest datagram a batch makes: under one 4 KiB page, as the kernel's
    // own multi-message dumps, so readers with page-sized buffers get it
    // whole. A message longer than this goes alone.
    static constexpr size_t kMaxDatagramBytes = 3584;

    const NetlinkChannel &channel() const { return channel_; }
    uint64_t messages_sent() const { return messages_sent_; }
    uint64_t send_errors() const { return send_errors_; }     // for metrics
    int last_send_error() const { return last_send_error_; }  // errno, 0 when none

  private:
    // Sends `bytes` holding `messages` messages; sending_ held.
    void send_datagram(const std::vector<uint8_t> &bytes, uint64_t messages);
    void send_queued();  // sending_ held

    NetlinkChannel channel_;
    UniqueFd socket_;
    std::mutex sending_;
    uint32_t next_sequence_ = 1;
    int open_batches_ = 0;          // sending_ held
    std::vector<uint8_t> queued_;   // messages of the open batch, not yet sent
    uint64_t queued_messages_ = 0;  // how many messages queued_ holds
    std::atomic<uint64_t> messages_sent_{0};
    std::atomic<uint64_t> send_errors_{0};
    std::atomic<int> last_send_error_{0};
};

}  // namespace fsev
