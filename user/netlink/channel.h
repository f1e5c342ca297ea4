#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "netlink/kernel_families.h"

namespace fsev {

// Where FS_EVENT messages go: the nlmsg_type they carry and the multicast
// group they are sent to.
struct NetlinkChannel {
    uint16_t family_id = 0;
    uint32_t group = 0;  // 1..31
    bool operator==(const NetlinkChannel &) const = default;
};

// The highest group a sender can address (sockaddr_nl.nl_groups is a 32-bit mask).
constexpr uint32_t kMaxSendableGroup = 31;
// The kernel hands genetlink family ids out of 19..GENL_MAX_ID (1023); the
// default starts above, where no kernel family can ever be registered.
constexpr uint16_t kDefaultFamilyIdBase = 1024;

// A requested group or family id that cannot be used; the message says why.
class ChannelError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// Who owns `group`: "FAMILY/GROUP" for a group in the dump, or a family that
// the kernel assigns it to statically even while its module is not loaded
// (drop monitor: 1, VFS_DQUOT: 17, pmcraid: 18). Nothing when free.
std::optional<std::string> group_owner(const std::vector<KernelFamily> &families, uint32_t group);

// Chooses the channel. requested_group / requested_family_id 0 mean "pick":
// the highest free group (the kernel hands new groups out lowest first, so a
// module loaded later is least likely to take it) and the lowest unregistered
// id from kDefaultFamilyIdBase. A requested value a kernel family owns is
// refused with ChannelError. `served_by_other_daemon` tells which groups
// another fsev-bpf daemon already sends to: skipped when picking, refused
// when requested (subscribers could not tell two daemons' messages apart).
using GroupTaken = std::function<bool(uint32_t group)>;
NetlinkChannel choose_channel(const std::vector<KernelFamily> &families, uint32_t requested_group,
                              uint32_t requested_family_id,
                              const GroupTaken &served_by_other_daemon = {});

}  // namespace fsev
