// Paths resolved as the kernel would for the writer (its root, its working
// directory, its mount namespace), and metrics read from the entry's own
// filesystem: the real daemon, real loop-mounted ext4, real chroot, unshare
// and covering mounts.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/eventually.h"
#include "support/file_text.h"
#include "support/loop_ext4.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::file_text;

class WriterViewTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        temp = std::make_unique<test::TempDir>("fsev-writer-view");
        fs = std::make_unique<test::LoopExt4>();
        daemon = std::make_unique<test::DaemonProcess>();
        ASSERT_TRUE(daemon->wait_until_ready()) << daemon->output();
    }
    void TearDown() override {
        daemon.reset();
        fs.reset();
        temp.reset();
    }
    std::string config() const { return daemon->run_dir() + "/config"; }
    std::string listing() const { return file_text(config()); }
    std::string metrics() const {
        test::HttpResponse response = test::http_get(daemon->metrics_port(), "/metrics");
        EXPECT_EQ(response.status, 200) << response.error;
        return response.body;
    }
    std::vector<std::pair<std::string, std::string>> fs_labels() const {
        return {{"device", fs->loop_device()},
                {"fstype", "ext4"},
                {"mountpoint", fs->mount_point()},
                {"trace_id", "1"}};
    }

    // Writes `request` to the config file from a child process that first
    // runs `prepare` (chroot, chdir, ...) with the file already open, the
    // way a program opens its output before it changes its view. Returns
    // the write's errno (0 on success).
    int write_from_child(const std::string &request, const std::function<bool()> &prepare) {
        int fd = ::open(config().c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return errno;
        pid_t child = ::fork();
        if (child == 0) {
            if (!prepare()) ::_exit(200);
            ssize_t written = ::write(fd, request.data(), request.size());
            ::_exit(written == static_cast<ssize_t>(request.size()) ? 0 : errno);
        }
        ::close(fd);
        int status = 0;
        ::waitpid(child, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
    }

    std::unique_ptr<test::TempDir> temp;
    std::unique_ptr<test::LoopExt4> fs;
    std::unique_ptr<test::DaemonProcess> daemon;
};

TEST_F(WriterViewTest, AWriterChrootedIntoASubdirectoryRegistersItsFilesystem) {
    // Its own mount table hides the mount: the mount point is outside its
    // root. It used to get ENOENT.
    const std::string jail = fs->path("jail");
    ASSERT_EQ(::mkdir(jail.c_str(), 0755), 0);
    int error = write_from_child("/ info\n",
                                 [&] { return ::chroot(jail.c_str()) == 0 && ::chdir("/") == 0; });
    EXPECT_EQ(error, 0) << std::strerror(error) << "\n" << daemon->output();
    EXPECT_EQ(listing(), "1 " + fs->mount_point() + " ext4 " + fs->loop_device() + " (info - -)\n");

    // A relative path from its working directory inside the jail, too.
    ASSERT_EQ(::mkdir(fs->path("jail/deeper").c_str(), 0755), 0);
    error = write_from_child(
        ". err\n", [&] { return ::chroot(jail.c_str()) == 0 && ::chdir("/deeper") == 0; });
    EXPECT_EQ(error, 0) << std::strerror(error) << "\n" << daemon->output();
    EXPECT_EQ(listing(),
              "1 " + fs->mount_point() + " ext4 " + fs->loop_device() + " (info,err - -)\n");
}

TEST_F(WriterViewTest, AWriterWhoseWorkingDirectoryWasDeletedCanUseDot) {
    const std::string gone = fs->path("gone");
    ASSERT_EQ(::mkdir(gone.c_str(), 0755), 0);
    int error = write_from_child(
        ". info\n", [&] { return ::chdir(gone.c_str()) == 0 && ::rmdir(gone.c_str()) == 0; });
    EXPECT_EQ(error, 0) << std::strerror(error) << "\n" << daemon->output();
    EXPECT_EQ(listing(), "1 " + fs->mount_point() + " ext4 " + fs->loop_device() + " (info - -)\n");

    // Climbing out of a deleted directory has no path to follow: refused
    // whole (EXDEV), nothing changes.
    ASSERT_EQ(::mkdir(gone.c_str(), 0755), 0);
    error = write_from_child(
        "../gone err\n", [&] { return ::chdir(gone.c_str()) == 0 && ::rmdir(gone.c_str()) == 0; });
    EXPECT_EQ(error, EXDEV) << std::strerror(error);
    EXPECT_EQ(listing(), "1 " + fs->mount_point() + " ext4 " + fs->loop_device() + " (info - -)\n");
}

TEST_F(WriterViewTest, AWriterInAnotherMountNamespaceRegistersAFilesystemMountedOnlyThere) {
    // An ext4 image mounted only inside `unshare -m`: the daemon's mount
    // table never shows it.
    const std::string image = temp->path("private.img");
    const std::string where = temp->path("private");
    ASSERT_EQ(::mkdir(where.c_str(), 0755), 0);
    test::run_checked({"truncate", "-s", "32M", image});
    test::run_checked({"mkfs.ext4", "-q", "-F", image});
    const std::string ready = temp->path("ready"), done = temp->path("done");
    const std::string script = "mount -o loop " + image + " " + where + " || exit 1; echo '" +
                               where + " info,err' > " + config() +
                               "; echo \"write $?\"; stat -c 'device %d' " + where + "; touch " +
                               ready + "; while [ ! -e " + done + " ]; do sleep 0.05; done";
    auto inside = std::async(std::launch::async, [&] {
        return test::run_command(
            {"unshare", "--mount", "--propagation", "private", "bash", "-c", script});
    });
    auto finish = [&] {
        std::ofstream{done};
        return inside.get();
    };
    if (!eventually([&] { return ::access(ready.c_str(), F_OK) == 0; })) {
        test::CommandResult result = finish();
        FAIL() << result.output;
    }

    // Listed by the mount point the writer named, as the writer sees it,
    // with the filesystem's own device.
    std::string listed = listing();
    EXPECT_NE(listed.find("1 " + where + " ext4 /dev/loop"), std::string::npos) << listed;
    EXPECT_NE(listed.find("(info,err - -)"), std::string::npos) << listed;

    // A mount change in the daemon's namespace does not drop it: the
    // filesystem is still mounted, just not where the daemon looks.
    const std::string scratch = temp->path("scratch");
    ASSERT_EQ(::mkdir(scratch.c_str(), 0755), 0);
    ASSERT_EQ(::mount("none", scratch.c_str(), "tmpfs", 0, nullptr), 0);
    ASSERT_EQ(::umount(scratch.c_str()), 0);
    std::this_thread::sleep_for(300ms);  // the daemon reads the mount table
    EXPECT_EQ(listing(), listed);

    // /metrics: the path means another filesystem (or none) in the daemon's
    // namespace, so no space sample, and the omission is counted.
    std::string text = metrics();
    EXPECT_EQ(test::sample_value(text, "fsev_available_blocks", {{"mountpoint", where}}),
              std::nullopt)
        << text;
    EXPECT_GE(test::sample_value(text, "fsev_space_unreadable_total", {}).value_or(0), 1) << text;
    EXPECT_EQ(test::sample_value(text, "fsev_error", {{"mountpoint", where}}), 0) << text;

    // The namespace ends: the filesystem is unmounted everywhere, and the
    // next mount change in the daemon's namespace removes its entry.
    test::CommandResult result = finish();
    EXPECT_NE(result.output.find("write 0"), std::string::npos) << result.output;
    ASSERT_EQ(::mount("none", scratch.c_str(), "tmpfs", 0, nullptr), 0);
    ASSERT_EQ(::umount(scratch.c_str()), 0);
    EXPECT_TRUE(eventually([&] { return listing().empty(); })) << listing();
}

TEST_F(WriterViewTest, MetricsOfACoveredMountPointDescribeTheEntrysOwnFilesystem) {
    std::ofstream{config()} << fs->mount_point() << " thr 1000 500\n";
    ASSERT_EQ(listing(),
              "1 " + fs->mount_point() + " ext4 " + fs->loop_device() + " (thr 1000 500)\n");
    const uint64_t ext4_available = fs->available_blocks();

    // A second, uncovered mount of the same filesystem, then a tmpfs over
    // the entry's mount point.
    const std::string bind = temp->path("bind");
    ASSERT_EQ(::mkdir(bind.c_str(), 0755), 0);
    ASSERT_EQ(::mount(fs->mount_point().c_str(), bind.c_str(), nullptr, MS_BIND, nullptr), 0);
    ASSERT_EQ(::mount("none", fs->mount_point().c_str(), "tmpfs", 0, "size=1m"), 0);

    // Read through the bind mount: the ext4's numbers, not the tmpfs's.
    std::string text = metrics();
    EXPECT_EQ(test::sample_value(text, "fsev_available_blocks", fs_labels()),
              static_cast<double>(ext4_available))
        << text;
    EXPECT_EQ(test::sample_value(text, "fsev_block_size_bytes", fs_labels()), 4096) << text;
    EXPECT_EQ(test::sample_value(text, "fsev_space_unreadable_total", {}), 0) << text;

    // No uncovered mount left: no sample rather than the tmpfs's, counted.
    ASSERT_EQ(::umount(bind.c_str()), 0);
    text = metrics();
    EXPECT_EQ(test::sample_value(text, "fsev_available_blocks", fs_labels()), std::nullopt) << text;
    EXPECT_EQ(test::sample_value(text, "fsev_read_only", fs_labels()), std::nullopt) << text;
    EXPECT_EQ(test::sample_value(text, "fsev_space_unreadable_total", {}), 1) << text;
    EXPECT_EQ(test::sample_value(text, "fsev_trace_entries", {}), 1) << text;

    ASSERT_EQ(::umount(fs->mount_point().c_str()), 0);
    text = metrics();
    EXPECT_EQ(test::sample_value(text, "fsev_available_blocks", fs_labels()),
              static_cast<double>(ext4_available))
        << text;
}

}  // namespace
}  // namespace fsev
