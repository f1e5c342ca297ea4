#include "netlink/kernel_families.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <memory>

#include "common/system_error.h"

namespace fsev {

namespace {

int collect_group(const nlattr *attribute, void *data) {
    auto *group = static_cast<KernelMulticastGroup *>(data);
    switch (mnl_attr_get_type(attribute)) {
        case CTRL_ATTR_MCAST_GRP_ID:
            if (mnl_attr_validate(attribute, MNL_TYPE_U32) >= 0)
                group->id = mnl_attr_get_u32(attribute);
            break;
        case CTRL_ATTR_MCAST_GRP_NAME:
            if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) >= 0)
                group->name = mnl_attr_get_str(attribute);
            break;
    }
    return MNL_CB_OK;
}

// CTRL_ATTR_MCAST_GROUPS is an array: nests indexed 1, 2, ... each holding one group.
int collect_groups(const nlattr *attribute, void *data) {
    auto *groups = static_cast<std::vector<KernelMulticastGroup> *>(data);
    if (mnl_attr_validate(attribute, MNL_TYPE_NESTED) < 0) return MNL_CB_OK;
    KernelMulticastGroup group;
    mnl_attr_parse_nested(attribute, collect_group, &group);
    if (group.id != 0) groups->push_back(group);
    return MNL_CB_OK;
}

int collect_family(const nlattr *attribute, void *data) {
    auto *family = static_cast<KernelFamily *>(data);
    switch (mnl_attr_get_type(attribute)) {
        case CTRL_ATTR_FAMILY_ID:
            if (mnl_attr_validate(attribute, MNL_TYPE_U16) >= 0)
                family->id = mnl_attr_get_u16(attribute);
            break;
        case CTRL_ATTR_FAMILY_NAME:
            if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) >= 0)
                family->name = mnl_attr_get_str(attribute);
            break;
        case CTRL_ATTR_MCAST_GROUPS:
            if (mnl_attr_validate(attribute, MNL_TYPE_NESTED) >= 0)
                mnl_attr_parse_nested(attribute, collect_groups, &family->groups);
            break;
    }
    return MNL_CB_OK;
}

int collect_dumped_family(const nlmsghdr *header, void *data) {
    auto *families = static_cast<std::vector<KernelFamily> *>(data);
    if (auto family = parse_family_message(header)) families->push_back(std::move(*family));
    return MNL_CB_OK;
}

struct SocketCloser {
    void operator()(mnl_socket *socket) const { mnl_socket_close(socket); }
};

}  // namespace

std::optional<KernelFamily> parse_family_message(const nlmsghdr *header) {
    if (header->nlmsg_type != GENL_ID_CTRL || header->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
        return std::nullopt;
    const auto *genl = static_cast<const genlmsghdr *>(mnl_nlmsg_get_payload(header));
    if (genl->cmd != CTRL_CMD_NEWFAMILY) return std::nullopt;
    KernelFamily family;
    mnl_attr_parse(header, sizeof(genlmsghdr), collect_family, &family);
    if (family.id == 0) return std::nullopt;
    return family;
}

std::vector<KernelFamily> dump_kernel_families() {
    std::unique_ptr<mnl_socket, SocketCloser> socket(
        mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC));
    if (!socket) throw last_system_error("open NETLINK_GENERIC socket");
    if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        throw last_system_error("bind NETLINK_GENERIC socket");

    std::vector<char> buffer(static_cast<size_t>(MNL_SOCKET_BUFFER_SIZE));
    nlmsghdr *request = mnl_nlmsg_put_header(buffer.data());
    request->nlmsg_type = GENL_ID_CTRL;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request->nlmsg_seq = 1;
    auto *genl = static_cast<genlmsghdr *>(mnl_nlmsg_put_extra_header(request, sizeof(genlmsghdr)));
    genl->cmd = CTRL_CMD_GETFAMILY;
    genl->version = 1;
    if (mnl_socket_sendto(socket.get(), request, request->nlmsg_len) < 0)
        throw last_system_error("send CTRL_CMD_GETFAMILY dump request");

    std::vector<KernelFamily> families;
    unsigned port = mnl_socket_get_portid(socket.get());
    int status = MNL_CB_OK;
    while (status > MNL_CB_STOP) {
        ssize_t got = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
        if (got < 0) throw last_system_error("receive the genetlink family dump");
        status = mnl_cb_run(buffer.data(), static_cast<size_t>(got), 1, port, collect_dumped_family,
                            &families);
        if (status < 0) throw last_system_error("parse the genetlink family dump");
    }
    return families;
}

}  // namespace fsev
