// The real fsev-bpf binary, as an administrator starts it.
#include <gtest/gtest.h>

#include <sys/sysmacros.h>

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::DaemonProcess;

TEST(DaemonCli, HelpAndVersionNeedNoPrivilege) {
    auto help = test::run_command({test::built_binary("fsev-bpf"), "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("Usage: fsev-bpf"), std::string::npos);
    auto version = test::run_command({test::built_binary("fsev-bpf"), "--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.output, std::string("fsev-bpf ") + FSEV_VERSION + "\n");
}

TEST(DaemonCli, UnknownOptionFailsWithUsage) {
    auto result = test::run_command({test::built_binary("fsev-bpf"), "--bogus"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("unknown option '--bogus'"), std::string::npos);
}

class DaemonTest : public ::testing::Test {
  protected:
    void SetUp() override { FSEV_REQUIRE_ROOT(); }
};

TEST_F(DaemonTest, WithPrintRecordsWritingOnAnExt4LoopMountPrintsARecordLine) {
    DaemonProcess daemon({"--print-records"});
    ASSERT_NE(daemon.wait_for_line(std::regex("^fsev-bpf: ready"), 20s), "")
        << "daemon did not become ready:\n"
        << daemon.output();
    test::LoopExt4 fs;
    fs.write_file("hello", 1 << 20, true);
    std::string dev = std::to_string(major(fs.device())) + ":" + std::to_string(minor(fs.device()));
    std::string line = daemon.wait_for_line(
        std::regex("^dev=" + dev +
                   " ext4_(da_reserve_space|allocate_blocks) .*available_blocks=[0-9]+"),
        10s);
    EXPECT_NE(line, "") << "no event line for " << fs.loop_device() << ":\n" << daemon.output();
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
}

TEST_F(DaemonTest, SigintAndSigtermDetachEverythingAndExitZero) {
    for (int signal_number : {SIGINT, SIGTERM}) {
        DaemonProcess daemon;
        std::smatch ids;
        std::string ready = daemon.wait_for_line(std::regex("^fsev-bpf: ready"), 20s);
        ASSERT_TRUE(std::regex_search(ready, ids, std::regex("prog ids ([0-9 ]+)\\)")))
            << daemon.output();
        EXPECT_EQ(daemon.stop(signal_number), 0) << daemon.output();
        EXPECT_NE(daemon.output().find("programs detached"), std::string::npos) << daemon.output();
        // None of its programs stays loaded once the daemon is gone (the
        // kernel frees them asynchronously, after an RCU grace period).
        std::istringstream words(ids[1].str());
        std::string id;
        while (words >> id) {
            bool gone = false;
            for (int attempt = 0; attempt < 50 && !gone; ++attempt) {
                gone = test::run_command({"bpftool", "prog", "show", "id", id}).exit_code != 0;
                if (!gone) std::this_thread::sleep_for(100ms);
            }
            EXPECT_TRUE(gone) << "BPF program id " << id << " still loaded after exit";
        }
    }
}

// The id of the daemon's syscall-exit program, from its ready line.
std::string sys_exit_program_id(const DaemonProcess &daemon) {
    std::string output = daemon.output();
    std::string all_ids;
    std::regex ids_pattern("prog ids ([0-9 ]*)\\)");
    for (auto match = std::sregex_iterator(output.begin(), output.end(), ids_pattern);
         match != std::sregex_iterator(); ++match)
        all_ids += (*match)[1].str() + ' ';
    std::istringstream words(all_ids);
    std::string id;
    while (words >> id)
        if (test::run_command({"bpftool", "prog", "show", "id", id}).output.find("on_sys_exit") !=
            std::string::npos)
            return id;
    return "";
}

bool program_has_a_link(const std::string &id) {
    std::string links = test::run_checked({"bpftool", "link", "show"});
    return std::regex_search(links, std::regex("prog " + id + "\\b"));
}

TEST_F(DaemonTest, TheSyscallExitProgramRunsOnlyWhileAnEntryAsksForWarn) {
    test::LoopExt4 fs;
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    std::string id = sys_exit_program_id(daemon);
    ASSERT_NE(id, "") << daemon.output();
    EXPECT_FALSE(program_has_a_link(id)) << "no entry: nothing runs on every syscall";
    auto request = [&](const std::string &text) {
        return test::run_command(
                   {"bash", "-c", "echo '" + text + "' > " + daemon.run_dir() + "/config"})
            .exit_code;
    };
    ASSERT_EQ(request(fs.mount_point() + " thr,err 100"), 0);
    EXPECT_FALSE(program_has_a_link(id)) << "no entry asks for warn";
    ASSERT_EQ(request(fs.mount_point() + " warn"), 0);
    EXPECT_TRUE(program_has_a_link(id)) << "warn asked for: ENOSPC is seen at syscall exit";
    ASSERT_EQ(request("!" + fs.mount_point() + " warn"), 0);
    EXPECT_FALSE(program_has_a_link(id));
}

}  // namespace
}  // namespace fsev
