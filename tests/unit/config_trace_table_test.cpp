// The trace table behind /run/fsev/config: what each request does to the
// entries, ids, atomicity, and SPEC §2's table of differences from the RFC.
// Paths resolve through a fake (the real resolver runs in the integration
// tests).
#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

#include "config/trace_table.h"
#include "config_test_support.h"

namespace fsev {
namespace {

using test::FakeResolver;
using test::RecordingObserver;
using Calls = std::vector<std::string>;

class TraceTableTest : public ::testing::Test {
  protected:
    void SetUp() override { table.add_observer(&observer); }
    void write(std::string_view text) { table.apply_write(text, resolver); }
    int write_error(std::string_view text) {
        return test::write_error(table, resolver, text, &message);
    }
    std::vector<TraceEntry> entries() const { return table.entries(); }

    FakeResolver resolver;
    RecordingObserver observer;
    TraceTable table;
    std::string message;
};

TEST_F(TraceTableTest, AddingCreatesAnEntryWithIdOne) {
    write("/srv/data warn,err,thr 710000 500000");
    ASSERT_EQ(entries().size(), 1u);
    TraceEntry entry = entries()[0];
    EXPECT_EQ(entry.id, 1u);
    EXPECT_EQ(entry.device, makedev(254, 16));
    EXPECT_EQ(entry.types, TRACE_WARN | TRACE_ERR | TRACE_THRESH);
    EXPECT_TRUE(entry.has_lower);
    EXPECT_TRUE(entry.has_upper);
    EXPECT_EQ(entry.lower_level, 710000u);
    EXPECT_EQ(entry.upper_level, 500000u);
    EXPECT_EQ(entry.mount_point, "/srv/data");
    EXPECT_EQ(entry.fstype, "ext4");
    EXPECT_EQ(entry.source, "/dev/vdb1");
    EXPECT_EQ(observer.calls, Calls({"created 1"}));
    EXPECT_EQ(table.listing(), "1 /srv/data ext4 /dev/vdb1 (warn,err,thr 710000 500000)\n");
}

TEST_F(TraceTableTest, AddingTypesExtendsTheEntry) {
    write("/srv/data warn");
    write("/srv/data err");
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].types, TRACE_WARN | TRACE_ERR);
    EXPECT_EQ(observer.calls, Calls({"created 1", "changed 1"}));
}

TEST_F(TraceTableTest, AddingWhatIsAlreadyThereChangesNothing) {
    write("/srv/data warn,err");
    write("/srv/data err");
    EXPECT_EQ(observer.calls, Calls({"created 1"}));
}

TEST_F(TraceTableTest, AnyPathInsideTheFilesystemNamesIt) {
    write("/srv/data warn");
    write("/srv/data/sub/dir err");
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].mount_point, "/srv/data");
    EXPECT_EQ(entries()[0].types, TRACE_WARN | TRACE_ERR);
}

TEST_F(TraceTableTest, TwoMountPointsOfOneFilesystemShareOneEntry) {
    write("/srv/data warn");
    write("/mnt/bind info");
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].id, 1u);
    EXPECT_EQ(entries()[0].types, TRACE_WARN | TRACE_INFO);
    EXPECT_EQ(entries()[0].mount_point, "/srv/data");  // the first one named
}

TEST_F(TraceTableTest, RemovingTypesKeepsTheOthers) {
    write("/srv/data info,warn,err");
    write("!/srv/data warn");
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].types, TRACE_INFO | TRACE_ERR);
    EXPECT_EQ(observer.calls, Calls({"created 1", "changed 1"}));
}

TEST_F(TraceTableTest, RemovingATypeThatIsNotThereIsHarmless) {
    write("/srv/data info");
    write("!/srv/data warn,info");
    EXPECT_TRUE(entries().empty());
}

TEST_F(TraceTableTest, RemovingThrClearsTheLevels) {
    write("/srv/data warn,thr 100 50");
    write("!/srv/data thr");
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].types, TRACE_WARN);
    EXPECT_FALSE(entries()[0].has_lower);
    EXPECT_FALSE(entries()[0].has_upper);
    EXPECT_EQ(table.listing(), "1 /srv/data ext4 /dev/vdb1 (warn - -)\n");
}

TEST_F(TraceTableTest, RemovingTheLastTypeRemovesTheEntry) {
    // The RFC kept an entry watching nothing.
    write("/srv/data warn,err");
    write("!/srv/data err,warn");
    EXPECT_TRUE(entries().empty());
    EXPECT_EQ(observer.calls, Calls({"created 1", "removed 1"}));
}

TEST_F(TraceTableTest, RemovingTheEntry) {
    write("/srv/data warn;/home err");
    write("!/srv/data");
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].mount_point, "/home");
    EXPECT_EQ(observer.calls, Calls({"created 1", "created 2", "removed 1"}));
}

TEST_F(TraceTableTest, RemovingThroughAnotherMountPointOfTheFilesystem) {
    write("/srv/data warn");
    write("!/mnt/bind");
    EXPECT_TRUE(entries().empty());
}

TEST_F(TraceTableTest, RemovingAnUntracedFilesystemIsInvalid) {
    EXPECT_EQ(write_error("!/srv/data"), EINVAL);
    EXPECT_NE(message.find("is not traced"), std::string::npos) << message;
    EXPECT_EQ(write_error("!/srv/data warn"), EINVAL);
}

TEST_F(TraceTableTest, WhitespaceOnlyWriteRemovesEverything) {
    write("/srv/data warn;/home err;/var/lib info");
    write(" \n");
    EXPECT_TRUE(entries().empty());
    EXPECT_EQ(observer.calls, Calls({"created 1", "created 2", "created 3", "removed 1",
                                     "removed 2", "removed 3"}));
    EXPECT_EQ(table.listing(), "");
}

TEST_F(TraceTableTest, EmptyRequestsBetweenSemicolonsDoNotClear) {
    // SPEC difference: the RFC cleared every entry here.
    write("/srv/data warn");
    write("/home err;;");
    write(";");
    EXPECT_EQ(entries().size(), 2u);
}

TEST_F(TraceTableTest, ThrNeedsL1WhenAdded) {
    EXPECT_EQ(write_error("/srv/data thr"), EINVAL);
    EXPECT_NE(message.find("thr needs L1"), std::string::npos) << message;
    EXPECT_TRUE(entries().empty());
}

TEST_F(TraceTableTest, ThrWithoutLevelsKeepsExistingLevels) {
    write("/srv/data thr 100 50");
    write("/srv/data thr,warn");
    EXPECT_EQ(entries()[0].lower_level, 100u);
    EXPECT_EQ(entries()[0].upper_level, 50u);
    EXPECT_EQ(observer.calls, Calls({"created 1", "changed 1"}));
}

TEST_F(TraceTableTest, L2IsOptional) {
    write("/srv/data thr 100");
    EXPECT_TRUE(entries()[0].has_lower);
    EXPECT_FALSE(entries()[0].has_upper);
    EXPECT_EQ(table.listing(), "1 /srv/data ext4 /dev/vdb1 (thr 100 -)\n");
}

TEST_F(TraceTableTest, SettingThresholdsAgainResetsAndRearmsThem) {
    write("/srv/data thr 100 50");
    write("/srv/data thr 300");
    EXPECT_EQ(entries()[0].lower_level, 300u);
    EXPECT_FALSE(entries()[0].has_upper);  // L2 not given this time: unset
    write("/srv/data thr 300");            // same values: still re-armed
    EXPECT_EQ(observer.calls, Calls({"created 1", "changed 1 reset", "changed 1 reset"}));
}

TEST_F(TraceTableTest, NewEntryWithThresholdsIsCreatedNotReset) {
    write("/srv/data thr 100 50");
    EXPECT_EQ(observer.calls, Calls({"created 1"}));
}

TEST_F(TraceTableTest, NonexistentPathIsEnoent) {
    EXPECT_EQ(write_error("/does/not/exist info"), ENOENT);
    EXPECT_NE(message.find("request 1 '/does/not/exist info'"), std::string::npos) << message;
    EXPECT_EQ(write_error("!/does/not/exist"), ENOENT);
}

TEST_F(TraceTableTest, Ext4CanDeliverEveryType) {
    EXPECT_EQ(write_error("/srv/data info,warn,err,thr 10 5"), 0);
}

TEST_F(TraceTableTest, OtherFilesystemsDeliverWhatTheirHooksAllow) {
    // Thresholds and ENOSPC on every filesystem that holds space; errors
    // where the kernel reports them (xfs shutdowns, btrfs failing syscalls).
    for (std::string_view request : {"/mnt/xfs info,warn,err,thr 10 5", "/tmp info,warn,thr 10 5",
                                     "/mnt/btrfs warn,err,thr 10"})
        EXPECT_EQ(write_error(request), 0) << request << ": " << message;
    EXPECT_EQ(write_error("/tmp err"), EOPNOTSUPP);
    EXPECT_NE(message.find("tmpfs cannot deliver err events (it can: info,warn,thr)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("tmpfs has no error path"), std::string::npos) << message;
    EXPECT_EQ(write_error("/mnt/usb info"), 0);
    for (std::string_view request : {"/mnt/usb warn", "/mnt/usb thr 10"})
        EXPECT_EQ(write_error(request), EOPNOTSUPP) << request;
    EXPECT_NE(message.find("no space or error hooks for vfat"), std::string::npos) << message;
    ASSERT_EQ(entries().size(), 4u);
    EXPECT_EQ(entries()[3].types, TRACE_INFO);
    // Removal is always allowed.
    EXPECT_EQ(write_error("!/mnt/usb info"), 0);
}

TEST_F(TraceTableTest, ErrorsAreRefusedWhereTheKernelLacksTheHook) {
    FilesystemSupport support;
    support.errors_unavailable("xfs", "this kernel has no xfs_force_shutdown tracepoint");
    TraceTable limited(100, support);
    try {
        limited.apply_write("/mnt/xfs err", resolver);
        FAIL() << "xfs err accepted without the hook";
    } catch (const RequestError &error) {
        EXPECT_EQ(error.error_number(), EOPNOTSUPP);
        EXPECT_NE(std::string(error.what()).find("no xfs_force_shutdown tracepoint"),
                  std::string::npos)
            << error.what();
    }
    EXPECT_NO_THROW(limited.apply_write("/mnt/xfs warn,thr 10", resolver));
}

TEST_F(TraceTableTest, ErrorsAreAcceptedOnceALaterModuleBringsTheHook) {
    bool hook_loaded = false;
    FilesystemSupport support;
    support.errors_available_when(
        "xfs", [&hook_loaded] { return hook_loaded; }, "xfs is not loaded");
    TraceTable limited(100, support);
    EXPECT_THROW(limited.apply_write("/mnt/xfs err", resolver), RequestError);
    hook_loaded = true;
    EXPECT_NO_THROW(limited.apply_write("/mnt/xfs err", resolver));
}

TEST_F(TraceTableTest, ABadRequestLeavesEverythingAsItWas) {
    // SPEC difference: the RFC applied the requests before the bad one.
    write("/srv/data warn");
    for (std::string_view text :
         {"/home info; /srv/data bogus", "/home info; /nope info", "!/srv/data; /tmp err",
          "/var/lib info; /srv/data thr 1 2", "\n;/home err\n!/home\n!/home"}) {
        int error = write_error(text);
        EXPECT_NE(error, 0) << text;
        EXPECT_EQ(table.listing(), "1 /srv/data ext4 /dev/vdb1 (warn - -)\n") << text;
    }
    EXPECT_EQ(observer.calls, Calls({"created 1"}));
    // And a failed write used up no id.
    write("/home info");
    EXPECT_EQ(entries()[1].id, 2u);
}

TEST_F(TraceTableTest, RequestsInOneWriteApplyInOrder) {
    write("/srv/data warn; !/srv/data; /home err; /srv/data info");
    ASSERT_EQ(entries().size(), 2u);
    EXPECT_EQ(entries()[0].mount_point, "/home");
    EXPECT_EQ(entries()[1].mount_point, "/srv/data");
    EXPECT_EQ(entries()[1].types, TRACE_INFO);
    // Observers see only the net result of the write.
    EXPECT_EQ(observer.calls, Calls({"created 2", "created 3"}));
}

TEST_F(TraceTableTest, ObserversHearRemovalsBeforeCreations) {
    // Same filesystem removed and added again in one write: a map keyed by
    // the device must see the removal first.
    write("/srv/data warn");
    write("!/srv/data; /srv/data err");
    EXPECT_EQ(observer.calls, Calls({"created 1", "removed 1", "created 2"}));
}

TEST_F(TraceTableTest, SeveralObserversAreAllTold) {
    RecordingObserver second;
    table.add_observer(&second);
    write("/srv/data warn");
    EXPECT_EQ(second.calls, Calls({"created 1"}));
}

TEST(TraceTableIds, AreCyclicAndNotReusedRightAway) {
    FakeResolver resolver;
    TraceTable table;
    table.apply_write("/srv/data info", resolver);
    table.apply_write("!/srv/data", resolver);
    table.apply_write("/home info", resolver);
    EXPECT_EQ(table.entries()[0].id, 2u);  // not 1 again
}

TEST(TraceTableIds, WrapAroundSkippingLiveIds) {
    FakeResolver resolver;
    TraceTable table(3);
    table.apply_write("/srv/data info; /home info; /var/lib info", resolver);
    table.apply_write("!/home", resolver);
    table.apply_write("/tmp info", resolver);  // wraps: 1 and 3 live, so 2
    auto entries = table.entries();
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1].id, 2u);
    EXPECT_EQ(entries[1].mount_point, "/tmp");
    table.apply_write("!/srv/data", resolver);
    table.apply_write("/mnt/xfs info", resolver);  // after 2 comes 3 (live), then 1
    EXPECT_EQ(table.entries()[0].mount_point, "/mnt/xfs");
    EXPECT_EQ(table.entries()[0].id, 1u);
}

TEST(TraceTableIds, NoFreeIdIsAnError) {
    FakeResolver resolver;
    TraceTable table(2);
    table.apply_write("/srv/data info; /home info", resolver);
    try {
        table.apply_write("/var/lib info", resolver);
        FAIL() << "no error";
    } catch (const RequestError &error) {
        EXPECT_EQ(error.error_number(), ENOSPC);
    }
    EXPECT_EQ(table.entries().size(), 2u);
}

TEST_F(TraceTableTest, UnmountedFilesystemsLoseTheirEntries) {
    write("/srv/data warn; /home err");
    table.sync_with_mounts({{makedev(254, 32), "/home"}, {makedev(254, 48), "/var/lib"}});
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].mount_point, "/home");
    EXPECT_EQ(observer.calls, Calls({"created 1", "created 2", "removed 1 gone"}));
}

TEST_F(TraceTableTest, ABindMountKeepsTheEntryAlive) {
    write("/srv/data warn");
    table.sync_with_mounts({{makedev(254, 16), "/srv/data"}, {makedev(254, 16), "/mnt/bind"}});
    EXPECT_EQ(observer.calls, Calls({"created 1"}));
    // The original mount point goes; the bind mount still shows the fs.
    table.sync_with_mounts({{makedev(254, 16), "/mnt/bind"}});
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].mount_point, "/mnt/bind");
    EXPECT_EQ(observer.calls, Calls({"created 1", "changed 1"}));
}

TEST_F(TraceTableTest, ListingIsOrderedByIdAndEscaped) {
    write("/home err; /mnt/my\\040disk info");
    write("/srv/data thr 20 10");
    write("!/home");
    write("/home warn");
    EXPECT_EQ(table.listing(),
              "2 /mnt/my\\040disk ext4 /dev/loop0 (info - -)\n"
              "3 /srv/data ext4 /dev/vdb1 (thr 20 10)\n"
              "4 /home ext4 /dev/vdc1 (warn - -)\n");
}

TEST_F(TraceTableTest, ConcurrentWritersAndReadersSeeWholeWrites) {
    std::thread writer([this] {
        FakeResolver own_resolver;
        for (int i = 0; i < 200; ++i) {
            table.apply_write("/srv/data warn; /home err", own_resolver);
            table.apply_write("\n", own_resolver);
        }
    });
    for (int i = 0; i < 200; ++i) {
        size_t size = table.entries().size();
        EXPECT_TRUE(size == 0 || size == 2) << size;
    }
    writer.join();
}

}  // namespace
}  // namespace fsev
