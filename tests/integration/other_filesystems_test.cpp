// XFS, btrfs and tmpfs as a user sees them: the real daemon, the config
// file, an unprivileged fsev-listen. Their available count is read with
// statfs when BPF sees activity on them (docs/filesystems.md): crossings
// arrive in order, once, matching statfs, within the documented latency;
// ENOSPC warns; XFS shutdowns are errors; an idle filesystem costs nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <regex>
#include <thread>

#include "support/command.h"
#include "support/daemon_and_listener.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/loop_filesystem.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Sizes that mkfs accepts (XFS needs 300 MiB) and that fill quickly.
uint64_t size_mib_of(const std::string &type) {
    return type == "xfs" ? 300 : type == "btrfs" ? 256 : 64;
}

class OtherFilesystemTest : public test::DaemonAndListenerTest,
                            public ::testing::WithParamInterface<std::string> {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        if (!test::filesystem_available(GetParam()))
            GTEST_SKIP() << GetParam() << ": not offered by this kernel or mkfs missing";
        fs_ = std::make_unique<test::LoopFilesystem>(GetParam(), size_mib_of(GetParam()));
        start_daemon_and_listener();
    }

    // Events of our filesystem received so far (other daemons on this
    // machine may share the multicast group), waiting until there are
    // `count` or `timeout` passed.
    std::vector<json> ours(size_t count, std::chrono::milliseconds timeout) {
        return listener_->wait_for_json_about(fs_->device(), count, timeout);
    }

    static std::string name(const json &message) {
        return message["event"].get<std::string>() +
               (message.contains("direction") ? "/" + message["direction"].get<std::string>() : "");
    }

    // btrfs's statfs changes when a transaction commits; sync commits it
    // (otherwise the commit interval, 30 s by default, decides).
    void settle() {
        if (fs_->type() == "btrfs") ::sync();
    }

    double space_checks() {
        test::HttpResponse response = test::http_get(daemon_->metrics_port(), "/metrics");
        auto value = test::sample_value(response.body, "fsev_space_checks_total", {});
        return value.value_or(-1);
    }

    std::unique_ptr<test::LoopFilesystem> fs_;
};

// How long after the change the crossing may arrive: the activity
// interval and trailing check are 20 ms each; this leaves room for a
// loaded CI machine (the bench measures the real figures).
constexpr auto kCrossingLatency = 2s;

TEST_P(OtherFilesystemTest, FillAndFreeCrossEachLevelOnceInOrderMatchingStatfs) {
    uint64_t start = fs_->available_blocks();
    uint32_t block_size = fs_->block_size();
    uint64_t fill_blocks = (24ull << 20) / block_size;
    uint64_t lower = start - fill_blocks / 3, upper = start - 2 * fill_blocks / 3;
    request(fs_->mount_point() + " thr " + std::to_string(lower) + " " + std::to_string(upper));

    std::vector<std::string> expected;
    constexpr int kCycles = 3;  // a 1-in-3 flake per cycle would show
    for (int cycle = 0; cycle < kCycles; ++cycle) {
        size_t before = ours(0, 0ms).size();
        ASSERT_TRUE(fs_->write_file("fill", 24ull << 20)) << std::strerror(errno);
        settle();
        uint64_t filled = fs_->available_blocks();  // the statfs oracle
        ASSERT_LE(filled, upper) << "cycle " << cycle;
        auto filled_at = Clock::now();
        std::vector<json> messages = ours(before + 2, kCrossingLatency);
        EXPECT_LT(Clock::now() - filled_at, kCrossingLatency);
        ASSERT_EQ(messages.size(), before + 2) << listener_->output() << daemon_->output();
        EXPECT_EQ(name(messages[before]), "FS_THRESH_LR_REACHED/filling");
        EXPECT_EQ(name(messages[before + 1]), "FS_THRESH_UR_REACHED/filling");
        EXPECT_LE(messages[before]["available_blocks"].get<uint64_t>(), lower);
        EXPECT_LE(messages[before + 1]["available_blocks"].get<uint64_t>(), upper);

        ASSERT_EQ(::unlink(fs_->path("fill").c_str()), 0);
        settle();
        auto deadline = Clock::now() + 10s;  // XFS frees unlinked inodes in the background
        while (fs_->available_blocks() <= lower && Clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        uint64_t freed = fs_->available_blocks();
        ASSERT_GT(freed, lower) << "cycle " << cycle;
        auto freed_at = Clock::now();
        messages = ours(before + 4, kCrossingLatency);
        EXPECT_LT(Clock::now() - freed_at, kCrossingLatency);
        ASSERT_EQ(messages.size(), before + 4) << listener_->output() << daemon_->output();
        EXPECT_EQ(name(messages[before + 2]), "FS_THRESH_UR_REACHED/freeing");
        EXPECT_EQ(name(messages[before + 3]), "FS_THRESH_LR_REACHED/freeing");
        EXPECT_GT(messages[before + 2]["available_blocks"].get<uint64_t>(), upper);
        EXPECT_GT(messages[before + 3]["available_blocks"].get<uint64_t>(), lower);
        for (size_t i = before; i < messages.size(); ++i) {
            EXPECT_EQ(messages[i]["count"], "statfs") << messages[i].dump();
            EXPECT_EQ(messages[i]["block_size"], block_size) << messages[i].dump();
        }
    }
    // Nothing more: no crossing repeats without the space changing sides.
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(ours(0, 0ms).size(), 4u * kCycles) << listener_->output();
}

TEST_P(OtherFilesystemTest, ENOSPCWarns) {
    request(fs_->mount_point() + " warn");
    // Take most of the space without writing it, then write into the rest
    // (btrfs may find more room than statfs promised: write up to twice the
    // filesystem's size).
    uint64_t bytes = fs_->available_blocks() * fs_->block_size();
    test::run_checked(
        {"fallocate", "-l", std::to_string(bytes - (8ull << 20)), fs_->path("reserved")});
    errno = 0;
    EXPECT_FALSE(fs_->write_file("overflow", 2 * size_mib_of(GetParam()) << 20));
    EXPECT_EQ(errno, ENOSPC);
    std::vector<json> messages = ours(1, 5s);
    ASSERT_FALSE(messages.empty()) << listener_->output() << daemon_->output();
    EXPECT_EQ(name(messages[0]), "FS_WARN_ENOSPC");
    EXPECT_EQ(messages[0]["caused_pid"], ::getpid());
}

TEST_P(OtherFilesystemTest, AnIdleTracedFilesystemCostsNothing) {
    request(fs_->mount_point() + " thr 1000 500");
    ASSERT_TRUE(fs_->write_file("some", 1 << 20));
    // Reads and lookups are not space activity (the first read after a
    // write updates atime, a metadata write: before the sync).
    test::run_checked({"cat", fs_->path("some")});
    test::run_checked({"ls", "-l", fs_->mount_point()});
    ::sync();
    // The trailing checks of that write, and the filesystem's own
    // background work after it (btrfs: async discard, cleaner commits),
    // which is activity too: wait until a whole second passes without.
    double before = space_checks();
    for (int second = 0; second < 15; ++second) {
        std::this_thread::sleep_for(1s);
        double now = space_checks();
        if (now == before) break;
        before = now;
    }
    ASSERT_GE(before, 1) << "the write was not checked at all";
    test::run_checked({"cat", fs_->path("some")});
    test::run_checked({"ls", "-l", fs_->mount_point()});
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(space_checks(), before) << "statfs ran while nothing was written";
}

// No inode left: creating a name fails with ENOSPC, a metadata warning.
TEST(TmpfsInodes, RunningOutOfInodesWarnsENOSPCMeta) {
    FSEV_REQUIRE_ROOT();
    test::LoopFilesystem fs("tmpfs", 16, "nr_inodes=16");
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    test::ListenerProcess listener({"--json", "--run-dir", daemon.run_dir()});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
    auto traced = daemon.request(fs.mount_point() + " warn");
    ASSERT_EQ(traced.exit_code, 0) << traced.output << daemon.output();
    int created = 0;
    errno = 0;
    while (created < 64 && fs.write_file("f" + std::to_string(created), 0)) ++created;
    EXPECT_EQ(errno, ENOSPC) << "created " << created;
    bool warned = false;
    auto deadline = Clock::now() + 5s;
    while (!warned && Clock::now() < deadline)
        for (const json &message : listener.wait_for_json(SIZE_MAX, 100ms))
            warned = warned || (message.value("event", "") == "FS_WARN_ENOSPC_META" &&
                                message.value("dev_minor", 0u) == minor(fs.device()));
    EXPECT_TRUE(warned) << listener.output() << daemon.output();
}

INSTANTIATE_TEST_SUITE_P(Filesystems, OtherFilesystemTest,
                         ::testing::Values("tmpfs", "xfs", "btrfs"),
                         [](const auto &param_info) { return param_info.param; });

class XfsErrorsTest : public OtherFilesystemTest {};

TEST_P(XfsErrorsTest, ShutdownRaisesAnError) {
    request(fs_->mount_point() + " err");
    test::run_checked({"xfs_io", "-x", "-c", "shutdown", fs_->mount_point()});
    std::vector<json> messages = ours(1, 5s);
    ASSERT_FALSE(messages.empty()) << listener_->output() << daemon_->output();
    EXPECT_EQ(messages[0]["type"], "ERR");
    EXPECT_EQ(name(messages[0]), "FS_ERR_SHUTDOWN");
}

TEST_P(XfsErrorsTest, InjectedMetadataErrorShutsDownAsCorruptionOrIoError) {
    std::string device = fs_->loop_device().substr(fs_->loop_device().rfind('/') + 1);
    std::string errortag = "/sys/fs/xfs/" + device + "/errortag";
    if (!std::filesystem::exists(errortag))
        GTEST_SKIP() << errortag << " is absent: this kernel is built without CONFIG_XFS_DEBUG";
    request(fs_->mount_point() + " err");
    // Every metadata buffer I/O fails: writing the next change back shuts
    // XFS down for a metadata I/O error.
    test::run_checked({"bash", "-c", "echo 1 > " + errortag + "/buf_ioerror"});
    ASSERT_TRUE(fs_->write_file("file", 1 << 20));
    test::run_command({"sync"});
    std::vector<json> messages = ours(1, 10s);
    ASSERT_FALSE(messages.empty()) << listener_->output() << daemon_->output();
    EXPECT_EQ(messages[0]["type"], "ERR");
    EXPECT_TRUE(name(messages[0]) == "FS_ERR_INTERNAL" || name(messages[0]) == "FS_ERR_CORRUPTED")
        << messages[0].dump();
}

INSTANTIATE_TEST_SUITE_P(Xfs, XfsErrorsTest, ::testing::Values("xfs"),
                         [](const auto &param_info) { return param_info.param; });

}  // namespace
}  // namespace fsev
