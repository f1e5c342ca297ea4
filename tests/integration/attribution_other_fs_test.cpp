// Who takes space on XFS, btrfs and tmpfs: the real BPF object counts the
// bytes each writer's write-type syscalls wrote to a traced filesystem
// without space hooks of its own, by cgroup and process (docs/attribution.md).
// Writers in two cgroup v2 directories made here, at 1:4 rates, and this
// process itself (in no container); and the real daemon's THRESH message on
// such a filesystem names the writer, /metrics counts all it wrote, and an
// ENOSPC warning names who took the space.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "attribution/cgroup_names.h"
#include "attribution/writer_counts.h"
#include "attribution/writer_windows.h"
#include "fsev/bpf_shared.h"
#include "support/cgroup_writer.h"
#include "support/command.h"
#include "support/daemon_process.h"
#include "support/kernel_probes_fixture.h"
#include "support/writer_ranking.h"
#include "support/listener_process.h"
#include "support/loop_filesystem.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::start_writer;
using test::TestCgroup;
using test::wait_for_exit;

// Sizes that mkfs accepts (XFS needs 300 MiB) with room for the writes.
uint64_t size_mib_of(const std::string &type) {
    return type == "xfs" ? 300 : type == "btrfs" ? 256 : 64;
}

std::string own_comm() {
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

// The superblock's device as BPF sees it (the kernel's dev_t encoding).
uint32_t kernel_device_of(const test::LoopFilesystem &fs) {
    return (major(fs.device()) << 20) | minor(fs.device());
}

class OtherFsAttributionTest : public test::KernelProbesFixture,
                               public ::testing::WithParamInterface<std::string> {
  protected:
    void SetUp() override {
        KernelProbesFixture::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        if (!test::filesystem_available(GetParam()))
            GTEST_SKIP() << GetParam() << ": not offered by this kernel or mkfs missing";
        fs_ = std::make_unique<test::LoopFilesystem>(GetParam(), size_mib_of(GetParam()));
    }

    // Traced for warn only: attribution counts for thr or warn, and warn
    // keeps the syscall-exit program attached in this fixture.
    TraceEntry trace_for_warn() {
        TraceEntry entry;
        entry.id = ++next_id_;
        entry.device = fs_->device();
        entry.file_device = fs_->device();
        entry.types = FSEV_TRACE_WARN;
        entry.mount_point = fs_->mount_point();
        entry.fstype = fs_->type();
        entry.source = fs_->loop_device();
        kernel_->entry_created(entry);
        return entry;
    }

    uint64_t own_bytes() const {
        uint64_t bytes = 0;
        for (const WriterCount &writer : read_writer_counts(writer_maps()))
            if (writer.device == kernel_device_of(*fs_) &&
                static_cast<pid_t>(writer.tgid) == ::getpid())
                bytes += writer.bytes;
        return bytes;
    }

    std::unique_ptr<test::LoopFilesystem> fs_;
};

TEST_P(OtherFsAttributionTest, TwoCgroupsAtOneToFourAreRankedAndCountedWithinFivePercent) {
    auto root = cgroup2_mount_point();
    if (!root) GTEST_SKIP() << "no cgroup v2 hierarchy is mounted (findmnt -t cgroup2)";
    TraceEntry entry = trace_for_warn();
    std::string unique = "fsev-attribution-" + GetParam() + "-" + std::to_string(::getpid());
    TestCgroup slow(*root, unique + "-slow");
    TestCgroup fast(*root, unique + "-fast");

    WriterWindows windows;
    windows.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(writer_maps()));
    constexpr int chunks = 20;
    constexpr size_t slow_chunk = 256 << 10, fast_chunk = 1 << 20;
    pid_t slow_pid = start_writer(slow, fs_->path("slow"), slow_chunk, chunks, 20ms);
    pid_t fast_pid = start_writer(fast, fs_->path("fast"), fast_chunk, chunks, 20ms);
    // This process, in no container of the test's, writes too.
    constexpr uint64_t own = 2 << 20;
    ASSERT_TRUE(fs_->write_file("own", own)) << std::strerror(errno);
    ASSERT_EQ(wait_for_exit(slow_pid), 0);
    ASSERT_EQ(wait_for_exit(fast_pid), 0);
    windows.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(writer_maps()));

    TopWriters top = windows.top(kernel_device_of(*fs_), 1min, 3);
    ASSERT_GE(top.writers.size(), 3u);
    test::expect_ranked_first_and_second(top, {fast.id(), fast_pid, fast_chunk * chunks},
                                         {slow.id(), slow_pid, slow_chunk * chunks});
    const WriterCount &third = top.writers[2];
    EXPECT_EQ(static_cast<pid_t>(third.tgid), ::getpid());
    EXPECT_EQ(third.comm, own_comm());
    EXPECT_NEAR(static_cast<double>(third.bytes), double(own), 0.05 * own);
    EXPECT_NE(third.cgroup_id, slow.id());
    EXPECT_NE(third.cgroup_id, fast.id());
    untrace(entry);
}

TEST_P(OtherFsAttributionTest, PlainFallocateCountsPunchAndTruncateDoNot) {
    TraceEntry entry = trace_for_warn();
    constexpr off_t allocated = 4 << 20;
    int fd = ::open(fs_->path("fallocated").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::fallocate(fd, 0, 0, allocated), 0) << std::strerror(errno);
    EXPECT_EQ(own_bytes(), uint64_t(allocated));
    ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1 << 20), 0)
        << std::strerror(errno);
    ASSERT_EQ(::ftruncate(fd, 8 << 20), 0);
    EXPECT_EQ(own_bytes(), uint64_t(allocated));
    ::close(fd);
    untrace(entry);
}

TEST_P(OtherFsAttributionTest, UntracedFilesystemGetsNoWriters) {
    ASSERT_TRUE(fs_->write_file("data", 1 << 20)) << std::strerror(errno);
    EXPECT_EQ(own_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Filesystems, OtherFsAttributionTest,
                         ::testing::Values("xfs", "btrfs", "tmpfs"),
                         [](const auto &param_info) { return param_info.param; });

// The real daemon, traced for thr: the THRESH message names the writer.
class OtherFsAttributionDaemonTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OtherFsAttributionDaemonTest, ThreshMessageNamesTheCgroupThatFilledIt) {
    FSEV_REQUIRE_ROOT();
    if (!test::filesystem_available(GetParam()))
        GTEST_SKIP() << GetParam() << ": not offered by this kernel or mkfs missing";
    auto root = cgroup2_mount_point();
    if (!root) GTEST_SKIP() << "no cgroup v2 hierarchy is mounted (findmnt -t cgroup2)";
    test::LoopFilesystem fs(GetParam(), size_mib_of(GetParam()));
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    test::ListenerProcess listener({"--json", "--run-dir", daemon.run_dir()});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
    constexpr size_t written = 12 << 20;
    uint64_t lower = fs.available_blocks() - (written / 2) / fs.block_size();
    auto result = daemon.request(fs.mount_point() + " thr " + std::to_string(lower));
    ASSERT_EQ(result.exit_code, 0) << result.output << daemon.output();

    std::string name = "fsev-thresh-" + GetParam() + "-" + std::to_string(::getpid());
    TestCgroup cgroup(*root, name);
    constexpr size_t chunk = 1 << 20;
    pid_t writer = start_writer(cgroup, fs.path("fill"), chunk, static_cast<int>(written / chunk));
    ASSERT_EQ(wait_for_exit(writer), 0);
    // btrfs's statfs changes when a transaction commits.
    if (GetParam() == "btrfs") ::sync();

    json thresh;
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (thresh.is_null() && std::chrono::steady_clock::now() < deadline)
        for (const json &message : listener.wait_for_json(SIZE_MAX, 200ms))
            if (message["type"] == "THRESH" && message["dev_minor"] == minor(fs.device()) &&
                message["dev_major"] == major(fs.device()))
                thresh = message;
    ASSERT_FALSE(thresh.is_null()) << listener.output() << daemon.output();
    ASSERT_TRUE(thresh.contains("writers")) << thresh.dump();
    const json &first = thresh["writers"][0];
    EXPECT_EQ(first["pid"], writer) << thresh.dump();
    EXPECT_EQ(first["cgroup"], "/" + name) << thresh.dump();
    // Reported as the level is crossed: at least what crossed it (half of
    // what was written) but the chunk whose write was still in progress
    // (counted at the syscall's exit), at most all. XFS reserves speculative
    // preallocation past the end of a growing file, up to its size again:
    // there statfs may cross with half of that written.
    double crossed = GetParam() == "xfs" ? written / 4 - chunk : written / 2 - chunk;
    EXPECT_GE(first["bytes"].get<double>(), 0.95 * crossed) << thresh.dump();
    EXPECT_LE(first["bytes"].get<double>(), 1.05 * written) << thresh.dump();

    // The whole write, once it ended: /metrics.
    test::HttpResponse metrics = test::http_get(daemon.metrics_port(), "/metrics");
    ASSERT_EQ(metrics.status, 200) << metrics.error;
    auto total = test::sample_value(metrics.body, "fsev_written_bytes_total",
                                    {{"mountpoint", fs.mount_point()}, {"cgroup", "/" + name}});
    ASSERT_TRUE(total) << metrics.body;
    EXPECT_NEAR(*total, double(written), 0.05 * written);
}

TEST_P(OtherFsAttributionDaemonTest, EnospcWarningNamesWhoTookTheSpace) {
    FSEV_REQUIRE_ROOT();
    if (!test::filesystem_available(GetParam()))
        GTEST_SKIP() << GetParam() << ": not offered by this kernel or mkfs missing";
    test::LoopFilesystem fs(GetParam(), size_mib_of(GetParam()));
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    test::ListenerProcess listener({"--json", "--run-dir", daemon.run_dir()});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
    auto traced = daemon.request(fs.mount_point() + " warn");
    ASSERT_EQ(traced.exit_code, 0) << traced.output << daemon.output();

    // fallocate takes most of the space, dd runs out in the rest (btrfs may
    // find more room than statfs promised: dd asks for twice the size).
    uint64_t reserved = fs.available_blocks() * fs.block_size() - (8ull << 20);
    test::run_checked({"fallocate", "-l", std::to_string(reserved), fs.path("reserved")});
    auto filled =
        test::run_command({"dd", "if=/dev/zero", "of=" + fs.path("fill"), "bs=64K",
                           "count=" + std::to_string(size_mib_of(GetParam()) * 32), "status=none"});
    ASSERT_NE(filled.exit_code, 0) << "dd should have run out of space";

    json warning = listener.wait_for_event_about(fs.device(), "FS_WARN_ENOSPC", 15s);
    ASSERT_FALSE(warning.is_null()) << listener.output() << daemon.output();
    ASSERT_TRUE(warning.contains("writers")) << warning.dump();
    ASSERT_GE(warning["writers"].size(), 2u) << warning.dump();
    const json &first = warning["writers"][0];
    const json &second = warning["writers"][1];
    EXPECT_EQ(first["comm"], "fallocate") << warning.dump();
    EXPECT_EQ(first["bytes"].get<uint64_t>(), reserved) << warning.dump();
    EXPECT_EQ(second["comm"], "dd") << warning.dump();
    EXPECT_EQ(second["pid"], warning["caused_pid"]) << warning.dump();
    EXPECT_GT(second["bytes"].get<uint64_t>(), 0u) << warning.dump();
}

INSTANTIATE_TEST_SUITE_P(Filesystems, OtherFsAttributionDaemonTest,
                         ::testing::Values("xfs", "btrfs", "tmpfs"),
                         [](const auto &param_info) { return param_info.param; });

}  // namespace
}  // namespace fsev
