#include "events/filesystem_events.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <chrono>
#include <cstring>

#include "model/device.h"

namespace fsev {
namespace {

TraceEntry entry_on(uint32_t id, uint32_t minor_number, const std::string &mount_point) {
    TraceEntry entry;
    entry.id = id;
    entry.device = makedev(7, minor_number);
    entry.types = TRACE_ALL;
    entry.mount_point = mount_point;
    return entry;
}

TraceEntry entry_seven() {
    return entry_on(7, 3, "/srv/data");
}

// FilesystemEvents with entry 7 traced, collecting what it publishes.
struct Collected {
    struct Published {
        Event event;
        uint64_t suppressed_before;
    };
    std::vector<Published> published;
    FilesystemEvents events{[this](const Event &event, uint64_t suppressed) {
        published.push_back({event, suppressed});
    }};
    Collected() { events.entry_created(entry_seven()); }
    // What one record makes.
    std::vector<Published> of(const fsev_record &record) {
        size_t before = published.size();
        events.record(record);
        return {published.begin() + before, published.end()};
    }
};

fsev_record thresh_record(uint32_t trace_id, uint32_t minor_number = 3) {
    fsev_record record{};
    record.dev = make_kernel_dev(7, minor_number);
    record.source = FSEV_SRC_DA_RESERVE;
    record.trace_id = trace_id;
    record.event_type = FS_EVENT_THRESH;
    record.event_id = FS_THRESH_UR_REACHED;
    record.direction = FS_EVENT_DIR_FILLING;
    record.available_blocks = 499;
    record.block_size = 4096;
    record.pid = 4242;
    return record;
}

uint64_t monotonic_now_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return uint64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// An ERR record of entry 7 from `source`, stamped `timestamp_ns`, on a
// filesystem mounted with errors=remount-ro.
fsev_record error_record(uint32_t source, uint32_t event_id, uint64_t timestamp_ns = 0) {
    fsev_record record = thresh_record(7);
    record.source = source;
    record.event_type = FS_EVENT_ERR;
    record.event_id = event_id;
    record.direction = FS_EVENT_DIR_NONE;
    record.error_mode = FSEV_ERRORS_REMOUNT_RO;
    record.timestamp_ns = timestamp_ns;
    return record;
}

TEST(FilesystemEvents, ACrossingBecomesOneEventWithEveryField) {
    Collected events;
    auto out = events.of(thresh_record(7));
    ASSERT_EQ(out.size(), 1u);
    const Event &event = out[0].event;
    EXPECT_EQ(event.type, FS_EVENT_THRESH);
    EXPECT_EQ(event.id, FS_THRESH_UR_REACHED);
    EXPECT_EQ(event.direction, FS_EVENT_DIR_FILLING);
    EXPECT_EQ(event.trace_id, 7u);
    EXPECT_TRUE(event.has_device);
    EXPECT_EQ(event.dev_major, 7u);
    EXPECT_EQ(event.dev_minor, 3u);
    EXPECT_EQ(event.caused_pid, 4242u);
    EXPECT_EQ(event.available_blocks, 499u);
    EXPECT_EQ(event.block_size, 4096u);
    EXPECT_EQ(event.mount_point, "/srv/data");
    EXPECT_EQ(event.counted_by, FS_EVENT_COUNT_EXACT);
    EXPECT_EQ(out[0].suppressed_before, 0u);
}

TEST(FilesystemEvents, RawRecordsAndGoneEntriesBecomeNothing) {
    Collected events;
    fsev_record raw = thresh_record(0);
    raw.event_type = FS_EVENT_NONE;
    EXPECT_TRUE(events.of(raw).empty());
    EXPECT_TRUE(events.of(thresh_record(8)).empty()) << "entry 8 was removed meanwhile";
    events.events.entry_removed(entry_seven(), false);
    EXPECT_TRUE(events.of(thresh_record(7)).empty()) << "entry 7 is gone";
}

TEST(FilesystemEvents, ShutdownKeepsItsIdAndIsRateLimitedLikeErrors) {
    Collected events;
    fsev_record shutdown = error_record(FSEV_SRC_SHUTDOWN, FS_ERR_SHUTDOWN);
    size_t let_through = 0;
    for (int i = 0; i < 30; ++i) {
        auto out = events.of(shutdown);
        for (const auto &published : out) EXPECT_EQ(published.event.id, FS_ERR_SHUTDOWN);
        let_through += out.size();
    }
    EXPECT_EQ(let_through, 10u) << "a burst of 10, then held back";
    EXPECT_EQ(events.events.suppressed_errors(), 20u);
}

TEST(FilesystemEvents, ThresholdEventsAreNeverRateLimited) {
    Collected events;
    size_t let_through = 0;
    for (int i = 0; i < 100; ++i) let_through += events.of(thresh_record(7)).size();
    EXPECT_EQ(let_through, 100u);
}

TEST(FilesystemEvents, NameEnospcOfAnUntracedDirectoryBecomesNothing) {
    Collected events;
    fsev_record record{};
    record.source = FSEV_SRC_SYSCALL_ENOSPC_PATH;
    record.pid = 0;
    record.dirfd = -100;
    std::strcpy(record.path, "/tmp/x");
    EXPECT_TRUE(events.of(record).empty());
}

TEST(FilesystemEvents, LevelsCrossedAtArmingAreThresholdEventsCountedByStatfs) {
    Collected events;
    fsev_threshold_step step{};
    step.count = 2;
    step.crossings[0] = {FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING};
    step.crossings[1] = {FS_THRESH_UR_REACHED, FS_EVENT_DIR_FILLING};
    events.events.levels_crossed(entry_seven(), step, 321, 1024);
    ASSERT_EQ(events.published.size(), 2u);
    for (const auto &published : events.published) {
        EXPECT_EQ(published.event.type, FS_EVENT_THRESH);
        EXPECT_EQ(published.event.counted_by, FS_EVENT_COUNT_STATFS);
        EXPECT_EQ(published.event.available_blocks, 321u);
        EXPECT_EQ(published.event.block_size, 1024u);
        EXPECT_EQ(published.event.direction, FS_EVENT_DIR_FILLING);
        EXPECT_EQ(published.event.dev_major, 7u);
        EXPECT_EQ(published.event.dev_minor, 3u);
    }
    EXPECT_EQ(events.published[0].event.id, FS_THRESH_LR_REACHED);
    EXPECT_EQ(events.published[1].event.id, FS_THRESH_UR_REACHED);
}

TEST(FilesystemEvents, UnmountedWithItsEntryIsInfoWithoutSpace) {
    Collected events;
    events.events.entry_removed(entry_seven(), /*filesystem_gone=*/true);
    ASSERT_EQ(events.published.size(), 1u);
    EXPECT_EQ(events.published[0].event.type, FS_EVENT_INFO);
    EXPECT_EQ(events.published[0].event.id, FS_INFO_UMOUNT);
    EXPECT_EQ(events.published[0].event.available_blocks, 0u);
}

// A failed write on a filesystem with errors=remount-ro: the error goes out,
// then the read-only switch is awaited (here it never comes: 7:3 is not
// mounted). Meanwhile that filesystem's next record waits behind the check
// and another filesystem's record goes out at once.
TEST(FilesystemEvents, AnotherFilesystemsRecordGoesOutWhileAnErrorAwaitsItsCheck) {
    Collected events;
    events.events.entry_created(entry_on(8, 4, "/srv/other"));
    fsev_record error =
        error_record(FSEV_SRC_SYSCALL_IO_ERROR, FS_ERR_INTERNAL, monotonic_now_ns());
    auto started = std::chrono::steady_clock::now();

    ASSERT_EQ(events.of(error).size(), 1u);
    EXPECT_TRUE(events.events.checks_pending());
    EXPECT_TRUE(events.of(thresh_record(7)).empty()) << "waits behind the check";
    auto other = events.of(thresh_record(8, 4));
    ASSERT_EQ(other.size(), 1u) << "another filesystem is not held up";
    EXPECT_EQ(other[0].event.trace_id, 8u);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));

    events.events.finish_checks();  // up to the switch's deadline
    EXPECT_FALSE(events.events.checks_pending());
    ASSERT_EQ(events.published.size(), 3u);
    EXPECT_EQ(events.published[2].event.trace_id, 7u);
    EXPECT_EQ(events.published[2].event.type, FS_EVENT_THRESH) << "no switch seen: no RO event";
}

// Memory stays bounded: once thousands of records wait behind a check, the
// check ends as if its deadline had passed and they all go out, in order.
TEST(FilesystemEvents, AStormBehindACheckEndsTheCheck) {
    Collected events;
    ASSERT_EQ(
        events.of(error_record(FSEV_SRC_SYSCALL_IO_ERROR, FS_ERR_INTERNAL, monotonic_now_ns()))
            .size(),
        1u);
    size_t waited = 0;
    while (events.events.checks_pending() && waited < 100000) {
        fsev_record record = thresh_record(7);
        record.available_blocks = ++waited;
        events.events.record(record);
    }
    EXPECT_FALSE(events.events.checks_pending());
    EXPECT_LE(waited, 5000u);
    ASSERT_EQ(events.published.size(), 1 + waited);
    for (size_t i = 1; i < events.published.size(); ++i)
        EXPECT_EQ(events.published[i].event.available_blocks, i) << "in the kernel's order";
}

// A record older than the wait (a backlog) is checked once, not waited for.
TEST(FilesystemEvents, AnOldErrorRecordIsNotWaitedFor) {
    Collected events;
    fsev_record error = error_record(FSEV_SRC_SYSCALL_IO_ERROR, FS_ERR_INTERNAL,
                                     monotonic_now_ns() - 2'000'000'000ull);  // 2 s ago
    ASSERT_EQ(events.of(error).size(), 1u);
    EXPECT_FALSE(events.events.checks_pending());
    EXPECT_EQ(events.of(thresh_record(7)).size(), 1u);
}

TEST(FilesystemEvents, AnAdministratorsRemountIsInfo) {
    Collected events;
    MountInfo mount;
    mount.device = makedev(7, 3);
    mount.mount_point = "/srv/data";
    mount.super_options = "ro,errors=continue";
    events.events.mounts_changed({mount});
    mount.super_options = "rw,errors=continue";
    events.events.mounts_changed({mount});
    events.events.mounts_changed({mount});
    ASSERT_EQ(events.published.size(), 2u);
    EXPECT_EQ(events.published[0].event.id, FS_INFO_REMOUNT_RO);
    EXPECT_EQ(events.published[1].event.id, FS_INFO_REMOUNT_RW);
}

}  // namespace
}  // namespace fsev
