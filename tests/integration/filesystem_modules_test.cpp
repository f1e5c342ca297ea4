// A filesystem module loaded after the daemon started (xfs, btrfs are
// modules on Debian): the daemon attaches the programs on its tracepoints
// when a filesystem of that type shows up, without a restart.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/loop_filesystem.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

bool module_loaded(const std::string &module) {
    std::ifstream modules("/proc/modules");
    std::string line;
    while (std::getline(modules, line))
        if (line.rfind(module + " ", 0) == 0) return true;
    return false;
}

// Empty when `module` is now unloaded and can be loaded again, else why not.
std::string unload(const std::string &module) {
    if (!std::filesystem::exists("/proc/modules"))
        return "this kernel has no loadable modules (CONFIG_MODULES off): " + module +
               " is built in, so it cannot come after the daemon";
    if (module_loaded(module) && test::run_command({"rmmod", module}).exit_code != 0)
        return module + " is loaded and in use (a filesystem of that type is mounted)";
    if (module_loaded(module)) return module + " stayed loaded";
    if (std::filesystem::exists("/sys/kernel/btf/" + module)) return module + " is built in";
    return "";
}

TEST(FilesystemModules, XfsLoadedAfterStartReportsShutdowns) {
    FSEV_REQUIRE_ROOT();
    if (std::string why = unload("xfs"); !why.empty()) GTEST_SKIP() << why;
    if (test::run_command({"which", "mkfs.xfs"}).exit_code != 0)
        GTEST_SKIP() << "mkfs.xfs is missing (xfsprogs)";

    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    EXPECT_NE(daemon.output().find("xfs_force_shutdown"), std::string::npos)
        << "xfs was unloaded, so the daemon starts without its programs:\n"
        << daemon.output();
    test::ListenerProcess listener({"--json", "--run-dir", daemon.run_dir()});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();

    test::run_checked({"modprobe", "xfs"});
    test::LoopFilesystem fs("xfs", 300);
    // The config write itself makes the daemon look for new modules, even
    // before its mount watcher has seen the mount.
    auto result = daemon.request(fs.mount_point() + " err");
    ASSERT_EQ(result.exit_code, 0) << result.output << daemon.output();
    EXPECT_NE(daemon.wait_for_line(std::regex("module xfs loaded since start: attached "
                                              "programs on .*xfs_force_shutdown"),
                                   5s),
              "")
        << daemon.output();

    test::run_checked({"xfs_io", "-x", "-c", "shutdown", fs.mount_point()});
    json shutdown;
    for (const json &message : listener.wait_for_json(SIZE_MAX, 5s))
        if (message.value("dev_minor", -1) == static_cast<int>(minor(fs.device())) &&
            message.value("dev_major", -1) == static_cast<int>(major(fs.device())))
            shutdown = message;
    ASSERT_FALSE(shutdown.is_null()) << listener.output() << daemon.output();
    EXPECT_EQ(shutdown["type"], "ERR");
    EXPECT_EQ(shutdown["event"], "FS_ERR_SHUTDOWN");
}

TEST(FilesystemModules, BtrfsLoadedAfterStartGetsItsCommitSignal) {
    FSEV_REQUIRE_ROOT();
    if (std::string why = unload("btrfs"); !why.empty()) GTEST_SKIP() << why;
    if (test::run_command({"which", "mkfs.btrfs"}).exit_code != 0)
        GTEST_SKIP() << "mkfs.btrfs is missing (btrfs-progs)";

    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    test::run_checked({"modprobe", "btrfs"});
    test::LoopFilesystem fs("btrfs", 256);
    // Seen by the mount watcher alone, no config write needed.
    EXPECT_NE(daemon.wait_for_line(std::regex("module btrfs loaded since start: attached "
                                              "programs on .*btrfs_transaction_commit"),
                                   5s),
              "")
        << daemon.output();
}

}  // namespace
}  // namespace fsev
