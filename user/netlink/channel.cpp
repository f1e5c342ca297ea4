#include "netlink/channel.h"

#include <linux/genetlink.h>

#include <algorithm>

namespace fsev {

namespace {

const KernelFamily *family_with_id(const std::vector<KernelFamily> &families, uint32_t id) {
    auto found = std::find_if(families.begin(), families.end(),
                              [id](const KernelFamily &family) { return family.id == id; });
    return found == families.end() ? nullptr : &*found;
}

}  // namespace

std::optional<std::string> group_owner(const std::vector<KernelFamily> &families, uint32_t group) {
    for (const auto &family : families)
        for (const auto &owned : family.groups)
            if (owned.id == group) return family.name + "/" + owned.name;
    // Reserved in the kernel's group bitmap from boot (net/netlink/genetlink.c).
    switch (group) {
        case 1:
            return std::string("NET_DM (drop monitor; reserved by the kernel)");
        case GENL_ID_VFS_DQUOT:
            return std::string("VFS_DQUOT (disk quota; reserved by the kernel)");
        case GENL_ID_PMCRAID:
            return std::string("pmcraid (reserved by the kernel)");
    }
    return std::nullopt;
}

NetlinkChannel choose_channel(const std::vector<KernelFamily> &families, uint32_t requested_group,
                              uint32_t requested_family_id,
                              const GroupTaken &served_by_other_daemon) {
    auto other_daemon = [&](uint32_t group) {
        return served_by_other_daemon && served_by_other_daemon(group);
    };
    NetlinkChannel channel;
    if (requested_group != 0) {
        if (requested_group > kMaxSendableGroup)
            throw ChannelError("netlink group " + std::to_string(requested_group) +
                               " cannot be addressed by a sender (1-31 only)");
        if (auto owner = group_owner(families, requested_group))
            throw ChannelError("netlink group " + std::to_string(requested_group) +
                               " is owned by kernel family " + *owner +
                               "; choose a free group or leave --genl-group out");
        if (other_daemon(requested_group))
            throw ChannelError("netlink group " + std::to_string(requested_group) +
                               " is served by another fsev-bpf daemon in this network namespace;"
                               " choose another group or leave --genl-group out");
        channel.group = requested_group;
    } else {
        for (uint32_t group = kMaxSendableGroup; group >= 1 && channel.group == 0; --group)
            if (!group_owner(families, group) && !other_daemon(group)) channel.group = group;
        if (channel.group == 0)
            throw ChannelError(
                "every netlink multicast group 1-31 is owned by a kernel family or another "
                "fsev-bpf daemon");
    }

    if (requested_family_id != 0) {
        if (requested_family_id < NLMSG_MIN_TYPE || requested_family_id > 0xffff)
            throw ChannelError("netlink family id " + std::to_string(requested_family_id) +
                               " is not in 16-65535");
        if (const KernelFamily *owner = family_with_id(families, requested_family_id))
            throw ChannelError("netlink family id " + std::to_string(requested_family_id) +
                               " is registered by kernel family " + owner->name +
                               "; choose another or leave --genl-family-id out");
        channel.family_id = static_cast<uint16_t>(requested_family_id);
    } else {
        uint32_t id = kDefaultFamilyIdBase;
        while (id <= 0xffff && family_with_id(families, id)) ++id;
        if (id > 0xffff) throw ChannelError("no free netlink family id");
        channel.family_id = static_cast<uint16_t>(id);
    }
    return channel;
}

}  // namespace fsev
