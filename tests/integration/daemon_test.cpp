// The real fsev-bpf binary, as an administrator starts it.
#include <gtest/gtest.h>
#include <fstream>
#include <linux/capability.h>

#include <sys/sysmacros.h>

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

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

uint32_t group_of(DaemonProcess &daemon) {
    std::smatch found;
    std::string output = daemon.output();
    if (!std::regex_search(output, found, std::regex("group_id=([0-9]+)"))) return 0;
    return static_cast<uint32_t>(std::stoul(found[1].str()));
}

TEST_F(DaemonTest, TwoDaemonsNeverShareAMulticastGroup) {
    DaemonProcess first;
    ASSERT_TRUE(first.wait_until_ready()) << first.output();
    uint32_t taken = group_of(first);
    ASSERT_NE(taken, 0u) << first.output();

    DaemonProcess second;  // no --genl-group either: picks another, and says why
    ASSERT_TRUE(second.wait_until_ready()) << second.output();
    EXPECT_NE(group_of(second), taken) << second.output();
    EXPECT_NE(second.output().find("group " + std::to_string(taken) +
                                   " is served by another fsev-bpf daemon"),
              std::string::npos)
        << second.output();

    DaemonProcess third({"--genl-group", std::to_string(taken)});  // asked for it: refused
    EXPECT_FALSE(third.wait_until_ready());
    EXPECT_NE(third.stop(), 0);
    EXPECT_NE(third.output().find("served by another fsev-bpf daemon"), std::string::npos)
        << third.output();

    // A killed daemon frees its group at once.
    first.stop(SIGKILL);
    DaemonProcess fourth({"--genl-group", std::to_string(taken)});
    EXPECT_TRUE(fourth.wait_until_ready()) << fourth.output();
}

uint64_t capability_mask(pid_t pid, const std::string &field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(field + ":", 0) == 0)
            return std::stoull(line.substr(field.size() + 1), nullptr, 16);
    return ~0ull;
}

TEST_F(DaemonTest, KeepsOnlyTheCapabilitiesItNeedsAndSaysWhich) {
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    EXPECT_NE(daemon.output().find("capabilities kept: "), std::string::npos) << daemon.output();
    for (const char *field : {"CapEff", "CapPrm", "CapBnd"}) {
        uint64_t mask = capability_mask(daemon.pid(), field);
        SCOPED_TRACE(field);
        for (int kept : {CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE,
                         CAP_DAC_READ_SEARCH})
            EXPECT_TRUE(mask & (1ull << kept)) << "capability " << kept;
        for (int dropped : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETUID, CAP_SETGID,
                            CAP_SETPCAP, CAP_NET_RAW, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_BOOT,
                            CAP_MKNOD, CAP_SYS_RESOURCE})
            EXPECT_FALSE(mask & (1ull << dropped)) << "capability " << dropped;
    }
    // Still does its job without them: a warn entry attaches a program at
    // run time, and SIGTERM unmounts the run directory.
    test::LoopExt4 fs;
    auto write = daemon.request(fs.mount_point() + " warn,thr 10");
    EXPECT_EQ(write.exit_code, 0) << write.output << daemon.output();
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
    EXPECT_FALSE(test::is_mounted(daemon.run_dir()));
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
    auto request = [&](const std::string &text) { return daemon.request(text).exit_code; };
    ASSERT_EQ(request(fs.mount_point() + " thr,err 100"), 0);
    EXPECT_FALSE(program_has_a_link(id)) << "no entry asks for warn";
    ASSERT_EQ(request(fs.mount_point() + " warn"), 0);
    EXPECT_TRUE(program_has_a_link(id)) << "warn asked for: ENOSPC is seen at syscall exit";
    ASSERT_EQ(request("!" + fs.mount_point() + " warn"), 0);
    EXPECT_FALSE(program_has_a_link(id));
}

}  // namespace
}  // namespace fsev
