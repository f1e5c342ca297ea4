// Sliding windows over cumulative writer counts, and the names read out of
// cgroup paths.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "attribution/cgroup_names.h"
#include "attribution/writer_windows.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

WriterCount writer(uint64_t cgroup, uint32_t tgid, uint64_t bytes, uint32_t device = 7,
                   uint64_t first_ns = 1) {
    WriterCount count;
    count.first_ns = first_ns;
    count.device = device;
    count.cgroup_id = cgroup;
    count.tgid = tgid;
    count.comm = "w" + std::to_string(tgid);
    count.bytes = bytes;
    return count;
}

TEST(WriterWindowsTest, WindowCountsGrowthSinceItsStart) {
    WriterWindows windows(10min);
    auto start = WriterWindows::Clock::time_point{} + 1h;
    windows.add_snapshot(start, {writer(1, 10, 100), writer(2, 20, 1000)});
    windows.add_snapshot(start + 5min, {writer(1, 10, 600), writer(2, 20, 1100)});
    windows.add_snapshot(start + 9min, {writer(1, 10, 700), writer(2, 20, 4100)});

    TopWriters last_minutes = windows.top(7, 4min, 5);  // since start + 5min
    ASSERT_EQ(last_minutes.writers.size(), 2u);
    EXPECT_EQ(last_minutes.writers[0].tgid, 20u);
    EXPECT_EQ(last_minutes.writers[0].bytes, 3000u);
    EXPECT_EQ(last_minutes.writers[1].bytes, 100u);
    EXPECT_EQ(last_minutes.covered, 4min);

    TopWriters whole = windows.top(7, 10min, 1);  // only 9 min covered
    ASSERT_EQ(whole.writers.size(), 1u);
    EXPECT_EQ(whole.writers[0].bytes, 3100u);
    EXPECT_EQ(whole.other_bytes, 600u);
    EXPECT_EQ(whole.covered, 9min);
}

TEST(WriterWindowsTest, NewAndRecreatedEntriesCountWhatTheyHold) {
    WriterWindows windows(1min);
    auto start = WriterWindows::Clock::time_point{} + 1h;
    windows.add_snapshot(start, {writer(1, 10, 5000)});
    // tgid 10's entry was evicted and made again; tgid 30 is new; another
    // device does not count.
    windows.add_snapshot(start + 30s, {writer(1, 10, 200, 7, /*first_ns=*/2), writer(3, 30, 70),
                                       writer(1, 10, 9999, 8)});
    TopWriters top = windows.top(7, 1min, 5);
    ASSERT_EQ(top.writers.size(), 2u);
    EXPECT_EQ(top.writers[0].bytes, 200u);
    EXPECT_EQ(top.writers[1].bytes, 70u);
}

// A read that missed units moving from a CPU's slot to their entry shows the
// same entry lower for a moment: the window neither counts it as remade nor
// goes back.
TEST(WriterWindowsTest, AnEntryReadLowerKeepsItsCount) {
    WriterWindows windows(1min);
    auto start = WriterWindows::Clock::time_point{} + 1h;
    windows.add_snapshot(start, {writer(1, 10, 1000)});
    windows.add_snapshot(start + 10s, {writer(1, 10, 5000)});
    windows.add_snapshot(start + 20s, {writer(1, 10, 4000)});  // 1000 in flight
    TopWriters top = windows.top(7, 1min, 5);
    ASSERT_EQ(top.writers.size(), 1u);
    EXPECT_EQ(top.writers[0].bytes, 4000u);
    windows.add_snapshot(start + 30s, {writer(1, 10, 6000)});
    EXPECT_EQ(windows.top(7, 1min, 5).writers[0].bytes, 5000u);
    EXPECT_EQ(windows.top(7, 15s, 5).writers[0].bytes, 1000u);  // since start + 10s
}

TEST(WriterWindowsTest, OldSnapshotsAreDroppedButTheWindowStartIsKept) {
    WriterWindows windows(1min);
    auto start = WriterWindows::Clock::time_point{} + 1h;
    for (int i = 0; i <= 20; i++)
        windows.add_snapshot(start + i * 10s, {writer(1, 10, 100u * static_cast<uint64_t>(i))});
    TopWriters top = windows.top(7, 1min, 5);
    ASSERT_EQ(top.writers.size(), 1u);
    EXPECT_EQ(top.writers[0].bytes, 600u);
    EXPECT_EQ(top.covered, 1min);
}

TEST(WriterWindowsTest, SnapshotsTakenToAnswerDoNotPileUp) {
    WriterWindows windows(1min);
    auto start = WriterWindows::Clock::time_point{} + 1h;
    windows.add_snapshot(start, {writer(1, 10, 100)});
    for (int i = 1; i <= 50; i++)
        windows.add_snapshot(start + i * 100ms, {writer(1, 10, 100u + static_cast<uint64_t>(i))},
                             /*periodic=*/false);
    TopWriters top = windows.top(7, 1min, 5);
    ASSERT_EQ(top.writers.size(), 1u);
    EXPECT_EQ(top.writers[0].bytes, 50u);  // the latest answer against the periodic start
    windows.add_snapshot(start + 6s, {writer(1, 10, 400)});
    top = windows.top(7, 1min, 5);
    ASSERT_EQ(top.writers.size(), 1u);
    EXPECT_EQ(top.writers[0].bytes, 300u);
    EXPECT_EQ(top.covered, 6s);
}

TEST(WorkloadOfTest, ContainersPodsAndUnits) {
    EXPECT_EQ(workload_of("/system.slice/docker-"
                          "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c.scope")
                  .name,
              "4f1c2d3e4f5a");
    EXPECT_EQ(workload_of("/docker/4f1c2d3e4f5a6b7c8d9e").kind, "container");
    Workload pod = workload_of(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1234abcd_5678.slice");
    EXPECT_EQ(pod.kind, "pod");
    EXPECT_EQ(pod.name, "1234abcd_5678");
    Workload in_pod = workload_of(
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/"
        "cri-containerd-aaaabbbbccccddddeeee.scope");
    EXPECT_EQ(in_pod.kind, "container");
    EXPECT_EQ(in_pod.name, "aaaabbbbcccc");
    EXPECT_EQ(workload_of("/kubepods/burstable/pod42").name, "42");
    Workload service = workload_of("/system.slice/nginx.service");
    EXPECT_EQ(service.kind, "service");
    EXPECT_EQ(service.name, "nginx.service");
    EXPECT_EQ(workload_of("/user.slice/user-0.slice/session-3.scope").kind, "scope");
    EXPECT_EQ(workload_of("/").kind, "");
    EXPECT_EQ(workload_of("/my-test-group").kind, "");
}

TEST(CgroupMountTest, FindsTheCgroup2MountInMountinfo) {
    test::TempDir dir;
    std::string file = dir.path() + "/mountinfo";
    std::ofstream(file) << "25 30 0:22 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755\n"
                           "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n";
    EXPECT_EQ(cgroup2_mount_point(file), "/sys/fs/cgroup/unified");
    std::ofstream(file) << "25 30 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n";
    EXPECT_EQ(cgroup2_mount_point(file), std::nullopt);
}

}  // namespace
}  // namespace fsev
