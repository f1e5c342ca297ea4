#include "netlink/subscriber.h"

#include <libmnl/libmnl.h>
#include <poll.h>
#include <sys/socket.h>

#include "common/system_error.h"

namespace fsev {

FsEventSubscriber::FsEventSubscriber(const NetlinkChannel &channel, int receive_buffer)
    : channel_(channel),
      socket_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC)) {
    if (!socket_.valid()) throw last_system_error("open NETLINK_GENERIC socket");
    if (receive_buffer > 0 && ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                                           sizeof receive_buffer) != 0)
        throw last_system_error("set SO_RCVBUF");
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    if (::bind(socket_.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        throw last_system_error("bind NETLINK_GENERIC socket");
    int group = static_cast<int>(channel.group);
    if (::setsockopt(socket_.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
        throw last_system_error("join netlink multicast group " + std::to_string(group));
}

FsEventSubscriber::Batch FsEventSubscriber::receive() {
    Batch batch;
    std::vector<char> buffer(65536);  // one datagram: a message is far smaller
    while (true) {
        ssize_t got = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {
                batch.overflowed = true;
                continue;  // the error is reported once; what is still queued follows
            }
            if (errno == EAGAIN) return batch;
            throw last_system_error("receive from netlink group");
        }
        int left = static_cast<int>(got);
        const auto *header = reinterpret_cast<const nlmsghdr *>(buffer.data());
        while (mnl_nlmsg_ok(header, left)) {
            try {
                if (auto message =
                        decode_message(header, static_cast<size_t>(left), channel_.family_id))
                    batch.messages.push_back(std::move(*message));
            } catch (const MalformedMessage &error) {
                batch.malformed.push_back(error.what());
            }
            header = mnl_nlmsg_next(header, &left);
        }
    }
}

FsEventSubscriber::Batch FsEventSubscriber::receive_at_least(size_t count,
                                                             std::chrono::milliseconds timeout) {
    Batch all;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (all.messages.size() < count) {
        Batch more = receive();
        all.overflowed = all.overflowed || more.overflowed;
        for (auto &message : more.messages) all.messages.push_back(std::move(message));
        for (auto &reason : more.malformed) all.malformed.push_back(std::move(reason));
        if (all.messages.size() >= count) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd readable{socket_.get(), POLLIN, 0};
        ::poll(&readable, 1, static_cast<int>(left.count()));
    }
    return all;
}

}  // namespace fsev
