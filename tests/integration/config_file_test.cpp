// /run/fsev/config as an administrator uses it: the real daemon serving a
// temporary run directory, requests written with a shell, real loop mounts.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <grp.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <regex>
#include <memory>
#include <sstream>
#include <thread>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/eventually.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::eventually;

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
    EXPECT_EQ(test::run_checked({"ls", run_dir}), "config\nnetlink\nwriters\n");
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
    auto write_text = [&fd](const std::string &text) {
        ssize_t written = ::write(fd, text.data(), text.size());
        return written < 0 ? -errno : static_cast<int>(written);
    };
    EXPECT_EQ(write_text(mnt + " info"), static_cast<int>(mnt.size() + 5));
    EXPECT_EQ(write_text(mnt + " bogus"), -EINVAL);
    EXPECT_EQ(write_text(mnt + " warn\n"), static_cast<int>(mnt.size() + 6));
    // A later write that crosses a page boundary could reach the daemon cut
    // at that boundary: refused whole (this one would have cleared all).
    EXPECT_EQ(write_text(std::string(70000, ' ')), -EINVAL);
    EXPECT_EQ(write_text(std::string(5000, ' ') + mnt + " err"), -EINVAL);
    ::close(fd);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn - -"));
    // One write() over the size limit is refused whole, not split.
    fd = ::open(config().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write_text(std::string(70000, ' ')), -EFBIG);
    ::close(fd);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn - -"));
    // A later write that starts on a page boundary may still be cut at the
    // end of a larger cached folio: one that also ends on one is refused.
    fd = ::open(config().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::string add_err = mnt + " err\n", drop_err = "!" + mnt + " err\n";
    EXPECT_EQ(write_text(std::string(4096 - add_err.size(), ' ') + add_err), 4096);
    EXPECT_EQ(write_text(std::string(8192 - drop_err.size(), ' ') + drop_err), -EINVAL);
    ::close(fd);
    EXPECT_EQ(listing(), entry_line(1, mnt, "info,warn,err - -"));
}

// writev() with the text cut into `piece`-byte iovecs (at most 1024, the
// kernel's limit): the number of bytes written, or -errno.
ssize_t writev_in_pieces(const std::string &path, const std::string &text, size_t piece) {
    std::vector<iovec> pieces;
    for (size_t at = 0; at < text.size(); at += piece)
        pieces.push_back({const_cast<char *>(text.data() + at), std::min(piece, text.size() - at)});
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t written = ::writev(fd, pieces.data(), static_cast<int>(pieces.size()));
    if (written < 0) written = -errno;
    ::close(fd);
    return written;
}

TEST_F(ConfigFileTest, AWritevIsOneBatchWhateverItsIovecs) {
    start_daemon();
    const std::string mnt = fs->mount_point();
    // Many small iovecs once made FUSE split one call into several write
    // requests: the first applied, the call returned a short count.
    int id = 0;
    for (size_t piece : {1, 3, 7}) {
        std::string bad;
        while (bad.size() < 1024 / piece * piece - 64) bad += mnt + " info;";
        bad += mnt + " bogus";
        SCOPED_TRACE("iovecs of " + std::to_string(piece) + " bytes, " +
                     std::to_string(bad.size()) + " bytes");
        EXPECT_EQ(writev_in_pieces(config(), bad, piece), -EINVAL);
        EXPECT_EQ(listing(), "");
        std::string good = bad.substr(0, bad.rfind(';')) + "; " + mnt + " err";
        EXPECT_EQ(writev_in_pieces(config(), good, piece), static_cast<ssize_t>(good.size()));
        EXPECT_EQ(listing(), entry_line(++id, mnt, "info,err - -"));
        ASSERT_EQ(echo_request(" ").exit_code, 0);
    }
    // Up to the documented 64 KiB in 1024 iovecs: still one batch.
    std::string large;
    while (large.size() < 64 * 1024 - 64) large += mnt + " warn;";
    large.resize(64 * 1024 - 32, ' ');
    large += ";" + mnt + " bogus";
    large.resize(64 * 1024, ' ');
    EXPECT_EQ(writev_in_pieces(config(), large, 64), -EINVAL);
    EXPECT_EQ(listing(), "");
    EXPECT_EQ(writev_in_pieces(config(), large + " ", 128), -EFBIG);
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

TEST_F(ConfigFileTest, TheReadyLineCountsWhatItLists) {
    start_daemon();
    std::smatch match;
    std::string output = daemon->output();
    ASSERT_TRUE(std::regex_search(
        output, match, std::regex("ready: ([0-9]+) BPF programs attached \\(prog ids([ 0-9]*)\\)")))
        << output;
    std::istringstream ids(match[2].str());
    size_t listed = 0;
    for (uint32_t id; ids >> id;) ++listed;
    EXPECT_EQ(std::stoul(match[1].str()), listed) << match[0];
}

TEST_F(ConfigFileTest, EventLinesFromMountChangesReachStdoutAtOnce) {
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " info").exit_code, 0);
    // No ring-buffer record follows a remount of an idle filesystem; the
    // line must not wait for one to flush stdout.
    test::run_checked({"mount", "-o", "remount,ro", fs->mount_point()});
    EXPECT_FALSE(daemon->wait_for_line(std::regex("^event .*FS_INFO_REMOUNT_RO"), 5s).empty())
        << daemon->output();
    test::run_checked({"mount", "-o", "remount,rw", fs->mount_point()});
}

long resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

TEST_F(ConfigFileTest, ManyReadersShareOneListing) {
    start_daemon();
    // 100 filesystems with long mount points: a listing of about 20 KB.
    std::string requests;
    for (int i = 0; i < 100; ++i) {
        std::string mount_point = temp->path("m" + std::to_string(i) + std::string(150, 'x'));
        test::run_checked({"mkdir", mount_point});
        test::run_checked({"mount", "-t", "tmpfs", "-o", "size=1m", "none", mount_point});
        requests += mount_point + " info\n";
    }
    int fd = ::open(config().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
    ::close(fd);
    size_t listing_size = listing().size();
    ASSERT_GT(listing_size, 18000u);

    constexpr int kOpens = 4000;
    long before = resident_kib(daemon->pid());
    int ready[2], done[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(done), 0);
    pid_t reader = ::fork();
    ASSERT_GE(reader, 0);
    if (reader == 0) {
        ::close(ready[0]);
        ::close(done[1]);
        // Only the two pipe ends stay: the fds this test process inherited
        // from earlier tests would count against the limit below.
        int keep_low = std::min(ready[1], done[0]), keep_high = std::max(ready[1], done[0]);
        ::close_range(3, keep_low - 1, 0);
        ::close_range(keep_low + 1, keep_high - 1, 0);
        ::close_range(keep_high + 1, ~0U, 0);
        // Any user may do this: nobody holds 4000 opens of the config file.
        rlimit files{kOpens + 64, kOpens + 64};
        if (::setrlimit(RLIMIT_NOFILE, &files) != 0 || ::setgroups(0, nullptr) != 0 ||
            ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            ::_exit(2);
        for (int i = 0; i < kOpens; ++i)
            if (::open(config().c_str(), O_RDONLY) < 0) ::_exit(3);
        char byte = 1;
        if (::write(ready[1], &byte, 1) != 1) ::_exit(4);
        ssize_t ignored = ::read(done[0], &byte, 1);  // hold them until told
        (void)ignored;
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(done[0]);
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the reader failed";
    long during = resident_kib(daemon->pid());
    ::close(done[1]);
    int status = 0;
    ::waitpid(reader, &status, 0);
    ::close(ready[0]);
    EXPECT_EQ(WEXITSTATUS(status), 0);
    // One copy per open would be 4000 x 20 KB = 80 MB.
    std::cout << "[ memory   ] " << kOpens << " opens of a " << listing_size
              << "-byte listing by nobody: daemon RSS " << before << " KiB -> " << during
              << " KiB\n";
    EXPECT_LT(during - before, 16 * 1024) << before << " KiB -> " << during << " KiB";
}

TEST_F(ConfigFileTest, ALazyUnmountOfTheRunDirEndsTheDaemonWithAnError) {
    start_daemon();
    test::run_checked({"umount", "-l", run_dir});
    EXPECT_NE(daemon->wait_for_line(std::regex("run lost: it was unmounted"), 5s), "")
        << daemon->output();
    EXPECT_EQ(daemon->stop(), 1) << daemon->output();
    // The directory is free for the next daemon (a supervisor's restart).
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " info").exit_code, 0);
}

TEST_F(ConfigFileTest, AnAbortedFuseConnectionEndsTheDaemonWithAnError) {
    start_daemon();
    struct stat status {};
    ASSERT_EQ(::stat(run_dir.c_str(), &status), 0);
    // The FUSE control filesystem, mounted privately: connections/<minor>/abort.
    std::string control = temp->path("fusectl");
    test::run_checked({"mkdir", control});
    test::run_checked({"mount", "-t", "fusectl", "none", control});
    std::ofstream(control + "/" + std::to_string(minor(status.st_dev)) + "/abort") << "1\n";
    EXPECT_NE(daemon->wait_for_line(std::regex("run lost: "), 5s), "") << daemon->output();
    EXPECT_EQ(daemon->stop(), 1) << daemon->output();
    test::run_checked({"umount", control});
    start_daemon();  // the dead mount is cleared
    ASSERT_EQ(echo_request(fs->mount_point() + " info").exit_code, 0);
}

TEST_F(ConfigFileTest, APathOnAHungFilesystemFailsInTimeAndHoldsNothingUp) {
    start_daemon();
    // A FUSE filesystem whose lookups are never answered: a second daemon's
    // run directory, with that daemon stopped.
    test::DaemonProcess neighbour;
    ASSERT_TRUE(neighbour.wait_until_ready()) << neighbour.output();
    ASSERT_EQ(::kill(neighbour.pid(), SIGSTOP), 0);
    using Clock = std::chrono::steady_clock;
    auto started = Clock::now();
    test::CommandResult hung;
    std::thread writer([&] { hung = echo_request(neighbour.run_dir() + "/x info"); });
    std::this_thread::sleep_for(200ms);
    // Another writer meanwhile waits at most the bound.
    auto result = echo_request(fs->mount_point() + " info");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_LT(Clock::now() - started, 5s);
    writer.join();
    EXPECT_LT(Clock::now() - started, 5s);
    EXPECT_NE(hung.exit_code, 0);
    EXPECT_NE(hung.output.find("Connection timed out"), std::string::npos) << hung.output;
    EXPECT_EQ(listing(), entry_line(1, fs->mount_point(), "info - -"));
    // A second hung write, then SIGTERM: the daemon still stops in time.
    std::thread again([&] { echo_request(neighbour.run_dir() + "/y info"); });
    std::this_thread::sleep_for(200ms);
    started = Clock::now();
    EXPECT_EQ(daemon->stop(SIGTERM), 0) << daemon->output();
    EXPECT_LT(Clock::now() - started, 5s);
    again.join();
    ::kill(neighbour.pid(), SIGCONT);
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
