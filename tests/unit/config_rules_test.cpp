// Levels as shares and amounts in the trace table, and rules
// (`@SELECTOR TYPES [L1 [L2]]`) for filesystems mounted now and later.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "config/trace_table.h"
#include "config_test_support.h"

namespace fsev {
namespace {

using test::FakeMounts;
using test::FakeResolver;
using test::RecordingObserver;
using Calls = std::vector<std::string>;

const dev_t kVdb = makedev(254, 16);
const dev_t kVdc = makedev(254, 32);
const dev_t kXfs = makedev(254, 64);
const dev_t kTmpfs = makedev(0, 40);
const dev_t kLoop = makedev(7, 3);

class RulesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        table.add_observer(&observer);
        table.set_mounted_filesystems(&mounts);
        table.set_notice_sink([this](const std::string &text) { notices.push_back(text); });
        mounts.mount(kVdb, "/srv/data", "ext4", "/dev/vdb1", {1000000, 4096});
        mounts.mount(kVdc, "/home", "ext4", "/dev/vdc1", {51437, 1024});
        mounts.mount(kXfs, "/mnt/xfs", "xfs", "/dev/vde1");
        mounts.mount(kTmpfs, "/tmp", "tmpfs", "tmpfs");
    }
    void write(std::string_view text) { table.apply_write(text, resolver); }
    int write_error(std::string_view text) {
        return test::write_error(table, resolver, text, &message);
    }
    const TraceEntry *entry_at(const std::string &mount_point) {
        snapshot = table.entries();
        for (const auto &entry : snapshot)
            if (entry.mount_point == mount_point) return &entry;
        return nullptr;
    }
    void sync() { table.sync_with_mounts(mounts.mount_points()); }

    FakeResolver resolver;
    FakeMounts mounts;
    RecordingObserver observer;
    TraceTable table;
    std::vector<std::string> notices;
    std::vector<TraceEntry> snapshot;
    std::string message;
};

TEST_F(RulesTest, PercentLevelsResolveAgainstTheFilesystemsSize) {
    write("/srv/data thr 10% 5%");
    const TraceEntry *entry = entry_at("/srv/data");
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->lower_level, 100000u);
    EXPECT_EQ(entry->upper_level, 50000u);
    EXPECT_EQ(entry->lower_requested, "10%");
    EXPECT_EQ(entry->upper_requested, "5%");
    // The listing keeps the RFC's format: blocks.
    EXPECT_EQ(table.listing(), "1 /srv/data ext4 /dev/vdb1 (thr 100000 50000)\n");
}

TEST_F(RulesTest, ByteLevelsResolveAgainstTheBlockSize) {
    write("/srv/data thr 20G 5G; /mnt/my\\040disk thr 20M 1537K");
    EXPECT_EQ(entry_at("/srv/data")->lower_level, (20ull << 30) / 4096);
    EXPECT_EQ(entry_at("/srv/data")->upper_level, (5ull << 30) / 4096);
    EXPECT_EQ(entry_at("/mnt/my disk")->lower_level, 20480u);
    EXPECT_EQ(entry_at("/mnt/my disk")->upper_level, 1537u);
}

TEST_F(RulesTest, BlockLevelsKeepNoRequestedText) {
    write("/srv/data thr 10% 500");
    EXPECT_EQ(entry_at("/srv/data")->lower_requested, "10%");
    EXPECT_EQ(entry_at("/srv/data")->upper_requested, "");
}

TEST_F(RulesTest, MixedUnitsOutOfOrderOnThisFilesystemAreInvalidAndChangeNothing) {
    write("/home info");
    // 5G is more than 10% of a 4 GB filesystem.
    EXPECT_EQ(write_error("/home warn; /srv/data thr 10% 5G"), EINVAL);
    EXPECT_NE(message.find("below L2"), std::string::npos) << message;
    EXPECT_EQ(table.listing(), "1 /home ext4 /dev/vdc1 (info - -)\n");
}

TEST_F(RulesTest, AnUnknownSizeFailsTheWriteWithItsErrno) {
    EXPECT_EQ(write_error("/home thr 10%"), EIO);  // the fake knows no size for /home
    EXPECT_TRUE(table.entries().empty());
    write("/home thr 1000");  // blocks need no size
    EXPECT_EQ(entry_at("/home")->lower_level, 1000u);
}

TEST_F(RulesTest, ARuleTracesEveryMatchingFilesystemMountedNow) {
    write("@ext4 info,warn,err,thr 10% 5%");
    ASSERT_EQ(table.entries().size(), 2u);
    EXPECT_EQ(entry_at("/srv/data")->lower_level, 100000u);
    EXPECT_EQ(entry_at("/home")->lower_level, 5143u);
    EXPECT_EQ(entry_at("/home")->upper_level, 2571u);
    EXPECT_EQ(entry_at("/home")->rule, "@ext4");
    EXPECT_EQ(table.listing(),
              "1 /srv/data ext4 /dev/vdb1 (info,warn,err,thr 100000 50000)\n"
              "2 /home ext4 /dev/vdc1 (info,warn,err,thr 5143 2571)\n"
              "@ext4 info,warn,err,thr 10% 5%\n");
}

TEST_F(RulesTest, TheListedRuleCanBeWrittenBack) {
    write("@ext4,/srv/* info,thr 10% 5%");
    std::string listing = table.listing();
    std::string rule_line = listing.substr(listing.find('@'));
    EXPECT_EQ(rule_line, "@ext4,/srv/* info,thr 10% 5%\n");
    write("");  // clears entries and rules
    EXPECT_EQ(table.listing(), "");
    write(rule_line);
    listing = table.listing();
    EXPECT_EQ(listing.substr(listing.find('@')), rule_line);
    EXPECT_EQ(table.entries().size(), 2u);
}

TEST_F(RulesTest, ARuleAppliesToFilesystemsMountedLaterAndStopsAtUnmount) {
    write("@blockdev info,thr 10%");
    EXPECT_EQ(table.entries().size(), 3u);  // vdb, vdc, xfs: not tmpfs
    mounts.mount(kLoop, "/mnt/new", "ext4", "/dev/loop3", {200000, 1024});
    sync();
    ASSERT_TRUE(entry_at("/mnt/new"));
    EXPECT_EQ(entry_at("/mnt/new")->lower_level, 20000u);
    EXPECT_EQ(entry_at("/mnt/new")->types, TRACE_INFO | TRACE_THRESH);
    mounts.umount("/mnt/new");
    sync();
    EXPECT_FALSE(entry_at("/mnt/new"));
    EXPECT_EQ(observer.calls.back(), "removed 4 gone");
    // Mounted again: traced again, with a new id.
    mounts.mount(kLoop, "/mnt/new", "ext4", "/dev/loop3", {200000, 1024});
    sync();
    EXPECT_EQ(entry_at("/mnt/new")->id, 5u);
}

TEST_F(RulesTest, AFilesystemThatCannotDeliverATypeGetsWhatItCanAndANotice) {
    mounts.mount(kLoop, "/mnt/usb", "vfat", "/dev/sda1");
    write("@ext4,xfs,vfat info,warn,err,thr 10% 5%");
    const TraceEntry *xfs = entry_at("/mnt/xfs");
    ASSERT_TRUE(xfs);
    EXPECT_EQ(xfs->types, TRACE_ALL);  // thresholds checked with statfs on activity
    const TraceEntry *usb = entry_at("/mnt/usb");
    ASSERT_TRUE(usb);
    EXPECT_EQ(usb->types, TRACE_INFO);
    EXPECT_FALSE(usb->has_lower);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("vfat cannot deliver warn,err,thr"), std::string::npos) << notices[0];
    EXPECT_NE(notices[0].find("/mnt/usb"), std::string::npos) << notices[0];
}

TEST_F(RulesTest, ARuleForTypesAFilesystemCannotDeliverLeavesItUntraced) {
    mounts.mount(kLoop, "/mnt/usb", "vfat", "/dev/sda1");
    write("@vfat thr 10%");
    EXPECT_TRUE(table.entries().empty());
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("not traced"), std::string::npos) << notices[0];
}

TEST_F(RulesTest, MountPointPatterns) {
    mounts.mount(kLoop, "/srv/backup", "ext4", "/dev/loop3");
    write("@/srv/* info");
    EXPECT_TRUE(entry_at("/srv/data"));
    EXPECT_TRUE(entry_at("/srv/backup"));
    EXPECT_FALSE(entry_at("/home"));
    EXPECT_EQ(table.entries().size(), 2u);
}

TEST_F(RulesTest, TheFirstMatchingRuleWins) {
    write("@/home info; @ext4 info,thr 10%");
    EXPECT_EQ(entry_at("/home")->types, TRACE_INFO);
    EXPECT_EQ(entry_at("/home")->rule, "@/home");
    EXPECT_EQ(entry_at("/srv/data")->rule, "@ext4");
}

TEST_F(RulesTest, WrittenEntriesOverrideRules) {
    write("/srv/data warn");
    write("@ext4 info,thr 10% 5%");
    // The written entry is left alone; the other ext4 gets the rule.
    EXPECT_EQ(entry_at("/srv/data")->types, TRACE_WARN);
    EXPECT_EQ(entry_at("/srv/data")->rule, "");
    EXPECT_EQ(entry_at("/home")->rule, "@ext4");
    // A request on a rule's entry makes it a written one, keeping what it has.
    write("/home thr 100 50");
    EXPECT_EQ(entry_at("/home")->rule, "");
    EXPECT_EQ(entry_at("/home")->types, TRACE_INFO | TRACE_THRESH);
    EXPECT_EQ(entry_at("/home")->lower_level, 100u);
    // Changing the rule no longer touches it.
    write("@ext4 info");
    EXPECT_EQ(entry_at("/home")->lower_level, 100u);
}

TEST_F(RulesTest, RemovingARulesEntryStaysRemovedUntilUnmount) {
    write("@ext4 info");
    write("!/home");
    EXPECT_FALSE(entry_at("/home"));
    sync();  // any mount change: the rule does not bring it back
    write("@ext4 info,err");
    EXPECT_FALSE(entry_at("/home"));
    mounts.umount("/home");
    sync();
    mounts.mount(kVdc, "/home", "ext4", "/dev/vdc1", {51437, 1024});
    sync();
    EXPECT_TRUE(entry_at("/home"));
}

TEST_F(RulesTest, ChangingARuleUpdatesItsEntriesAndRearmsTheirLevels) {
    write("@ext4 info,thr 10%");
    observer.calls.clear();
    write("@ext4 info,thr 20% 10%");
    EXPECT_EQ(entry_at("/home")->lower_level, 10287u);
    EXPECT_EQ(observer.calls, Calls({"changed 1 reset", "changed 2 reset"}));
    ASSERT_EQ(table.rules().size(), 1u);
}

TEST_F(RulesTest, RemovingARuleRemovesItsEntriesOnly) {
    write("/tmp info; @ext4 info");
    write("!@ext4");
    EXPECT_EQ(table.listing(), "1 /tmp tmpfs tmpfs (info - -)\n");
    EXPECT_EQ(write_error("!@ext4"), EINVAL);  // no such rule
}

TEST_F(RulesTest, BadRulesAreInvalidAndChangeNothing) {
    write("@ext4 info");
    std::string before = table.listing();
    for (std::string_view text :
         {"@ext4 thr", "@ info", "@ext4,,xfs info", "@EXT4 info", "!@ext4 info", "@ext4",
          "@ext4 thr 10x", "@ext4 info 10%", "/home info; @ext4 bogus"})
        EXPECT_EQ(write_error(text), EINVAL) << text;
    EXPECT_EQ(table.listing(), before);
}

TEST_F(RulesTest, RulesWithoutAMountTableMatchNothingButAreKept) {
    TraceTable bare;
    bare.apply_write("@ext4 info", resolver);
    EXPECT_TRUE(bare.entries().empty());
    EXPECT_EQ(bare.listing(), "@ext4 info\n");
}

}  // namespace
}  // namespace fsev
