// /run/fsev/config as an administrator uses it: the real daemon serving a
// temporary run directory, requests written with a shell, real loop mounts.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <regex>
#include <memory>
#include <thread>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

// Polls `condition` until it holds or 10 s pass (the daemon reacts to the
// mount table asynchronously). Not a timing assertion: only an upper bound.
bool eventually(const std::function<bool()> &condition) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::string quoted(const std::string &text) {
    return "'" + text + "'";
}

class ConfigFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        temp = std::make_unique<test::TempDir>();
        // Let the non-root user reach the run directory, as under /run.
        ASSERT_EQ(::chmod(temp->path().c_str(), 0755), 0);
        run_dir = temp->path("run");
        fs = std::make_unique<test::LoopExt4>();
    }
    void TearDown() override {
        daemon.reset();  // SIGTERM: unmounts the run directory
        fs.reset();
        temp.reset();  // whatever is still mounted inside goes too
    }
    void start_daemon(const std::vector<std::string> &extra = {}) {
        std::vector<std::string> arguments = {"--run-dir", run_dir};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        daemon = std::make_unique<test::DaemonProcess>(arguments);
        ASSERT_TRUE(daemon->wait_until_ready()) << daemon->output();
    }
    std::string config() const { return run_dir + "/config"; }
    // Runs a command line in bash, as an administrator would type it (dash's
    // echo reports every failed write as "I/O error", bash names the errno).
    test::CommandResult sh(const std::string &command) {
        return test::run_command({"bash", "-c", command});
    }
    test::CommandResult echo_request(const std::string &request) {
        return sh("echo " + quoted(request) + " > " + config());
    }
    std::string listing() { return test::run_checked({"cat", config()}); }
    std::string entry_line(int id, const std::string &mount_point, const std::string &types) {
        return std::to_string(id) + " " + mount_point + " ext4 " + fs->loop_device() + " (" +
               types + ")\n";
    }

    std::unique_ptr<test::TempDir> temp;
    std::string run_dir;
    std::unique_ptr<test::LoopExt4> fs;
    std::unique_ptr<test::DaemonProcess> daemon;
};

TEST_F(ConfigFileTest, ConfigFileIsRootOwned0644) {
    start_daemon();
    struct stat status {};
    ASSERT_EQ(::stat(config().c_str(), &status), 0);
    EXPECT_TRUE(S_ISREG(status.st_mode));
    EXPECT_EQ(status.st_mode & 07777, 0644u);
    EXPECT_EQ(status.st_uid, 0u);
    EXPECT_EQ(status.st_gid, 0u);
    EXPECT_EQ(test::run_checked({"ls", run_dir}), "config\nnetlink\n");
    EXPECT_EQ(listing(), "");
}

TEST_F(ConfigFileTest, EchoAddsAnEntryAndCatListsIt) {
    start_daemon();
    auto result = echo_request(fs->mount_point() + " warn,err,thr 710000 500000");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(listing(), entry_line(1, fs->mount_point(), "warn,err,thr 710000 500000"));
}

TEST_F(ConfigFileTest, EveryFormOfRequest) {
    start_daemon();
    const std::string mnt = fs->mount_point();
    ASSERT_EQ(echo_request(mnt + " warn").exit_code, 0);
    ASSERT_EQ(echo_request(mnt + " err,info").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn,err - -"));
    ASSERT_EQ(echo_request(mnt + " thr 1000").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn,err,thr 1000 -"));
    ASSERT_EQ(echo_request(mnt + " thr 2000 10").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn,err,thr 2000 10"));
    ASSERT_EQ(echo_request("!" + mnt + " thr,info").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, mnt, "warn,err - -"));
    ASSERT_EQ(echo_request("!" + mnt).exit_code, 0);
    EXPECT_EQ(listing(), "");
    ASSERT_EQ(echo_request(mnt + " info").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(2, mnt, "info - -"));  // ids are not reused at once
    ASSERT_EQ(sh("echo > " + config()).exit_code, 0);      // whitespace only: clear all
    EXPECT_EQ(listing(), "");
}

TEST_F(ConfigFileTest, PrintfWithSeveralRequestsInOneWrite) {
    start_daemon();
    const std::string mnt = fs->mount_point();
    auto result =
        sh("printf '" + mnt + " info;" + mnt + " warn\\n" + mnt + " thr 50 40\\n' > " + config());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn,thr 50 40"));
}

TEST_F(ConfigFileTest, BadRequestsFailEchoWithTheirErrno) {
    start_daemon();
    const std::string mnt = fs->mount_point();
    auto invalid = echo_request(mnt + " bogus");
    EXPECT_NE(invalid.exit_code, 0);
    EXPECT_NE(invalid.output.find("Invalid argument"), std::string::npos) << invalid.output;
    for (const std::string &request :
         {mnt, mnt + " thr", mnt + " thr 10 20", mnt + " warn 10", mnt + " thr -5", "!" + mnt})
        EXPECT_NE(echo_request(request).output.find("Invalid argument"), std::string::npos)
            << request;
    auto missing = echo_request(temp->path("does-not-exist") + " info");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.output.find("No such file or directory"), std::string::npos)
        << missing.output;
    EXPECT_EQ(listing(), "");
    // The daemon's log names the bad request.
    EXPECT_NE(
        daemon->wait_for_line(std::regex("'" + mnt + " bogus': unknown event type 'bogus'"), 10s),
        "")
        << daemon->output();
}

TEST_F(ConfigFileTest, AFailedWriteChangesNothing) {
    start_daemon();
    const std::string mnt = fs->mount_point();
    ASSERT_EQ(echo_request(mnt + " warn").exit_code, 0);
    auto result = echo_request("!" + mnt + "; " + mnt + " bogus");
    EXPECT_NE(result.output.find("Invalid argument"), std::string::npos) << result.output;
    EXPECT_EQ(listing(), entry_line(1, mnt, "warn - -"));
}

TEST_F(ConfigFileTest, RelativePathsResolveFromTheWritersDirectory) {
    start_daemon();
    test::run_checked({"mkdir", "-p", fs->path("deep/er")});
    auto result = sh("cd " + fs->path("deep/er") + " && echo '../.. info' > " + config());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    result = sh("cd " + fs->path("deep") + " && echo 'er warn' > " + config());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(listing(), entry_line(1, fs->mount_point(), "info,warn - -"));
    // Relative to a directory where the path does not exist: ENOENT.
    result = sh("cd / && echo 'deep/er info' > " + config());
    EXPECT_NE(result.output.find("No such file or directory"), std::string::npos) << result.output;
}

TEST_F(ConfigFileTest, SymlinksAreFollowed) {
    start_daemon();
    test::run_checked({"ln", "-s", fs->path("."), temp->path("link")});
    ASSERT_EQ(echo_request(temp->path("link") + " info").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, fs->mount_point(), "info - -"));
}

TEST_F(ConfigFileTest, NonRootCanReadButNotWrite) {
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " info").exit_code, 0);
    auto write =
        test::run_command({"setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
                           "sh", "-c", "echo '!" + fs->mount_point() + "' > " + config()});
    EXPECT_NE(write.exit_code, 0);
    EXPECT_NE(write.output.find("Permission denied"), std::string::npos) << write.output;
    auto read = test::run_command(
        {"setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "cat", config()});
    EXPECT_EQ(read.exit_code, 0) << read.output;
    EXPECT_EQ(read.output, entry_line(1, fs->mount_point(), "info - -"));
}

TEST_F(ConfigFileTest, SeveralWritesOnOneOpenFdAreSeparateBatches) {
    start_daemon();
    const std::string mnt = fs->mount_point();
    int fd = ::open(config().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto write_text = [fd](const std::string &text) {
        ssize_t written = ::write(fd, text.data(), text.size());
        return written < 0 ? -errno : static_cast<int>(written);
    };
    EXPECT_EQ(write_text(mnt + " info"), static_cast<int>(mnt.size() + 5));
    EXPECT_EQ(write_text(mnt + " bogus"), -EINVAL);
    EXPECT_EQ(write_text(mnt + " warn\n"), static_cast<int>(mnt.size() + 6));
    // One write() over the size limit is refused whole, not split.
    EXPECT_EQ(write_text(std::string(70000, ' ')), -EFBIG);
    ::close(fd);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn - -"));
}

TEST_F(ConfigFileTest, OtherFilesystemTypesDeliverWhatTheirHooksAllow) {
    start_daemon();
    std::string tmpfs = temp->path("tmpfs");
    test::run_checked({"mkdir", tmpfs});
    test::run_checked({"mount", "-t", "tmpfs", "fsev-test", tmpfs});
    auto refused = echo_request(tmpfs + " info,err");
    EXPECT_NE(refused.output.find("Operation not supported"), std::string::npos) << refused.output;
    EXPECT_NE(daemon->wait_for_line(std::regex("tmpfs has no error path"), std::chrono::seconds(5)),
              "")
        << daemon->output();
    EXPECT_EQ(echo_request(tmpfs + " info,warn").exit_code, 0);
    EXPECT_EQ(listing(), "1 " + tmpfs + " tmpfs fsev-test (info,warn - -)\n");
    test::run_checked({"umount", tmpfs});
    EXPECT_TRUE(eventually([&] { return listing().empty(); })) << listing();
}

TEST_F(ConfigFileTest, PathsInsideTheRunDirectoryDoNotHangTheDaemon) {
    // Resolving them needs FUSE lookups served by the daemon itself.
    start_daemon();
    auto missing = echo_request(run_dir + "/nothing-here info");
    EXPECT_NE(missing.output.find("No such file or directory"), std::string::npos)
        << missing.output;
    auto unsupported = echo_request(config() + " warn");
    EXPECT_NE(unsupported.output.find("Operation not supported"), std::string::npos)
        << unsupported.output;
}

TEST_F(ConfigFileTest, UnmountingTheFilesystemRemovesItsEntry) {
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " info,thr 100").exit_code, 0);
    ASSERT_NE(listing(), "");
    fs->unmount();
    EXPECT_TRUE(eventually([&] { return listing().empty(); })) << listing();
    EXPECT_NE(daemon->wait_for_line(
                  std::regex("removed \\(filesystem unmounted\\) 1 " + fs->mount_point()), 10s),
              "")
        << daemon->output();
}

TEST_F(ConfigFileTest, ABindMountKeepsTheEntryAlive) {
    start_daemon();
    std::string bind = temp->path("bind");
    test::run_checked({"mkdir", bind});
    test::run_checked({"mount", "--bind", fs->mount_point(), bind});
    ASSERT_EQ(echo_request(fs->mount_point() + " info").exit_code, 0);
    fs->unmount();  // the bind mount still holds the filesystem
    EXPECT_TRUE(eventually([&] { return listing() == entry_line(1, bind, "info - -"); }))
        << listing();
    test::run_checked({"umount", bind});
    EXPECT_TRUE(eventually([&] { return listing().empty(); })) << listing();
}

TEST_F(ConfigFileTest, ListingEscapesAndAcceptsEscapedPaths) {
    start_daemon();
    std::string spaced = temp->path("my disk");
    test::run_checked({"mkdir", spaced});
    test::run_checked({"mount", "--bind", fs->mount_point(), spaced});
    std::string escaped = temp->path("my\\040disk");
    ASSERT_EQ(echo_request(escaped + " err").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, escaped, "err - -"));
    // The escaped path copied from the listing names it again.
    ASSERT_EQ(echo_request("!" + escaped).exit_code, 0);
    EXPECT_EQ(listing(), "");
}

TEST_F(ConfigFileTest, StartupFileIsApplied) {
    std::string file = temp->path("fsev.conf");
    std::ofstream(file) << "# set-up that survives a restart\n"
                        << fs->mount_point() << " warn,err,thr 1000 500  # data\n";
    start_daemon({"--config-file", file});
    EXPECT_EQ(listing(), entry_line(1, fs->mount_point(), "warn,err,thr 1000 500"));
}

TEST_F(ConfigFileTest, BadStartupFileStopsTheDaemonNamingTheLine) {
    std::string file = temp->path("fsev.conf");
    std::ofstream(file) << fs->mount_point() << " warn\n" << fs->mount_point() << " warm\n";
    daemon = std::make_unique<test::DaemonProcess>(
        std::vector<std::string>{"--run-dir", run_dir, "--config-file", file});
    EXPECT_FALSE(daemon->wait_until_ready());
    EXPECT_NE(daemon->stop(), 0);
    EXPECT_NE(daemon->output().find("config file " + file + ": line 2"), std::string::npos)
        << daemon->output();
    EXPECT_FALSE(test::is_mounted(run_dir));
}

TEST_F(ConfigFileTest, SigtermLeavesNothingMounted) {
    for (int signal_number : {SIGTERM, SIGINT}) {
        start_daemon();
        ASSERT_TRUE(test::is_mounted(run_dir));
        EXPECT_EQ(daemon->stop(signal_number), 0) << daemon->output();
        EXPECT_FALSE(test::is_mounted(run_dir));
    }
}

TEST_F(ConfigFileTest, AStaleMountFromACrashIsRecovered) {
    start_daemon();
    daemon->stop(SIGKILL);
    ASSERT_TRUE(test::is_mounted(run_dir));  // the crash left it behind
    struct stat status {};
    EXPECT_NE(::stat(run_dir.c_str(), &status), 0);
    EXPECT_EQ(errno, ENOTCONN);
    start_daemon();
    EXPECT_NE(daemon->output().find("clearing a stale FUSE mount"), std::string::npos)
        << daemon->output();
    ASSERT_EQ(echo_request(fs->mount_point() + " info").exit_code, 0);
    EXPECT_EQ(listing(), entry_line(1, fs->mount_point(), "info - -"));
}

TEST_F(ConfigFileTest, ASecondDaemonOnTheSameRunDirIsRefused) {
    start_daemon();
    test::DaemonProcess second({"--run-dir", run_dir});
    EXPECT_FALSE(second.wait_until_ready());
    EXPECT_NE(second.stop(), 0);
    EXPECT_NE(second.output().find("already served"), std::string::npos) << second.output();
    EXPECT_EQ(listing(), "");  // the first one still serves
}

}  // namespace
}  // namespace fsev
