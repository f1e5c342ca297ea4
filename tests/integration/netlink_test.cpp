// FS_EVENT multicast on the real kernel: a publisher in this process, the
// real fsev-listen as an unprivileged user, the real fsev-bpf's channel choice.
#include <gtest/gtest.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "netlink/channel.h"
#include "netlink/discovery.h"
#include "netlink/kernel_families.h"
#include "netlink/new_trace_announcer.h"
#include "netlink/publisher.h"
#include "netlink/subscriber.h"
#include "support/command.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/root_required.h"
#include "support/sample_events.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::ListenerProcess;
using test::sample_event;

// Other worktrees' tests and daemons may multicast on the same group at the
// same time; a family id of our own keeps their messages out of ours.
NetlinkChannel private_channel() {
    std::random_device random;
    uint32_t family_id = 40000 + random() % 20000;
    return choose_channel(dump_kernel_families(), 0, family_id);
}

std::vector<std::string> channel_flags(const NetlinkChannel &channel) {
    return {"--family-id", std::to_string(channel.family_id), "--group",
            std::to_string(channel.group)};
}

// A temporary run directory any user can read, holding a `netlink` file.
class RunDirectory {
  public:
    explicit RunDirectory(const std::string &netlink_text) {
        char name[] = "/tmp/fsev-netlink-test.XXXXXX";
        if (!::mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
        path_ = name;
        ::chmod(path_.c_str(), 0755);
        std::ofstream(path_ + "/netlink") << netlink_text;
        ::chmod((path_ + "/netlink").c_str(), 0444);
    }
    ~RunDirectory() { std::filesystem::remove_all(path_); }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

TEST(NetlinkKernel, FamilyDumpListsTheController) {
    std::vector<KernelFamily> families = dump_kernel_families();
    auto controller = std::find_if(families.begin(), families.end(),
                                   [](const KernelFamily &family) { return family.id == 16; });
    ASSERT_NE(controller, families.end());
    EXPECT_EQ(controller->name, "nlctrl");
    ASSERT_FALSE(controller->groups.empty());
    EXPECT_EQ(controller->groups[0].name, "notify");
    EXPECT_EQ(controller->groups[0].id, 16u);
    NetlinkChannel channel = choose_channel(families, 0, 0);
    EXPECT_FALSE(group_owner(families, channel.group));
}

class NetlinkTest : public ::testing::Test {
  protected:
    void SetUp() override { FSEV_REQUIRE_ROOT(); }
};

TEST_F(NetlinkTest, EveryShapeReachesAnUnprivilegedListenerAsJson) {
    NetlinkChannel channel = private_channel();
    FsEventPublisher publisher(channel);
    auto arguments = channel_flags(channel);
    arguments.insert(arguments.end(), {"--json", "--count", "5"});
    ListenerProcess listener(arguments);
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();

    publisher.publish(message_for_new_trace(7, "/srv/data"));
    Event umount = sample_event(FS_EVENT_INFO, FS_INFO_UMOUNT);
    umount.has_device = false;
    umount.caused_pid = 0;
    publisher.deliver(umount);
    publisher.deliver(sample_event(FS_EVENT_WARN, FS_WARN_ENOSPC));
    publisher.deliver(sample_event(FS_EVENT_ERR, FS_ERR_RO_REMOUNT));
    publisher.deliver(sample_event(FS_EVENT_THRESH, FS_THRESH_LR_REACHED));
    EXPECT_EQ(publisher.messages_sent(), 5u);
    EXPECT_EQ(publisher.send_errors(), 0u);

    std::vector<json> got = listener.wait_for_json(5, 10s);
    ASSERT_EQ(got.size(), 5u) << listener.output() << listener.errors();
    EXPECT_EQ(got[0], json::parse(R"({"seq":1,"type":"NEW_TRACE","cmd":5,"version":1,
        "fs_id":7,"mount":"/srv/data"})"));
    EXPECT_EQ(got[1], json::parse(R"({"seq":2,"type":"INFO","cmd":1,"version":1,"fs_id":7,
        "event":"FS_INFO_UMOUNT","id":1,"caused_pid":0})"));
    EXPECT_EQ(got[2], json::parse(R"({"seq":3,"type":"WARN","cmd":2,"version":1,"fs_id":7,
        "dev_major":7,"dev_minor":42,"event":"FS_WARN_ENOSPC","id":8,"caused_pid":4242})"));
    EXPECT_EQ(got[3], json::parse(R"({"seq":4,"type":"ERR","cmd":3,"version":1,"fs_id":7,
        "dev_major":7,"dev_minor":42,"event":"FS_ERR_RO_REMOUNT","id":256,"caused_pid":4242})"));
    EXPECT_EQ(got[4], json::parse(R"({"seq":5,"type":"THRESH","cmd":4,"version":1,"fs_id":7,
        "dev_major":7,"dev_minor":42,"event":"FS_THRESH_LR_REACHED","id":32,"caused_pid":4242,
        "available_blocks":9000,"direction":"filling","block_size":4096})"));
    EXPECT_EQ(listener.wait_for_exit(10s), 0) << listener.errors();  // --count 5 reached
    EXPECT_EQ(listener.errors().find("gap"), std::string::npos) << listener.errors();
}

TEST_F(NetlinkTest, ListenerFindsTheChannelInTheRunDirectoryAndPrintsHumanLines) {
    NetlinkChannel channel = private_channel();
    RunDirectory run_dir(discovery_text(channel));
    FsEventPublisher publisher(channel);
    // Same group, another family id: someone else's messages, to be ignored.
    FsEventPublisher stranger({static_cast<uint16_t>(channel.family_id + 1), channel.group});
    ListenerProcess listener({"--run-dir", run_dir.path(), "--count", "2"});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
    EXPECT_NE(listener.errors().find("family_id=" + std::to_string(channel.family_id) +
                                     " group_id=" + std::to_string(channel.group)),
              std::string::npos)
        << listener.errors();

    stranger.publish(message_for_new_trace(99, "/not/ours"));
    publisher.publish(message_for_new_trace(7, "/mnt/with space"));
    publisher.deliver(sample_event(FS_EVENT_THRESH, FS_THRESH_UR_REACHED));

    std::vector<std::string> lines = listener.wait_for_lines(2, 10s);
    ASSERT_EQ(lines.size(), 2u) << listener.output() << listener.errors();
    EXPECT_EQ(lines[0], "NEW_TRACE seq=1 fs_id=7 mount=/mnt/with\\040space");
    EXPECT_EQ(lines[1],
              "THRESH FS_THRESH_UR_REACHED seq=2 fs_id=7 dev=7:42 caused_pid=4242 "
              "available_blocks=9000 direction=filling block_size=4096");
    EXPECT_EQ(listener.wait_for_exit(10s), 0) << listener.errors();
}

TEST_F(NetlinkTest, NewTraceAnnouncerSendsMountAndId) {
    NetlinkChannel channel = private_channel();
    FsEventPublisher publisher(channel);
    FsEventSubscriber subscriber(channel);
    NewTraceAnnouncer announcer(publisher);
    TraceEntry entry;
    entry.id = 12;
    entry.mount_point = "/srv/one";
    announcer.entry_created(entry);
    announcer.entry_changed(entry, true);   // no message
    announcer.entry_removed(entry, false);  // no message
    entry.id = 13;
    entry.mount_point = "/srv/two";
    announcer.entry_created(entry);

    auto batch = subscriber.receive_at_least(2, 10s);
    ASSERT_EQ(batch.messages.size(), 2u);
    FsEventMessage first = message_for_new_trace(12, "/srv/one");
    first.sequence = 1;
    EXPECT_EQ(batch.messages[0], first);
    FsEventMessage second = message_for_new_trace(13, "/srv/two");
    second.sequence = 2;
    EXPECT_EQ(batch.messages[1], second);
}

TEST_F(NetlinkTest, UnprivilegedSenderGetsEpermAndNothingArrives) {
    NetlinkChannel channel = private_channel();
    FsEventSubscriber subscriber(channel);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // nobody:nogroup, no capabilities (a uid change from root drops them).
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
            ::setresuid(65534, 65534, 65534) != 0)
            ::_exit(100);
        FsEventPublisher forger(channel);
        forger.publish(message_for_new_trace(1, "/forged"));
        bool refused = forger.send_errors() == 1 && forger.last_send_error() == EPERM;
        ::_exit(refused ? 0 : 101);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "100: could not drop privileges; 101: send not EPERM";

    // The first message that arrives is root's, sent after the forgery.
    FsEventPublisher publisher(channel);
    publisher.publish(message_for_new_trace(2, "/genuine"));
    auto batch = subscriber.receive_at_least(1, 10s);
    ASSERT_FALSE(batch.messages.empty());
    EXPECT_EQ(batch.messages[0].mount, "/genuine");
}

TEST_F(NetlinkTest, SlowListenerReportsEnobufsAndSequenceGapThenKeepsGoing) {
    NetlinkChannel channel = private_channel();
    FsEventPublisher publisher(channel);
    auto arguments = channel_flags(channel);
    arguments.insert(arguments.end(), {"--json", "--rcvbuf", "1"});
    ListenerProcess listener(arguments);
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();

    // Stopped, it cannot read: the smallest receive buffer overflows for sure.
    ASSERT_EQ(::kill(listener.pid(), SIGSTOP), 0);
    ASSERT_TRUE(
        test::run_command({"sh", "-c",
                           "until grep -q '^State:.*stopped' /proc/" +
                               std::to_string(listener.pid()) + "/status; do sleep 0.05; done"})
            .exit_code == 0);
    for (int i = 0; i < 200; ++i) publisher.publish(message_for_new_trace(1, "/burst"));
    ASSERT_EQ(::kill(listener.pid(), SIGCONT), 0);
    ASSERT_TRUE(listener.wait_for_error_text("ENOBUFS", 10s)) << listener.errors();
    // It keeps listening: a later message still arrives, after the reported gap.
    publisher.publish(message_for_new_trace(1, "/after"));
    EXPECT_TRUE(listener.wait_for_output_text(R"("mount":"/after")", 10s))
        << listener.output() << listener.errors();
    for (const json &message : listener.wait_for_json(0, 0ms))
        EXPECT_TRUE(message["mount"] == "/burst" || message["mount"] == "/after") << message;
    // stderr is its own pipe: the gap line may be read after stdout's.
    EXPECT_TRUE(listener.wait_for_error_text("sequence gap", 10s)) << listener.errors();
    EXPECT_EQ(listener.stop(SIGINT), 0) << listener.errors();
}

TEST_F(NetlinkTest, ABatchArrivesAsSeparateMessagesInOrderAtEveryConsumer) {
    NetlinkChannel channel = private_channel();
    FsEventPublisher publisher(channel);
    FsEventSubscriber subscriber(channel);
    auto arguments = channel_flags(channel);
    arguments.push_back("--json");
    ListenerProcess listener(arguments);
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();

    // Far more than one datagram holds: the batch is sent in several.
    const int count = 300;
    {
        FsEventPublisher::Batch batch(publisher);
        for (int i = 0; i < count; ++i)
            publisher.publish(
                message_for_new_trace(static_cast<uint32_t>(i + 1), "/batch/" + std::to_string(i)));
    }
    EXPECT_EQ(publisher.messages_sent(), static_cast<uint64_t>(count));
    EXPECT_EQ(publisher.send_errors(), 0u);

    auto received = subscriber.receive_at_least(count, 10s);
    ASSERT_EQ(received.messages.size(), static_cast<size_t>(count));
    EXPECT_TRUE(received.malformed.empty());
    for (int i = 0; i < count; ++i) {
        EXPECT_EQ(received.messages[i].mount, "/batch/" + std::to_string(i));
        EXPECT_EQ(received.messages[i].sequence, received.messages[0].sequence + i);
    }
    auto printed = listener.wait_for_json(count, 10s);
    ASSERT_EQ(printed.size(), static_cast<size_t>(count)) << listener.errors();
    for (int i = 0; i < count; ++i) EXPECT_EQ(printed[i]["mount"], "/batch/" + std::to_string(i));
    EXPECT_EQ(listener.errors().find("sequence gap"), std::string::npos) << listener.errors();
    EXPECT_EQ(listener.stop(SIGINT), 0) << listener.errors();
}

TEST_F(NetlinkTest, ListenerExitsZeroOnSigintAndSigterm) {
    NetlinkChannel channel = private_channel();
    for (int signal_number : {SIGINT, SIGTERM}) {
        ListenerProcess listener(channel_flags(channel));
        ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
        EXPECT_EQ(listener.stop(signal_number), 0) << listener.errors();
    }
}

TEST_F(NetlinkTest, ListenerWithoutADiscoveryFileSaysWhy) {
    RunDirectory run_dir("");
    std::filesystem::remove(run_dir.path() + "/netlink");
    auto result =
        test::run_command({test::built_binary("fsev-listen"), "--run-dir", run_dir.path()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(
        result.output.find("cannot read " + run_dir.path() + "/netlink: No such file or directory"),
        std::string::npos)
        << result.output;
}

// What a program written against the RFC's header sees: a plain socket,
// libmnl, the RFC's attribute types and nothing of ours but the public header.
struct RfcAttributes {
    const nlattr *table[FS_EVENT_ATR_MAX + 1] = {};
};

int keep_rfc_attribute(const nlattr *attribute, void *data) {
    static const mnl_attr_data_type rfc_types[] = {
        MNL_TYPE_UNSPEC, MNL_TYPE_U32, MNL_TYPE_NUL_STRING, MNL_TYPE_U32,
        MNL_TYPE_U32,    MNL_TYPE_U32, MNL_TYPE_U32,        MNL_TYPE_U64,
    };
    uint16_t type = mnl_attr_get_type(attribute);
    if (type > 7) return MNL_CB_OK;  // not the RFC's: skipped
    if (mnl_attr_validate(attribute, rfc_types[type]) < 0) return MNL_CB_ERROR;
    static_cast<RfcAttributes *>(data)->table[type] = attribute;
    return MNL_CB_OK;
}

TEST_F(NetlinkTest, AnRfcStyleConsumerReadsOurMessagesUnchanged) {
    NetlinkChannel channel = private_channel();
    int group = static_cast<int>(channel.group);
    UniqueFd socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC));
    ASSERT_TRUE(socket.valid());
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    ASSERT_EQ(::bind(socket.get(), reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    ASSERT_EQ(::setsockopt(socket.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group),
              0);
    FsEventPublisher publisher(channel);
    publisher.deliver(sample_event(FS_EVENT_THRESH, FS_THRESH_UR_REACHED));

    char buffer[8192];
    const nlmsghdr *header = nullptr;
    ssize_t got = 0;
    while (!header) {  // skip anything else sent to the group meanwhile
        pollfd readable{socket.get(), POLLIN, 0};
        ASSERT_EQ(::poll(&readable, 1, 10000), 1) << "no message within 10 s";
        got = ::recv(socket.get(), buffer, sizeof buffer, 0);
        ASSERT_GT(got, 0);
        auto *candidate = reinterpret_cast<const nlmsghdr *>(buffer);
        if (mnl_nlmsg_ok(candidate, static_cast<int>(got)) &&
            candidate->nlmsg_type == channel.family_id)
            header = candidate;
    }
    const auto *genl = static_cast<const genlmsghdr *>(mnl_nlmsg_get_payload(header));
    EXPECT_EQ(genl->cmd, FS_EVENT_THRESH);
    EXPECT_EQ(genl->version, 1);
    RfcAttributes attributes;
    ASSERT_EQ(mnl_attr_parse(header, GENL_HDRLEN, keep_rfc_attribute, &attributes), MNL_CB_OK);
    const nlattr *const *table = attributes.table;
    ASSERT_TRUE(table[FS_EVENT_ATR_FS_ID] && table[FS_EVENT_ATR_DEV_MAJOR] &&
                table[FS_EVENT_ATR_DEV_MINOR] && table[FS_EVENT_ATR_ID] &&
                table[FS_EVENT_ATR_CAUSED_ID] && table[FS_EVENT_ATR_DATA]);
    EXPECT_FALSE(table[FS_EVENT_ATR_MOUNT]);
    EXPECT_EQ(mnl_attr_get_u32(table[FS_EVENT_ATR_FS_ID]), 7u);
    EXPECT_EQ(mnl_attr_get_u32(table[FS_EVENT_ATR_DEV_MAJOR]), 7u);
    EXPECT_EQ(mnl_attr_get_u32(table[FS_EVENT_ATR_DEV_MINOR]), 42u);
    EXPECT_EQ(mnl_attr_get_u32(table[FS_EVENT_ATR_ID]), FS_THRESH_UR_REACHED);
    EXPECT_EQ(mnl_attr_get_u32(table[FS_EVENT_ATR_CAUSED_ID]), 4242u);
    EXPECT_EQ(mnl_attr_get_u64(table[FS_EVENT_ATR_DATA]), 9000u);
}

TEST_F(NetlinkTest, DaemonPrintsItsChannelBeforeReady) {
    NetlinkChannel channel = private_channel();
    test::DaemonProcess daemon({"--genl-group", std::to_string(channel.group), "--genl-family-id",
                                std::to_string(channel.family_id)});
    std::string line = daemon.wait_for_line(std::regex("^fsev-bpf: (netlink|ready)"), 20s);
    EXPECT_EQ(line,
              "fsev-bpf: netlink: family FS_EVENT family_id=" + std::to_string(channel.family_id) +
                  " group_id=" + std::to_string(channel.group))
        << daemon.output();
    EXPECT_NE(daemon.wait_for_line(std::regex("^fsev-bpf: ready"), 20s), "") << daemon.output();
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
}

TEST_F(NetlinkTest, DaemonRefusesAGroupOrFamilyIdAKernelFamilyOwns) {
    std::vector<KernelFamily> families = dump_kernel_families();
    const KernelFamily *owner = nullptr;
    for (const auto &family : families)
        for (const auto &group : family.groups)
            if (!owner && group.id >= 1 && group.id <= 31) owner = &family;
    ASSERT_NE(owner, nullptr) << "the kernel owns no group 1-31?";
    const KernelMulticastGroup &taken = owner->groups.front();

    auto result = test::run_command(
        {test::built_binary("fsev-bpf"), "--genl-group", std::to_string(taken.id)});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("fsev-bpf: netlink group " + std::to_string(taken.id) +
                                 " is owned by kernel family " + owner->name + "/" + taken.name),
              std::string::npos)
        << result.output;
    EXPECT_EQ(result.output.find("ready"), std::string::npos) << result.output;

    result = test::run_command(
        {test::built_binary("fsev-bpf"), "--genl-family-id", std::to_string(owner->id)});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("fsev-bpf: netlink family id " + std::to_string(owner->id) +
                                 " is registered by kernel family " + owner->name),
              std::string::npos)
        << result.output;
}

}  // namespace
}  // namespace fsev
