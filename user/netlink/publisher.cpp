#include "netlink/publisher.h"

#include <sys/socket.h>

#include <iostream>
#include <vector>

#include "common/abstract_lock.h"
#include "common/system_error.h"
#include "netlink/kernel_families.h"

namespace fsev {

FsEventPublisher::FsEventPublisher(const NetlinkChannel &channel)
    : channel_(channel),
      socket_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC)) {
    if (!socket_.valid()) throw last_system_error("open NETLINK_GENERIC socket");
    if (channel.group < 1 || channel.group > kMaxSendableGroup)
        throw ChannelError("netlink group " + std::to_string(channel.group) + " is not 1-31");
}

std::string group_lock_name(uint32_t group) {
    return "fsev-bpf/genl-group/" + std::to_string(group);
}

NetlinkChannel FsEventPublisher::choose(uint32_t requested_group, uint32_t requested_family_id) {
    std::vector<uint32_t> skipped;
    auto served_by_other_daemon = [&skipped](uint32_t group) {
        bool taken = !try_abstract_lock(group_lock_name(group)).valid();
        if (taken) skipped.push_back(group);
        return taken;
    };
    NetlinkChannel channel = choose_channel(dump_kernel_families(), requested_group,
                                            requested_family_id, served_by_other_daemon);
    for (uint32_t group : skipped)
        std::cout << "fsev-bpf: netlink: group " << group
                  << " is served by another fsev-bpf daemon; not using it" << std::endl;
    return channel;
}

void FsEventPublisher::publish(FsEventMessage message) {
    std::lock_guard lock(sending_);
    message.sequence = next_sequence_++;
    std::vector<uint8_t> bytes = encode_message(message, channel_.family_id);
    if (open_batches_ == 0) {
        send_datagram(bytes, 1);
        return;
    }
    if (!queued_.empty() && queued_.size() + bytes.size() > kMaxDatagramBytes) send_queued();
    // Each message is padded to NLMSG_ALIGNTO already (encode_message), so
    // the next one starts where a reader's NLMSG_NEXT looks.
    queued_.insert(queued_.end(), bytes.begin(), bytes.end());
    ++queued_messages_;
}

void FsEventPublisher::send_queued() {
    if (queued_.empty()) return;
    send_datagram(queued_, queued_messages_);
    queued_.clear();
    queued_messages_ = 0;
}

void FsEventPublisher::send_datagram(const std::vector<uint8_t> &bytes, uint64_t messages) {
    sockaddr_nl destination{};
    destination.nl_family = AF_NETLINK;
    destination.nl_pid = 0;
    destination.nl_groups = 1u << (channel_.group - 1);
    // Messages carry no NLM_F_REQUEST, so the kernel's genetlink side (which
    // also sees every message sent on the socket) ignores them and sends no reply.
    ssize_t sent = ::sendto(socket_.get(), bytes.data(), bytes.size(), MSG_DONTWAIT,
                            reinterpret_cast<const sockaddr *>(&destination), sizeof destination);
    if (sent < 0) {
        send_errors_ += messages;  // every message of the datagram is lost, and counted
        last_send_error_ = errno;
        return;
    }
    messages_sent_ += messages;
}

FsEventPublisher::Batch::Batch(FsEventPublisher &publisher) : publisher_(publisher) {
    std::lock_guard lock(publisher_.sending_);
    ++publisher_.open_batches_;
}

FsEventPublisher::Batch::~Batch() {
    std::lock_guard lock(publisher_.sending_);
    if (--publisher_.open_batches_ == 0) publisher_.send_queued();
}

}  // namespace fsev
