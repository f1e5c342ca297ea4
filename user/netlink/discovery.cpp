#include "netlink/discovery.h"

#include <charconv>
#include <map>
#include <sstream>

#include "fsev/fs_event.h"

namespace fsev {

std::string discovery_text(const NetlinkChannel &channel) {
    return std::string("family=") + FS_EVENT_FAMILY_NAME + "\n" +
           "family_id=" + std::to_string(channel.family_id) + "\n" +
           "version=" + std::to_string(FS_EVENT_VERSION) + "\n" +
           "group=" + FS_EVENT_MCAST_GROUP_NAME + "\n" +
           "group_id=" + std::to_string(channel.group) + "\n";
}

namespace {

uint32_t number_for(const std::map<std::string, std::string> &values, const std::string &key,
                    uint32_t low, uint32_t high) {
    auto found = values.find(key);
    if (found == values.end()) throw DiscoveryError("no " + key + "= line");
    const std::string &text = found->second;
    uint32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
        throw DiscoveryError(key + "='" + text + "' is not a number " + std::to_string(low) + "-" +
                             std::to_string(high));
    return value;
}

}  // namespace

NetlinkChannel parse_discovery_text(const std::string &text) {
    std::map<std::string, std::string> values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        size_t equals = line.find('=');
        if (equals == std::string::npos) throw DiscoveryError("line '" + line + "' has no '='");
        values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    if (auto family = values.find("family");
        family != values.end() && family->second != FS_EVENT_FAMILY_NAME)
        throw DiscoveryError("family '" + family->second + "' is not " FS_EVENT_FAMILY_NAME);
    if (auto version = values.find("version");
        version != values.end() && version->second != std::to_string(FS_EVENT_VERSION))
        throw DiscoveryError("version=" + version->second + " is not the version " +
                             std::to_string(FS_EVENT_VERSION) + " this consumer understands");
    NetlinkChannel channel;
    channel.family_id = static_cast<uint16_t>(number_for(values, "family_id", 16, 65535));
    channel.group = number_for(values, "group_id", 1, 31);
    return channel;
}

}  // namespace fsev
