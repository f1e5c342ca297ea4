// What an administrator and a consumer see, end to end: the real daemon, the
// real /run/fsev-style config file (in a temp run dir), real ext4 loop
// mounts, and an unprivileged fsev-listen receiving the FS_EVENT messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <regex>

#include "support/command.h"
#include "support/daemon_and_listener.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/loop_ext4.h"
#include "support/network.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class EndToEndTest : public test::DaemonAndListenerTest {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        fs_ = std::make_unique<test::LoopExt4>();
        start_daemon_and_listener();
    }

    // Messages of our filesystem's trace entry (other daemons on this machine
    // may share the multicast group): NEW_TRACE by mount, others by fs_id.
    std::vector<json> ours(size_t at_least, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        std::vector<json> mine;
        while (mine.size() < at_least && std::chrono::steady_clock::now() < deadline) {
            mine.clear();
            // Everything received so far (waits up to 200 ms for more).
            for (const json &message : listener_->wait_for_json(SIZE_MAX, 200ms)) {
                bool is_new_trace = message["type"] == "NEW_TRACE";
                if (is_new_trace ? message["mount"] == fs_->mount_point()
                                 : message.contains("dev_minor") &&
                                       message["dev_minor"] == minor(fs_->device()) &&
                                       message["dev_major"] == major(fs_->device()))
                    mine.push_back(message);
            }
        }
        return mine;
    }

    static std::vector<std::string> names(const std::vector<json> &messages) {
        std::vector<std::string> found;
        for (const json &message : messages)
            found.push_back(message["type"] == "NEW_TRACE"
                                ? "NEW_TRACE"
                                : message["event"].get<std::string>() +
                                      (message.contains("direction")
                                           ? "/" + message["direction"].get<std::string>()
                                           : ""));
        return found;
    }

    std::unique_ptr<test::LoopExt4> fs_;
};

TEST_F(EndToEndTest, ThresholdCrossingsReachTheDaemonsStdoutAndAnUnprivilegedListener) {
    uint64_t start = fs_->available_blocks();
    uint64_t lower = start - 1000, upper = start - 2000;
    request(fs_->mount_point() + " thr,info " + std::to_string(lower) + " " +
            std::to_string(upper));
    fs_->write_file("fill", 12 << 20, true);  // 3072 blocks: past both levels
    ASSERT_EQ(::unlink(fs_->path("fill").c_str()), 0);
    ::sync();

    std::vector<json> messages = ours(5, 15s);
    ASSERT_EQ(names(messages),
              (std::vector<std::string>{
                  "NEW_TRACE", "FS_THRESH_LR_REACHED/filling", "FS_THRESH_UR_REACHED/filling",
                  "FS_THRESH_UR_REACHED/freeing", "FS_THRESH_LR_REACHED/freeing"}))
        << listener_->output();
    json new_trace = messages[0];
    EXPECT_EQ(new_trace["fs_id"], 1);
    for (size_t i = 1; i < messages.size(); ++i) {
        EXPECT_EQ(messages[i]["fs_id"], 1);
        EXPECT_EQ(messages[i]["type"], "THRESH");
        EXPECT_EQ(messages[i]["block_size"], 4096);
        EXPECT_EQ(messages[i]["caused_pid"], ::getpid()) << messages[i].dump();
        EXPECT_LT(messages[i]["seq"].get<uint64_t>(),
                  messages[i + 1 < messages.size() ? i + 1 : i]["seq"].get<uint64_t>() + 1);
    }
    EXPECT_LE(messages[1]["available_blocks"].get<uint64_t>(), lower);
    EXPECT_LE(messages[2]["available_blocks"].get<uint64_t>(), upper);
    EXPECT_GT(messages[3]["available_blocks"].get<uint64_t>(), upper);
    EXPECT_GT(messages[4]["available_blocks"].get<uint64_t>(), lower);
    // The daemon's own line names the mount point, event, count and pid.
    EXPECT_NE(
        daemon_->wait_for_line(std::regex("^event " + fs_->mount_point() +
                                          " FS_THRESH_LR_REACHED type=THRESH direction=filling "
                                          "trace_id=1 dev=[0-9]+:[0-9]+ available_blocks=[0-9]+ "
                                          "block_size=4096 pid=" +
                                          std::to_string(::getpid())),
                               5s),
        "")
        << daemon_->output();
}

TEST_F(EndToEndTest, RemountAndUmountAreInfoEventsAndTheEntryGoes) {
    request(fs_->mount_point() + " info");
    test::run_checked({"mount", "-o", "remount,ro", fs_->mount_point()});
    test::run_checked({"mount", "-o", "remount,rw", fs_->mount_point()});
    std::string mount_point = fs_->mount_point();
    fs_->unmount();
    std::vector<json> messages = ours(4, 15s);
    EXPECT_EQ(names(messages), (std::vector<std::string>{"NEW_TRACE", "FS_INFO_REMOUNT_RO",
                                                         "FS_INFO_REMOUNT_RW", "FS_INFO_UMOUNT"}))
        << listener_->output() << daemon_->output();
    for (size_t i = 1; i < messages.size(); ++i) {
        EXPECT_EQ(messages[i]["type"], "INFO");
        EXPECT_EQ(messages[i]["caused_pid"], 0);
    }
    EXPECT_EQ(test::run_checked({"cat", daemon_->run_dir() + "/config"}), "");
}

TEST_F(EndToEndTest, ErrorsReachTheListenerWithTheirIds) {
    request(fs_->mount_point() + " err");
    fs_->trigger_error("end-to-end");
    std::vector<json> messages = ours(2, 15s);
    ASSERT_EQ(names(messages), (std::vector<std::string>{"NEW_TRACE", "FS_ERR_CORRUPTED"}))
        << listener_->output();
    EXPECT_EQ(messages[1]["type"], "ERR");
    EXPECT_EQ(messages[1]["id"], 0x400);
    EXPECT_EQ(messages[1]["caused_pid"], ::getpid());
}

TEST(EndToEndReadOnly, AnErrorsReadOnlySwitchShowsInMetrics) {
    FSEV_REQUIRE_ROOT();
    test::LoopExt4Options options;
    options.mount_options = "errors=remount-ro";
    test::LoopExt4 fs(options);
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    auto written = daemon.request(fs.mount_point() + " err");
    ASSERT_EQ(written.exit_code, 0) << written.output;
    std::string sample = "fsev_read_only{device=\"" + fs.loop_device() +
                         "\",fstype=\"ext4\",mountpoint=\"" + fs.mount_point() +
                         "\",trace_id=\"1\"} ";
    EXPECT_NE(test::http_get(daemon.metrics_port(), "/metrics").body.find(sample + "0"),
              std::string::npos);
    fs.trigger_error("end-to-end read-only");
    ASSERT_NE(daemon.wait_for_line(std::regex("FS_ERR_RO_REMOUNT"), 10s), "") << daemon.output();
    std::string body = test::http_get(daemon.metrics_port(), "/metrics").body;
    EXPECT_NE(body.find(sample + "1"), std::string::npos) << body;
}

TEST_F(EndToEndTest, TheDiscoveryFileNamesTheChannelTheDaemonAnnounced) {
    // Printed before the ready line, so already in the output.
    const std::string &output = daemon_->output();
    std::smatch found;
    ASSERT_TRUE(
        std::regex_search(output, found, std::regex("family_id=([0-9]+) group_id=([0-9]+)")))
        << daemon_->output();
    std::string file = daemon_->run_dir() + "/netlink";
    struct stat status {};
    ASSERT_EQ(::stat(file.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0222, 0u) << "read-only";
    EXPECT_EQ(test::run_checked({"cat", file}),
              "family=FS_EVENT\nfamily_id=" + found[1].str() +
                  "\nversion=1\ngroup=event\ngroup_id=" + found[2].str() + "\n");
}

}  // namespace
}  // namespace fsev
