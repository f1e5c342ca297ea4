// The config survives the daemon: every accepted write is in the state file
// before the writer hears of it, and a restarted daemon (after SIGTERM or
// kill -9) brings the same set-up back.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "config/state_file.h"
#include "config/trace_table.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

// A listing as the set of requests that would rebuild it: what a restart
// must restore (ids are handed out afresh, so they are left out).
std::vector<std::string> setup_of(const std::string &listing) {
    std::istringstream lines(listing);
    std::vector<std::string> requests;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) requests.push_back(request_for_listing_line(line));
    std::sort(requests.begin(), requests.end());
    return requests;
}

std::string read_file(const std::string &path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// One write() of `text` to the config file: 0 on success, else the errno.
int write_config(const std::string &config, const std::string &text) {
    int fd = ::open(config.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    ssize_t wrote = ::write(fd, text.data(), text.size());
    int error = wrote == static_cast<ssize_t>(text.size()) ? 0 : (wrote < 0 ? errno : EIO);
    ::close(fd);
    return error;
}

// Resolves the test's own filesystems as the daemon would, for the model.
class KnownFilesystems : public PathResolver {
  public:
    void add(const test::LoopExt4 &fs) {
        filesystems_[fs.mount_point()] =
            ResolvedFilesystem{fs.device(), fs.mount_point(), "ext4", fs.loop_device()};
    }
    ResolvedFilesystem resolve(const std::string &path) override {
        auto found = filesystems_.find(path);
        if (found == filesystems_.end())
            throw std::system_error(ENOENT, std::generic_category(), path);
        return found->second;
    }

  private:
    std::map<std::string, ResolvedFilesystem> filesystems_;
};

class DurableConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        temp = std::make_unique<test::TempDir>("fsev-durable");
        run_dir = temp->path("run");
        state_file = temp->path("state/config.state");
    }
    void TearDown() override {
        daemon.reset();
        filesystems.clear();
        temp.reset();
    }
    void start_daemon() {
        daemon = std::make_unique<test::DaemonProcess>(
            std::vector<std::string>{"--run-dir", run_dir, "--state-file", state_file});
        ASSERT_TRUE(daemon->wait_until_ready()) << daemon->output();
    }
    test::LoopExt4 &add_filesystem() {
        filesystems.push_back(std::make_unique<test::LoopExt4>(test::LoopExt4Options{16}));
        model_resolver.add(*filesystems.back());
        return *filesystems.back();
    }
    std::string config() const { return run_dir + "/config"; }
    std::string listing() const { return read_file(config()); }
    // The set-up the accepted writes make, computed by the same table logic
    // with the test's own view of the filesystems.
    std::vector<std::string> model_of(const std::vector<std::string> &writes) {
        TraceTable model(4096);
        for (const auto &write : writes) model.apply_write(write, model_resolver);
        return setup_of(model.listing());
    }

    std::unique_ptr<test::TempDir> temp;
    std::string run_dir;
    std::string state_file;
    std::vector<std::unique_ptr<test::LoopExt4>> filesystems;
    KnownFilesystems model_resolver;
    std::unique_ptr<test::DaemonProcess> daemon;
};

TEST_F(DurableConfigTest, ARestartAfterSigtermRestoresTheSetUp) {
    auto &a = add_filesystem();
    auto &b = add_filesystem();
    start_daemon();
    ASSERT_EQ(write_config(config(), a.mount_point() + " info,warn,thr 3000 2000"), 0);
    ASSERT_EQ(write_config(config(), b.mount_point() + " err\n" + a.mount_point() + " err"), 0);
    ASSERT_EQ(write_config(config(), "!" + a.mount_point() + " warn"), 0);
    std::string before = listing();
    ASSERT_EQ(setup_of(before).size(), 2u) << before;
    ASSERT_EQ(daemon->stop(SIGTERM), 0);

    start_daemon();
    EXPECT_EQ(setup_of(listing()), setup_of(before));
    // Said before `ready`, so already in the output.
    EXPECT_TRUE(std::regex_search(daemon->output(),
                                  std::regex("state .*: restored 2 requests, 0 not restored")))
        << daemon->output();
}

TEST_F(DurableConfigTest, RulesAndLevelsInPercentSurviveARestart) {
    auto &a = add_filesystem();
    auto &b = add_filesystem();
    start_daemon();
    // A rule for b's mount point, and an explicit entry (levels in %) for a.
    ASSERT_EQ(write_config(config(), "@" + b.mount_point() + " info,thr 20% 10%"), 0);
    ASSERT_EQ(write_config(config(), a.mount_point() + " err,thr 30% 5%"), 0);
    std::string before = listing();
    ASSERT_NE(before.find("@" + b.mount_point() + " info,thr 20% 10%"), std::string::npos)
        << before;
    daemon->stop(SIGKILL);
    start_daemon();
    EXPECT_EQ(setup_of(listing()), setup_of(before)) << listing();
    // b's entry is the rule's again, not an explicit one: dropping the rule
    // drops it.
    ASSERT_EQ(write_config(config(), "!@" + b.mount_point()), 0);
    EXPECT_EQ(listing().find(b.mount_point()), std::string::npos) << listing();
}

TEST_F(DurableConfigTest, AKilledDaemonLosesNoAcceptedWrite) {
    auto &a = add_filesystem();
    start_daemon();
    ASSERT_EQ(write_config(config(), a.mount_point() + " info,thr 3000"), 0);
    std::string before = listing();
    daemon->stop(SIGKILL);  // no chance to save anything at exit
    start_daemon();
    EXPECT_EQ(setup_of(listing()), setup_of(before));
}

TEST_F(DurableConfigTest, AFilesystemGoneAcrossARestartIsReportedOnStderr) {
    auto &a = add_filesystem();
    auto &b = add_filesystem();
    start_daemon();
    ASSERT_EQ(write_config(config(), a.mount_point() + " info; " + b.mount_point() + " err"), 0);
    ASSERT_EQ(daemon->stop(SIGTERM), 0);
    std::string gone = b.mount_point();
    b.unmount();

    start_daemon();
    // The mount point is an empty directory on / now: not taken for / instead.
    EXPECT_TRUE(std::regex_search(
        daemon->output(),
        std::regex("not restored: line [0-9]+ '" + gone + " err': .*is no longer a mount point")))
        << daemon->output();
    EXPECT_EQ(setup_of(listing()), std::vector<std::string>{a.mount_point() + " info"});
    // Kept on disk until the next accepted write describes the live set-up.
    EXPECT_NE(read_file(state_file).find(gone), std::string::npos);
}

TEST_F(DurableConfigTest, ARefusedWriteIsNotRecorded) {
    auto &a = add_filesystem();
    start_daemon();
    ASSERT_EQ(write_config(config(), a.mount_point() + " info"), 0);
    std::string recorded = read_file(state_file);
    EXPECT_EQ(write_config(config(), a.mount_point() + " warn; /no/such/path info"), ENOENT);
    EXPECT_EQ(read_file(state_file), recorded);
}

// The fault suite: kill -9 at a random moment while a stream of writes goes
// on, restart, and compare with the writes that returned success. The one
// write in flight at the kill may or may not have been applied (its writer
// got no answer); every write that returned success must be there.
TEST_F(DurableConfigTest, KillNineDuringAStreamOfWritesLosesNothing) {
    for (int i = 0; i < 3; ++i) add_filesystem();
    std::vector<std::string> mounts;
    for (const auto &fs : filesystems) mounts.push_back(fs->mount_point());
    std::mt19937 random(20261126);
    auto pick = [&](const std::vector<std::string> &from) {
        return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(random)];
    };
    auto one_request = [&]() -> std::string {
        const std::string &mount = pick(mounts);
        switch (std::uniform_int_distribution<int>(0, 7)(random)) {
            case 0:
                return mount + " info";
            case 1:
                return mount + " warn,err";
            case 2: {
                uint64_t upper = std::uniform_int_distribution<uint64_t>(0, 5000)(random);
                return mount + " thr " + std::to_string(upper + 1000) + " " + std::to_string(upper);
            }
            case 3:
                return "!" + mount + " thr";
            case 4:
                return "!" + mount;
            case 5:
                return "!" + mount + " err,info";
            case 6:
                return mount + " thr 10 20";  // refused: L1 < L2
            default:
                return mount + " err";
        }
    };

    constexpr int kCycles = 100;
    std::vector<std::string> accepted;
    std::string in_flight;  // the write cut by the kill, if any
    int writes = 0, refused = 0, cut = 0;
    auto started = std::chrono::steady_clock::now();
    start_daemon();
    // The restarted daemon's set-up against the model; the write cut by the
    // last kill counts if (and only if) it was recorded.
    auto check_restored = [&](int cycle) {
        std::vector<std::string> expected = model_of(accepted);
        std::vector<std::string> restored = setup_of(listing());
        if (!in_flight.empty() && restored != expected) {
            std::vector<std::string> with = accepted;
            with.push_back(in_flight);
            try {
                std::vector<std::string> applied = model_of(with);
                if (restored == applied) {
                    accepted = with;  // it was recorded just before the kill
                    expected = applied;
                }
            } catch (const RequestError &) {
                // A write the model refuses cannot have been applied.
            }
        }
        EXPECT_EQ(restored, expected) << "cycle " << cycle << "\n" << daemon->output();
        in_flight.clear();
        return restored == expected;
    };
    for (int cycle = 0; cycle < kCycles; ++cycle) {
        ASSERT_TRUE(check_restored(cycle));

        pid_t pid = daemon->pid();
        int delay_ms = std::uniform_int_distribution<int>(0, 120)(random);
        std::thread killer([pid, delay_ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            ::kill(pid, SIGKILL);
        });
        while (true) {
            std::string write = one_request();
            if (std::uniform_int_distribution<int>(0, 2)(random) == 0)
                write += "; " + one_request();
            int error = write_config(config(), write);
            ++writes;
            if (error == 0) {
                accepted.push_back(write);
                continue;
            }
            if (error == EINVAL || error == ENOENT) {
                ++refused;
                // The daemon's verdict must be the model's: this write fails there too.
                std::vector<std::string> with = accepted;
                with.push_back(write);
                EXPECT_THROW(model_of(with), RequestError) << write;
                continue;
            }
            // The daemon died under the write (ECONNABORTED) or before it (ENOTCONN).
            if (error == ECONNABORTED) {
                in_flight = write;
                ++cut;
            }
            break;
        }
        killer.join();
        daemon.reset();  // reaps the killed daemon; its stale FUSE mount stays
        start_daemon();  // clears the stale mount and restores the state
    }
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    std::cout << "[ fault    ] " << kCycles << " kill -9 cycles, " << writes << " writes ("
              << accepted.size() << " accepted, " << refused << " refused, " << cut
              << " cut by the kill) in " << seconds.count() << " s\n";
    EXPECT_TRUE(check_restored(kCycles));
}

}  // namespace
}  // namespace fsev
