// A disk that fails every I/O, on any kernel: XFS and btrfs on a
// device-mapper device whose table is switched to the `error` target, and
// btrfs on a loop device whose backing store runs out. No debug option
// (CONFIG_XFS_DEBUG's error injection) is needed.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/loop_filesystem.h"
#include "support/mapped_filesystem.h"
#include "support/root_required.h"
#include "support/starved_filesystem.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The events about a `type` filesystem traced for `err` whose disk fails
// under a change that is in memory only, once that change is forced out
// (syncfs), waiting for `count` of them. Sets skipped_ where it cannot run.
class DeviceErrors : public ::testing::Test {
  protected:
    std::vector<json> errors_of_failing_disk(const std::string &type, uint64_t size_mib,
                                             size_t count) {
        if (std::string why = test::device_mapper_unavailable(); !why.empty()) {
            skipped_ = why;
            return {};
        }
        return errors_of_disk<test::MappedFilesystem>(type, size_mib, count,
                                                      &test::MappedFilesystem::fail_all_io);
    }

    // The same on a disk that runs out of room under the filesystem.
    std::vector<json> errors_of_starved_disk(const std::string &type, uint64_t size_mib,
                                             size_t count) {
        return errors_of_disk<test::StarvedFilesystem>(type, size_mib, count,
                                                       &test::StarvedFilesystem::starve);
    }

    // A `Disk` filesystem of `type`, made to fail by `fail`.
    template <typename Disk>
    std::vector<json> errors_of_disk(const std::string &type, uint64_t size_mib, size_t count,
                                     void (Disk::*fail)()) {
        if (!test::filesystem_available(type)) {
            skipped_ = type + " or mkfs." + type + " is missing";
            return {};
        }
        auto disk = std::make_shared<Disk>(type, size_mib);
        disk_ = disk;
        return errors_after_failure(
            disk->mount_point(), disk->device(), [&] { ((*disk).*fail)(); }, count);
    }

    std::vector<json> errors_after_failure(const std::string &mount_point, dev_t device,
                                           const std::function<void()> &fail, size_t count) {
        daemon_ = std::make_unique<test::DaemonProcess>();
        EXPECT_TRUE(daemon_->wait_until_ready()) << daemon_->output();
        listener_ = std::make_unique<test::ListenerProcess>(
            std::vector<std::string>{"--json", "--run-dir", daemon_->run_dir()});
        EXPECT_TRUE(listener_->wait_until_listening(10s)) << listener_->errors();
        auto result = daemon_->request(mount_point + " err");
        EXPECT_EQ(result.exit_code, 0) << result.output << daemon_->output();

        test::run_checked({"bash", "-c", "echo data > " + mount_point + "/file"});
        fail();
        test::run_command({"sync", "-f", mount_point});
        return listener_->wait_for_json_about(device, count, 20s);
    }

    // btrfs aborting a transaction: an internal error, then the switch to read-only.
    void expect_error_then_read_only(const std::vector<json> &errors) {
        ASSERT_EQ(errors.size(), 2u) << listener_->output() << daemon_->output();
        EXPECT_EQ(errors[0]["type"], "ERR");
        EXPECT_EQ(errors[0]["event"], "FS_ERR_INTERNAL") << errors[0].dump();
        EXPECT_EQ(errors[1]["type"], "ERR");
        EXPECT_EQ(errors[1]["event"], "FS_ERR_RO_REMOUNT") << errors[1].dump();
    }

    std::string skipped_;
    std::shared_ptr<void> disk_;  // the failing filesystem, kept until the daemon has stopped
    std::unique_ptr<test::DaemonProcess> daemon_;
    std::unique_ptr<test::ListenerProcess> listener_;
};

TEST_F(DeviceErrors, XfsOnAFailingDiskShutsDownWithAnIoError) {
    FSEV_REQUIRE_ROOT();
    // Forcing the log out fails: XFS shuts down (SHUTDOWN_LOG_IO_ERROR).
    std::vector<json> errors = errors_of_failing_disk("xfs", 300, 1);
    if (!skipped_.empty()) GTEST_SKIP() << skipped_;
    ASSERT_FALSE(errors.empty()) << listener_->output() << daemon_->output();
    EXPECT_EQ(errors[0]["type"], "ERR");
    EXPECT_EQ(errors[0]["event"], "FS_ERR_INTERNAL") << errors[0].dump() << daemon_->output();
}

TEST_F(DeviceErrors, BtrfsOnAFailingDiskReportsAnErrorAndTheSwitchToReadOnly) {
    FSEV_REQUIRE_ROOT();
    // The commit's writes fail: btrfs aborts the transaction, turns itself
    // read-only, and syncfs fails with EIO.
    std::vector<json> errors = errors_of_failing_disk("btrfs", 256, 2);
    if (!skipped_.empty()) GTEST_SKIP() << skipped_;
    expect_error_then_read_only(errors);
}

TEST_F(DeviceErrors, BtrfsOnADiskThatRunsOutOfRoomReportsAnErrorAndTheSwitchToReadOnly) {
    FSEV_REQUIRE_ROOT();
    // The same failure without device-mapper: the loop device's backing
    // file cannot grow, so the commit's writes to new places fail.
    std::vector<json> errors = errors_of_starved_disk("btrfs", 256, 2);
    if (!skipped_.empty()) GTEST_SKIP() << skipped_;
    expect_error_then_read_only(errors);
}

}  // namespace
}  // namespace fsev
