#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "events/error_rate_limiter.h"
#include "model/event.h"
#include "model/event_names.h"
#include "events/ext4_sysfs.h"
#include "mounts/mountinfo.h"
#include "events/record_format.h"
#include "support/sample_events.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

TEST(ErrorRateLimiter, LetsABurstThroughThenCountsWhatItHoldsBack) {
    ErrorRateLimiter limiter(3, 1);
    auto start = ErrorRateLimiter::Clock::now();
    EXPECT_TRUE(limiter.allow(1, start));
    EXPECT_TRUE(limiter.allow(1, start));
    EXPECT_TRUE(limiter.allow(1, start));
    EXPECT_FALSE(limiter.allow(1, start));
    EXPECT_FALSE(limiter.allow(1, start));
    EXPECT_EQ(limiter.suppressed_total(), 2u);
    // Another entry has its own bucket.
    EXPECT_TRUE(limiter.allow(2, start));
    // One second later one token is back; the held-back count goes with it.
    EXPECT_TRUE(limiter.allow(1, start + 1s));
    EXPECT_EQ(limiter.take_suppressed(1), 2u);
    EXPECT_EQ(limiter.take_suppressed(1), 0u);
    EXPECT_EQ(limiter.suppressed_total(), 2u);
}

TEST(ErrorRateLimiter, RefillIsCappedAtTheBurst) {
    ErrorRateLimiter limiter(2, 10);
    auto start = ErrorRateLimiter::Clock::now();
    EXPECT_TRUE(limiter.allow(1, start));
    auto later = start + 1h;
    EXPECT_TRUE(limiter.allow(1, later));
    EXPECT_TRUE(limiter.allow(1, later));
    EXPECT_FALSE(limiter.allow(1, later));
}

TEST(Ext4Sysfs, SuperOptionsReadOnlyIncludesEmergencyReadOnly) {
    EXPECT_TRUE(super_options_read_only("ro,errors=continue"));
    EXPECT_TRUE(super_options_read_only("rw,errors=remount-ro,emergency_ro"));
    EXPECT_FALSE(super_options_read_only("rw,errors=remount-ro"));
    EXPECT_FALSE(super_options_read_only("rw,errors=continue,root=ro"));
}

class Ext4SysfsFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("fsev-unit-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(directory_ / "loop3");
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    void write(const std::string &name, const std::string &text) {
        std::ofstream(directory_ / name) << text;
    }
    std::filesystem::path directory_;
};

TEST_F(Ext4SysfsFiles, ReadsErrorsCountAndLastCode) {
    write("loop3/errors_count", "4\n");
    write("loop3/last_error_errcode", "5\n");
    auto record = read_ext4_error_record("loop3", directory_.string());
    ASSERT_TRUE(record);
    EXPECT_EQ(record->errors_count, 4u);
    EXPECT_TRUE(ext4_error_means_corruption(record->last_error_code));
    EXPECT_FALSE(ext4_error_means_corruption(2));  // EXT4_ERR_EIO
    EXPECT_FALSE(read_ext4_error_record("../etc", directory_.string()));
    EXPECT_FALSE(read_ext4_error_record("loop9", directory_.string()));
}

TEST(Ext4Sysfs, ErrorCodesMapToTheRfcErrorIds) {
    EXPECT_EQ(ext4_error_event_id(5), FS_ERR_CORRUPTED);  // EXT4_ERR_EFSCORRUPTED
    EXPECT_EQ(ext4_error_event_id(4), FS_ERR_CORRUPTED);  // EXT4_ERR_EFSBADCRC
    EXPECT_EQ(ext4_error_event_id(2), FS_ERR_UNKNOWN);    // EXT4_ERR_EIO
    EXPECT_EQ(ext4_error_event_id(1), FS_ERR_UNKNOWN);    // EXT4_ERR_UNKNOWN
    EXPECT_EQ(ext4_error_event_id(0), FS_ERR_UNKNOWN);
    EXPECT_EQ(ext4_error_event_id(99), FS_ERR_UNKNOWN);
    EXPECT_EQ(ext4_error_event_id(3), FS_ERR_INTERNAL);   // EXT4_ERR_ENOMEM
    EXPECT_EQ(ext4_error_event_id(8), FS_ERR_INTERNAL);   // EXT4_ERR_EROFS
    EXPECT_EQ(ext4_error_event_id(17), FS_ERR_INTERNAL);  // EXT4_ERR_EFAULT
}

TEST_F(Ext4SysfsFiles, FindsTheSuperblockInMountinfo) {
    write(
        "mountinfo",
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "41 26 7:3 / /tmp/a\\040b rw,relatime - ext4 /dev/loop3 rw,errors=remount-ro,emergency_ro\n"
        "42 26 7:4 / /tmp/c ro,relatime shared:7 master:2 - ext4 /dev/loop4 ro\n");
    std::string path = (directory_ / "mountinfo").string();
    EXPECT_EQ(superblock_read_only(254, 0, path), false);
    EXPECT_EQ(superblock_read_only(7, 3, path), true);
    EXPECT_EQ(superblock_read_only(7, 4, path), true);
    EXPECT_EQ(superblock_read_only(7, 5, path), std::nullopt);
}

TEST(EventFormat, LineNamesMountPointEventAvailableBlocksAndPid) {
    Event event = test::sample_event(FS_EVENT_THRESH, FS_THRESH_UR_REACHED);
    EXPECT_EQ(format_event(event),
              "event /srv/data FS_THRESH_UR_REACHED type=THRESH direction=filling trace_id=7 "
              "dev=7:42 available_blocks=9000 block_size=4096 pid=4242");
    event.type = FS_EVENT_ERR;
    event.id = FS_ERR_CORRUPTED;
    event.direction = FS_EVENT_DIR_NONE;
    EXPECT_EQ(format_event(event, 17),
              "event /srv/data FS_ERR_CORRUPTED type=ERR trace_id=7 dev=7:42 "
              "available_blocks=9000 block_size=4096 pid=4242 suppressed_before=17");
}

TEST(EventNames, EveryPublicIdHasItsHeaderName) {
    EXPECT_EQ(event_id_name(FS_INFO_UMOUNT), "FS_INFO_UMOUNT");
    EXPECT_EQ(event_id_name(FS_WARN_ENOSPC_META), "FS_WARN_ENOSPC_META");
    EXPECT_EQ(event_id_name(FS_ERR_RO_REMOUNT), "FS_ERR_RO_REMOUNT");
    EXPECT_EQ(event_id_name(FS_INFO_REMOUNT_RW), "FS_INFO_REMOUNT_RW");
    EXPECT_EQ(event_id_name(0x8000000), "0x8000000");
    EXPECT_EQ(event_type_name(FS_EVENT_NEW_TRACE), "NEW_TRACE");
    EXPECT_EQ(direction_name(FS_EVENT_DIR_FREEING), "freeing");
    EXPECT_EQ(direction_name(FS_EVENT_DIR_NONE), "none");
}

}  // namespace
}  // namespace fsev

#include "events/name_paths.h"

namespace fsev {
namespace {

TEST(NamePaths, ParentOfAPath) {
    EXPECT_EQ(parent_of("a/b/c"), "a/b");
    EXPECT_EQ(parent_of("/x"), "/");
    EXPECT_EQ(parent_of("x"), ".");
    EXPECT_EQ(parent_of("a/b/"), "a");
    EXPECT_EQ(parent_of("/srv/data/new dir"), "/srv/data");
}

TEST(NamePaths, ResolvedThroughTheTasksProcEntriesWhileItLives) {
    std::string self = std::to_string(::getpid());
    auto pid = static_cast<uint32_t>(::getpid());
    EXPECT_EQ(directory_of_new_name(pid, AT_FDCWD, "/srv/x"), "/proc/" + self + "/root/srv");
    EXPECT_EQ(directory_of_new_name(pid, AT_FDCWD, "sub/x"), "/proc/" + self + "/cwd/sub");
    EXPECT_EQ(directory_of_new_name(pid, 7, "x"), "/proc/" + self + "/fd/7/.");
    EXPECT_EQ(directory_of_new_name(pid, AT_FDCWD, ""), std::nullopt);
}

TEST(NamePaths, AGoneTaskLeavesOnlyAbsolutePathsInTheDaemonsView) {
    uint32_t gone = 0x7ffffff0;  // above any pid_max
    EXPECT_EQ(directory_of_new_name(gone, AT_FDCWD, "/srv/x"), "/srv");
    EXPECT_EQ(directory_of_new_name(gone, AT_FDCWD, "x"), std::nullopt);
    EXPECT_EQ(directory_of_new_name(0, AT_FDCWD, "/a/b"), "/a");
}

}  // namespace
}  // namespace fsev

#include "events/event_ids.h"
#include "mounts/mountinfo.h"

namespace fsev {
namespace {

TEST(MountOptions, WholeOptionsOnly) {
    EXPECT_TRUE(has_mount_option("rw,relatime", "rw"));
    EXPECT_TRUE(has_mount_option("ro", "ro"));
    EXPECT_TRUE(has_mount_option("rw,errors=remount-ro,emergency_ro", "emergency_ro"));
    EXPECT_FALSE(has_mount_option("rw,errors=remount-ro", "ro"));
    EXPECT_FALSE(has_mount_option("", "ro"));
    EXPECT_FALSE(has_mount_option("rw,,x", "ro"));
}

TEST(RemountEvents, AnAdministratorsRemountIsInfoAnErrorsSwitchIsNot) {
    EXPECT_EQ(remount_event_id(false, "ro,errors=continue"), FS_INFO_REMOUNT_RO);
    EXPECT_EQ(remount_event_id(true, "rw,errors=continue"), FS_INFO_REMOUNT_RW);
    EXPECT_EQ(remount_event_id(false, "rw"), 0u);
    EXPECT_EQ(remount_event_id(true, "ro"), 0u);
    // ext4 >= 6.15 after errors=remount-ro: reported as FS_ERR_RO_REMOUNT instead.
    EXPECT_EQ(remount_event_id(false, "rw,errors=remount-ro,emergency_ro"), 0u);
}

}  // namespace
}  // namespace fsev
