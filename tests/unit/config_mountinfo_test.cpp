// Parsing /proc/PID/mountinfo, which the path resolver and mount watcher use.
#include <gtest/gtest.h>

#include <sys/sysmacros.h>

#include "mounts/mount_watcher.h"
#include "mounts/mountinfo.h"

namespace fsev {
namespace {

constexpr const char *kSample =
    "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "42 26 7:1 / /tmp/my\\040disk rw,relatime shared:30 master:2 - ext4 /dev/loop1 rw\n"
    "43 26 7:1 /sub /mnt/bind rw,relatime - ext4 /dev/loop1 rw\n"
    "44 26 0:38 / /run/fsev rw,nosuid - fuse.fsev fsev-bpf rw,user_id=0\n"
    "garbage line\n";

TEST(ConfigMountinfo, ParsesFieldsAndOptionalTags) {
    auto mounts = parse_mountinfo(kSample);
    ASSERT_EQ(mounts.size(), 4u);
    EXPECT_EQ(mounts[0].mount_id, 26u);
    EXPECT_EQ(mounts[0].device, makedev(254, 0));
    EXPECT_EQ(mounts[0].mount_point, "/");
    EXPECT_EQ(mounts[1].mount_point, "/tmp/my disk");
    EXPECT_EQ(mounts[1].fstype, "ext4");
    EXPECT_EQ(mounts[1].source, "/dev/loop1");
    EXPECT_EQ(mounts[2].root, "/sub");
    EXPECT_EQ(mounts[3].fstype, "fuse.fsev");
    EXPECT_EQ(mounts[3].source, "fsev-bpf");
}

TEST(ConfigMountinfo, MountPointsByDeviceKeepsBindMounts) {
    auto by_device = mount_points_by_device(parse_mountinfo(kSample));
    EXPECT_EQ(by_device.count(makedev(7, 1)), 2u);
    EXPECT_EQ(by_device.count(makedev(254, 0)), 1u);
}

TEST(ConfigMountinfo, ReadsTheRealTable) {
    auto mounts = read_mountinfo("self");
    bool has_root = false;
    for (const auto &mount : mounts) has_root |= mount.mount_point == "/";
    EXPECT_TRUE(has_root);
}

}  // namespace
}  // namespace fsev
