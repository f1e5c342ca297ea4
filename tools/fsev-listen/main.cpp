// fsev-listen: the reference FS_EVENT consumer. Finds the channel in the
// daemon's discovery file (or flags), joins the multicast group as any user
// and prints each message as one line.
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/timer.h"
#include "listen_options.h"
#include "message_text.h"
#include "netlink/discovery.h"
#include "netlink/subscriber.h"

namespace {

fsev::NetlinkChannel channel_from(const fsev::ListenOptions &options) {
    if (options.family_id) return {*options.family_id, *options.group};
    std::ifstream file(options.discovery_file);
    if (!file)
        throw std::runtime_error("cannot read " + options.discovery_file + ": " +
                                 std::strerror(errno) +
                                 " (is fsev-bpf running? see --run-dir, --file)");
    std::ostringstream text;
    text << file.rdbuf();
    try {
        return fsev::parse_discovery_text(text.str());
    } catch (const fsev::DiscoveryError &error) {
        throw std::runtime_error(options.discovery_file + ": " + error.what());
    }
}

int listen(const fsev::ListenOptions &options) {
    fsev::NetlinkChannel channel = channel_from(options);
    fsev::EventLoop loop;  // SIGINT/SIGTERM end the loop; exit 0
    fsev::FsEventSubscriber subscriber(channel, options.receive_buffer);
    fsev::SequenceTracker sequence;
    uint64_t printed = 0;
    int exit_code = 0;

    loop.watch(subscriber.fd(), [&] {
        fsev::FsEventSubscriber::Batch batch = subscriber.receive();
        if (batch.overflowed)
            std::cerr << "fsev-listen: ENOBUFS: receive buffer overflowed, messages were lost "
                         "(listener too slow); listening on\n";
        for (const auto &reason : batch.malformed)
            std::cerr << "fsev-listen: dropped a malformed message: " << reason << "\n";
        for (const auto &message : batch.messages) {
            if (options.count && printed >= options.count) break;
            if (auto warning = sequence.observe(message.sequence))
                std::cerr << "fsev-listen: " << *warning << "\n";
            std::cout << (options.json ? fsev::json_line(message) : fsev::human_line(message))
                      << "\n";
            ++printed;
        }
        std::cout.flush();
        std::cerr.flush();
        if (options.count && printed >= options.count) loop.stop();
    });

    std::optional<fsev::Timer> timeout;
    if (options.timeout_seconds) {
        timeout.emplace("--timeout");
        timeout->start_once(std::chrono::seconds(options.timeout_seconds));
        loop.watch(timeout->fd(), [&] {
            std::cerr << "fsev-listen: timed out after " << options.timeout_seconds << " s with "
                      << printed << " message(s)\n";
            exit_code = 1;
            loop.stop();
        });
    }

    // Tests and scripts wait for this line before making events.
    std::cerr << "fsev-listen: listening to " FS_EVENT_FAMILY_NAME " family_id=" +
                     std::to_string(channel.family_id) +
                     " group_id=" + std::to_string(channel.group) + "\n";
    loop.run();
    return exit_code;
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    fsev::ParsedListenCommandLine parsed = fsev::parse_listen_command_line(arguments);
    return fsev::run_command(parsed, "fsev-listen", fsev::listen_usage_text(),
                             [&] { return listen(parsed.options); });
}
