// Choosing the multicast group and family id from the kernel's family dump.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <vector>

#include "netlink/channel.h"
#include "netlink/kernel_families.h"

namespace fsev {
namespace {

// A CTRL_CMD_NEWFAMILY message as the kernel sends it in a dump.
std::vector<char> family_message(uint16_t id, const char *name,
                                 const std::vector<KernelMulticastGroup> &groups) {
    std::vector<char> buffer(4096);
    nlmsghdr *header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = GENL_ID_CTRL;
    header->nlmsg_flags = NLM_F_MULTI;
    auto *genl = static_cast<genlmsghdr *>(mnl_nlmsg_put_extra_header(header, sizeof(genlmsghdr)));
    genl->cmd = CTRL_CMD_NEWFAMILY;
    genl->version = 2;
    mnl_attr_put_strz(header, CTRL_ATTR_FAMILY_NAME, name);
    mnl_attr_put_u16(header, CTRL_ATTR_FAMILY_ID, id);
    mnl_attr_put_u32(header, CTRL_ATTR_VERSION, 1);
    if (!groups.empty()) {
        nlattr *array = mnl_attr_nest_start(header, CTRL_ATTR_MCAST_GROUPS);
        uint16_t index = 1;
        for (const auto &group : groups) {
            nlattr *entry = mnl_attr_nest_start(header, index++);
            mnl_attr_put_u32(header, CTRL_ATTR_MCAST_GRP_ID, group.id);
            mnl_attr_put_strz(header, CTRL_ATTR_MCAST_GRP_NAME, group.name.c_str());
            mnl_attr_nest_end(header, entry);
        }
        mnl_attr_nest_end(header, array);
    }
    buffer.resize(header->nlmsg_len);
    return buffer;
}

const nlmsghdr *as_header(const std::vector<char> &buffer) {
    return reinterpret_cast<const nlmsghdr *>(buffer.data());
}

TEST(NetlinkFamilyDump, ParsesIdNameAndEveryMulticastGroup) {
    auto buffer = family_message(19, "thermal", {{2, "sampling"}, {3, "event"}});
    auto family = parse_family_message(as_header(buffer));
    ASSERT_TRUE(family);
    EXPECT_EQ(family->id, 19);
    EXPECT_EQ(family->name, "thermal");
    ASSERT_EQ(family->groups.size(), 2u);
    EXPECT_EQ(family->groups[0].id, 2u);
    EXPECT_EQ(family->groups[0].name, "sampling");
    EXPECT_EQ(family->groups[1].id, 3u);
    EXPECT_EQ(family->groups[1].name, "event");
}

TEST(NetlinkFamilyDump, FamilyWithoutGroups) {
    auto buffer = family_message(25, "ethtool", {});
    auto family = parse_family_message(as_header(buffer));
    ASSERT_TRUE(family);
    EXPECT_EQ(family->id, 25);
    EXPECT_TRUE(family->groups.empty());
}

TEST(NetlinkFamilyDump, IgnoresMessagesThatAreNotFamilies) {
    auto buffer = family_message(25, "ethtool", {});
    auto *header = reinterpret_cast<nlmsghdr *>(buffer.data());
    header->nlmsg_type = NLMSG_DONE;
    EXPECT_FALSE(parse_family_message(header));
    header->nlmsg_type = GENL_ID_CTRL;
    static_cast<genlmsghdr *>(mnl_nlmsg_get_payload(header))->cmd = CTRL_CMD_DELFAMILY;
    EXPECT_FALSE(parse_family_message(header));
}

// Roughly what this machine's kernel has (FACTS.md): thermal at 19, groups 2-10, 16, 17.
std::vector<KernelFamily> this_machine() {
    return {
        {16, "nlctrl", {{16, "notify"}}},
        {17, "VFS_DQUOT", {{17, "events"}}},
        {19, "thermal", {{2, "sampling"}, {3, "event"}}},
        {20, "acpi_event", {{4, "acpi_mc_group"}}},
        {21, "mptcp_pm", {{5, "mptcp_pm_cmd_grp"}}},
        {22, "ethtool", {{6, "monitor"}}},
        {23, "devlink", {{7, "config"}}},
        {24, "nl80211", {{8, "config"}, {9, "scan"}, {10, "regulatory"}}},
    };
}

TEST(NetlinkChannel, DefaultsToTheHighestFreeGroupAndAnIdAboveTheKernelRange) {
    NetlinkChannel channel = choose_channel(this_machine(), 0, 0);
    EXPECT_EQ(channel.group, 31u);
    EXPECT_EQ(channel.family_id, 1024);
    EXPECT_GT(channel.family_id, GENL_MAX_ID);
}

TEST(NetlinkChannel, DefaultSkipsTakenGroupsAndIds) {
    auto families = this_machine();
    families.push_back({1024, "future", {{31, "a"}, {30, "b"}}});
    families.push_back({1025, "future2", {}});
    NetlinkChannel channel = choose_channel(families, 0, 0);
    EXPECT_EQ(channel.group, 29u);
    EXPECT_EQ(channel.family_id, 1026);
}

TEST(NetlinkChannel, GroupsAnotherDaemonServesAreSkippedOrRefused) {
    auto other_daemon = [](uint32_t group) { return group == 31 || group == 30; };
    EXPECT_EQ(choose_channel(this_machine(), 0, 0, other_daemon).group, 29u);
    try {
        choose_channel(this_machine(), 30, 0, other_daemon);
        FAIL() << "group 30 was given to a second daemon";
    } catch (const ChannelError &error) {
        EXPECT_NE(std::string(error.what()).find("served by another fsev-bpf daemon"),
                  std::string::npos)
            << error.what();
    }
    EXPECT_EQ(choose_channel(this_machine(), 12, 0, other_daemon).group, 12u);
}

TEST(NetlinkChannel, RequestedFreeValuesAreTaken) {
    NetlinkChannel channel = choose_channel(this_machine(), 12, 40000);
    EXPECT_EQ(channel, (NetlinkChannel{40000, 12}));
}

TEST(NetlinkChannel, RequestedGroupOwnedByAKernelFamilyIsRefusedNamingTheOwner) {
    try {
        choose_channel(this_machine(), 9, 0);
        FAIL() << "group 9 accepted";
    } catch (const ChannelError &error) {
        EXPECT_STREQ(error.what(),
                     "netlink group 9 is owned by kernel family nl80211/scan; choose a free group "
                     "or leave --genl-group out");
    }
}

TEST(NetlinkChannel, StaticallyReservedGroupsAreRefusedEvenWhenNotInTheDump) {
    for (uint32_t group : {1u, 17u, 18u}) {
        EXPECT_TRUE(group_owner({}, group)) << group;
        EXPECT_THROW(choose_channel({}, group, 0), ChannelError) << group;
    }
    EXPECT_FALSE(group_owner({}, 11));
}

TEST(NetlinkChannel, RequestedFamilyIdOfAKernelFamilyIsRefused) {
    try {
        choose_channel(this_machine(), 0, 19);  // the RFC's static id, thermal's here
        FAIL() << "family id 19 accepted";
    } catch (const ChannelError &error) {
        EXPECT_NE(std::string(error.what()).find("registered by kernel family thermal"),
                  std::string::npos)
            << error.what();
    }
}

TEST(NetlinkChannel, OutOfRangeRequestsAreRefused) {
    EXPECT_THROW(choose_channel({}, 32, 0), ChannelError);
    EXPECT_THROW(choose_channel({}, 0, 15), ChannelError);
    EXPECT_THROW(choose_channel({}, 0, 65536), ChannelError);
}

TEST(NetlinkChannel, NoFreeGroupIsAnError) {
    KernelFamily greedy{30, "greedy", {}};
    for (uint32_t group = 1; group <= 31; ++group) greedy.groups.push_back({group, "g"});
    EXPECT_THROW(choose_channel({greedy}, 0, 0), ChannelError);
}

}  // namespace
}  // namespace fsev
