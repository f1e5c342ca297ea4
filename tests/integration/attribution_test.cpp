// Who takes space: the real BPF object counts each writer's reservations
// and allocations on a traced ext4 filesystem, by cgroup and process.
// Writers in two cgroup v2 directories made here, at 1:4 rates, and this
// process itself (in no container).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sched.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "attribution/cgroup_names.h"
#include "attribution/writer_counts.h"
#include "attribution/writer_windows.h"
#include "fsev/bpf_shared.h"
#include "support/cgroup_writer.h"
#include "support/kernel_probes_fixture.h"
#include "support/one_cpu.h"
#include "support/writer_ranking.h"
#include "support/loop_ext4.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::LoopExt4;
using test::LoopExt4Options;
using test::start_writer;
using test::TestCgroup;
using test::wait_for_exit;

std::string own_comm() {
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

class AttributionTest : public test::KernelProbesFixture {};

TEST_F(AttributionTest, TwoCgroupsAtOneToFourAreRankedAndCountedWithinFivePercent) {
    auto root = cgroup2_mount_point();
    if (!root) GTEST_SKIP() << "no cgroup v2 hierarchy is mounted (findmnt -t cgroup2)";
    LoopExt4 fs(LoopExt4Options{.size_mib = 128});
    TraceEntry entry = trace(fs, FSEV_TRACE_THRESH, /*lower=*/16);

    std::string unique = "fsev-attribution-" + std::to_string(::getpid());
    TestCgroup slow(*root, unique + "-slow");
    TestCgroup fast(*root, unique + "-fast");

    WriterWindows windows;
    windows.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(writer_maps()));
    constexpr int chunks = 20;
    constexpr size_t slow_chunk = 256 << 10, fast_chunk = 1 << 20;
    pid_t slow_pid = start_writer(slow, fs.path("slow"), slow_chunk, chunks, 40ms);
    pid_t fast_pid = start_writer(fast, fs.path("fast"), fast_chunk, chunks, 40ms);
    // This process, in no container of the test's, writes too.
    constexpr uint64_t own_bytes = 2 << 20;
    fs.write_file("own", own_bytes, /*sync_file=*/true);
    ASSERT_EQ(wait_for_exit(slow_pid), 0);
    ASSERT_EQ(wait_for_exit(fast_pid), 0);
    windows.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(writer_maps()));

    TopWriters top = windows.top(fs.kernel_device(), 1min, 3);
    ASSERT_GE(top.writers.size(), 3u);
    test::expect_ranked_first_and_second(top, {fast.id(), fast_pid, fast_chunk * chunks},
                                         {slow.id(), slow_pid, slow_chunk * chunks});

    bool own_found = false;
    for (const WriterCount &writer : top.writers) {
        if (static_cast<pid_t>(writer.tgid) != ::getpid()) continue;
        own_found = true;
        EXPECT_EQ(writer.comm, own_comm());
        EXPECT_NEAR(static_cast<double>(writer.bytes), double(own_bytes), 0.05 * own_bytes);
        EXPECT_NE(writer.cgroup_id, slow.id());
        EXPECT_NE(writer.cgroup_id, fast.id());
    }
    EXPECT_TRUE(own_found) << "this process (pid " << ::getpid() << ") is not among the writers";

    CgroupNames names(*root);
    EXPECT_EQ(names.path(fast.id()), "/" + unique + "-fast");
    EXPECT_EQ(names.path(slow.id()), "/" + unique + "-slow");
    untrace(entry);
}

// Units each CPU's slot holds for `device`, not yet in the writers map.
uint64_t pending_in_slots(int slots_map_fd, uint32_t device) {
    std::vector<fsev_writer_slot> slots(static_cast<size_t>(libbpf_num_possible_cpus()));
    uint32_t zero = 0;
    EXPECT_EQ(bpf_map_lookup_elem(slots_map_fd, &zero, slots.data()), 0) << std::strerror(errno);
    uint64_t pending = 0;
    for (const fsev_writer_slot &slot : slots)
        if (slot.key.dev == device) pending += slot.pending;
    return pending;
}

// Two writers taking turns on one CPU change the CPU's slot at nearly every
// write: both are still ranked and counted exactly, including the units
// the slot holds for the last one when they stop.
TEST_F(AttributionTest, TwoWritersTakingTurnsOnOneCpuAreCountedExactly) {
    auto root = cgroup2_mount_point();
    if (!root) GTEST_SKIP() << "no cgroup v2 hierarchy is mounted (findmnt -t cgroup2)";
    LoopExt4 fs(LoopExt4Options{.size_mib = 128});
    TraceEntry entry = trace(fs, FSEV_TRACE_THRESH, /*lower=*/16);
    std::string unique = "fsev-attribution-turns-" + std::to_string(::getpid());
    TestCgroup slow(*root, unique + "-slow");
    TestCgroup fast(*root, unique + "-fast");

    WriterWindows windows;
    windows.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(writer_maps()));
    constexpr int chunks = 200;
    constexpr size_t slow_chunk = 16 << 10, fast_chunk = 64 << 10;
    pid_t slow_pid = 0, fast_pid = 0;
    {
        test::OneCpu pinned;
        ASSERT_TRUE(pinned.pinned()) << std::strerror(errno);
        slow_pid = start_writer(slow, fs.path("slow"), slow_chunk, chunks, 1ms);
        fast_pid = start_writer(fast, fs.path("fast"), fast_chunk, chunks, 1ms);
        ASSERT_EQ(wait_for_exit(slow_pid), 0);
        ASSERT_EQ(wait_for_exit(fast_pid), 0);
    }
    // The last writer's units since it took the slot are still there.
    EXPECT_GT(pending_in_slots(probes_->writer_slots_map_fd(), fs.kernel_device()), 0u);
    windows.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(writer_maps()));

    TopWriters top = windows.top(fs.kernel_device(), 1min, 3);
    test::expect_ranked_first_and_second(top, {fast.id(), fast_pid, fast_chunk * chunks},
                                         {slow.id(), slow_pid, slow_chunk * chunks});
    ASSERT_GE(top.writers.size(), 2u);
    EXPECT_EQ(top.writers[0].bytes, fast_chunk * chunks);
    EXPECT_EQ(top.writers[1].bytes, slow_chunk * chunks);
    // Forked from this process, both writers keep its comm.
    EXPECT_EQ(top.writers[0].comm, own_comm());
    EXPECT_EQ(top.writers[1].comm, own_comm());
    untrace(entry);
}

TEST_F(AttributionTest, UntracedFilesystemGetsNoWriters) {
    LoopExt4 fs;
    fs.write_file("data", 1 << 20, /*sync_file=*/true);
    for (const WriterCount &writer : read_writer_counts(writer_maps()))
        EXPECT_NE(writer.device, fs.kernel_device()) << writer.comm << " " << writer.bytes;
}

TEST_F(AttributionTest, AllocationsWithoutReservationAreCountedOnce) {
    LoopExt4 fs;
    TraceEntry entry = trace(fs, FSEV_TRACE_WARN);
    // fallocate: no delalloc reservation, the allocation is counted.
    constexpr off_t allocated = 4 << 20;
    int fd = ::open(fs.path("fallocated").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::fallocate(fd, 0, 0, allocated), 0) << std::strerror(errno);
    ::close(fd);
    // Buffered then written back: counted at reservation, not at writeback.
    fs.write_file("buffered", 4 << 20, /*sync_file=*/true);
    uint64_t own = 0;
    for (const WriterCount &writer : read_writer_counts(writer_maps()))
        if (writer.device == fs.kernel_device() && static_cast<pid_t>(writer.tgid) == ::getpid())
            own += writer.bytes;
    EXPECT_NEAR(static_cast<double>(own), double(8 << 20), 0.05 * (8 << 20));
    untrace(entry);
}

}  // namespace
}  // namespace fsev
