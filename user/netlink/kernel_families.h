#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fsev {

struct KernelMulticastGroup {
    uint32_t id = 0;
    std::string name;
};

// One generic-netlink family the kernel has registered, as CTRL_CMD_GETFAMILY reports it.
struct KernelFamily {
    uint16_t id = 0;
    std::string name;
    std::vector<KernelMulticastGroup> groups;
};

// Parses one CTRL_CMD_NEWFAMILY message of a family dump. Returns nothing
// for messages that are not a family description.
std::optional<KernelFamily> parse_family_message(const nlmsghdr *header);

// Asks the kernel for every registered family (CTRL_CMD_GETFAMILY, NLM_F_DUMP).
// Needs no privilege. Throws std::system_error when the dump fails.
std::vector<KernelFamily> dump_kernel_families();

}  // namespace fsev
