// Levels in % and bytes, rules for filesystems mounted now and later, and
// the shipped default configuration, through the real daemon: requests go
// through the config file (or the startup file), levels are checked against
// statfs of a real loop ext4, events against a real fill.
#include <gtest/gtest.h>

#include <sys/statfs.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <thread>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/eventually.h"
#include "support/loop_ext4.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::eventually;

std::string regex_escaped(const std::string &text) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(text, special, R"(\$&)");
}

struct Size {
    uint64_t blocks = 0;
    uint64_t block_size = 0;
};

Size statfs_size(const std::string &path) {
    struct statfs numbers {};
    EXPECT_EQ(::statfs(path.c_str(), &numbers), 0) << path;
    return {static_cast<uint64_t>(numbers.f_blocks), static_cast<uint64_t>(numbers.f_frsize)};
}

class ConfigUnitsRulesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        temp = std::make_unique<test::TempDir>("fsev-units");
        run_dir = temp->path("run");
        // 1 KiB blocks: levels in % and bytes that are not whole blocks
        // show the rounding.
        fs = std::make_unique<test::LoopExt4>(test::LoopExt4Options{64, "-b 1024"});
    }
    void TearDown() override {
        daemon.reset();
        fs.reset();
        temp.reset();
    }
    void start_daemon(const std::vector<std::string> &extra = {}) {
        std::vector<std::string> arguments = {"--run-dir", run_dir};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        daemon = std::make_unique<test::DaemonProcess>(arguments);
        ASSERT_TRUE(daemon->wait_until_ready()) << daemon->output();
    }
    test::CommandResult echo_request(const std::string &request) {
        return test::run_command({"bash", "-c", "echo '" + request + "' > " + run_dir + "/config"});
    }
    std::string listing() { return test::run_checked({"cat", run_dir + "/config"}); }
    std::string entry(int id, const std::string &levels) {
        return std::to_string(id) + " " + fs->mount_point() + " ext4 " + fs->loop_device() + " (" +
               levels + ")";
    }
    std::string metrics() { return test::http_get(daemon->metrics_port(), "/metrics").body; }

    std::unique_ptr<test::TempDir> temp;
    std::string run_dir;
    std::unique_ptr<test::LoopExt4> fs;
    std::unique_ptr<test::DaemonProcess> daemon;
};

TEST_F(ConfigUnitsRulesTest, PercentLevelsAreSharesOfStatfsBlocksRoundedDown) {
    start_daemon();
    Size size = statfs_size(fs->mount_point());
    ASSERT_EQ(size.block_size, 1024u);
    ASSERT_EQ(echo_request(fs->mount_point() + " info,thr 10% 5%").exit_code, 0);
    uint64_t lower = size.blocks * 10 / 100, upper = size.blocks * 5 / 100;
    EXPECT_EQ(listing(),
              entry(1, "info,thr " + std::to_string(lower) + " " + std::to_string(upper)) + "\n");
    // The log keeps what was asked for.
    EXPECT_NE(daemon->wait_for_line(std::regex("config: created 1 .*thr " + std::to_string(lower) +
                                               " " + std::to_string(upper) + "\\) from 10% 5%$"),
                                    10s),
              "")
        << daemon->output();
    std::string text = metrics();
    EXPECT_EQ(test::sample_value(
                  text, "fsev_threshold_requested_info",
                  {{"mountpoint", fs->mount_point()}, {"requested", "10%"}, {"level", "lower"}}),
              1.0)
        << text;
    EXPECT_EQ(test::sample_value(text, "fsev_threshold_lower_blocks",
                                 {{"mountpoint", fs->mount_point()}}),
              static_cast<double>(lower));
    EXPECT_EQ(test::promtool_check_metrics(text).exit_code, 0);
}

TEST_F(ConfigUnitsRulesTest, ByteLevelsAreAmountsOverTheBlockSize) {
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " thr 20M 1537K").exit_code, 0);
    // 20 MiB / 1 KiB = 20480 blocks; 1537 KiB = 1537 blocks.
    EXPECT_EQ(listing(), entry(1, "thr 20480 1537") + "\n");
    ASSERT_EQ(echo_request(fs->mount_point() + " thr 0.5M 1.5K").exit_code, 0);
    EXPECT_EQ(listing(), entry(1, "thr 512 1") + "\n");  // 1.5 KiB: one whole block
}

TEST_F(ConfigUnitsRulesTest, MalformedUnitsFailWithEinvalAndChangeNothing) {
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " thr 10% 5%").exit_code, 0);
    std::string before = listing();
    for (std::string bad : {" thr 10g", " thr 10GB", " thr 101%", " thr 5% 10%", " thr 1.5",
                            " thr 10%%", " thr 10 %", " thr 20M 30M", " thr 1M 10%"}) {
        test::CommandResult result = echo_request(fs->mount_point() + bad);
        EXPECT_NE(result.exit_code, 0) << bad;
        EXPECT_NE(result.output.find("Invalid argument"), std::string::npos)
            << bad << ": " << result.output;
        EXPECT_EQ(listing(), before) << bad;
    }
}

TEST_F(ConfigUnitsRulesTest, FillingPastAPercentLevelReportsItAtTheStatfsCount) {
    start_daemon();
    ASSERT_EQ(echo_request(fs->mount_point() + " thr 50% 40%").exit_code, 0);
    Size size = statfs_size(fs->mount_point());
    uint64_t lower = size.blocks / 2;
    fs->write_file("fill", fs->available_blocks() * 1024 - lower * 1024 + 2 * 1024 * 1024, true);
    std::string line = daemon->wait_for_line(
        std::regex("event " + regex_escaped(fs->mount_point()) +
                   " FS_THRESH_LR_REACHED .*direction=filling .*available_blocks=([0-9]+)"),
        10s);
    ASSERT_NE(line, "") << daemon->output();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(line, match, std::regex("available_blocks=([0-9]+)")));
    EXPECT_LE(std::stoull(match[1]), lower);
    EXPECT_LE(fs->available_blocks(), lower);
}

TEST_F(ConfigUnitsRulesTest, StartupFileTakesUnitsAndRules) {
    std::string file = temp->path("fsev.conf");
    std::ofstream(file) << fs->mount_point() << " info,thr 20G 5G\n"
                        << "@" << temp->path("none") << "* info\n";
    start_daemon({"--config-file", file});
    // 20 GiB is more than the whole 64 MiB filesystem: reached from the start.
    EXPECT_EQ(listing(),
              entry(1, "info,thr 20971520 5242880") + "\n@" + temp->path("none") + "* info\n");
}

TEST_F(ConfigUnitsRulesTest, ARuleTracesMatchingFilesystemsNowAndWhenMountedAgain) {
    start_daemon();
    ASSERT_EQ(echo_request("@" + fs->mount_point() + ",/nonexistent/* info,warn,err,thr 10% 5%")
                  .exit_code,
              0);
    Size size = statfs_size(fs->mount_point());
    std::string levels = std::to_string(size.blocks / 10) + " " + std::to_string(size.blocks / 20);
    std::string rule = "@" + fs->mount_point() + ",/nonexistent/* info,warn,err,thr 10% 5%\n";
    EXPECT_EQ(listing(), entry(1, "info,warn,err,thr " + levels) + "\n" + rule);
    EXPECT_NE(daemon->wait_for_line(std::regex("config: created 1 .* from 10% 5% by rule @"), 10s),
              "")
        << daemon->output();
    // The listed rule line can be written back as it is.
    ASSERT_EQ(echo_request(rule.substr(0, rule.size() - 1)).exit_code, 0);
    EXPECT_EQ(listing(), entry(1, "info,warn,err,thr " + levels) + "\n" + rule);

    fs->unmount();
    EXPECT_TRUE(eventually([&] { return listing() == rule; })) << listing();
    fs->mount_again();
    EXPECT_TRUE(eventually([&] {
        return listing() == entry(2, "info,warn,err,thr " + levels) + "\n" + rule;
    })) << listing();
    // The rule's entry works: an error on the filesystem is reported.
    fs->trigger_error("rule test");
    EXPECT_NE(
        daemon->wait_for_line(
            std::regex("event " + regex_escaped(fs->mount_point()) + " FS_ERR.* trace_id=2"), 10s),
        "")
        << daemon->output();

    ASSERT_EQ(echo_request("!@" + fs->mount_point() + ",/nonexistent/*").exit_code, 0);
    EXPECT_EQ(listing(), "");
}

TEST_F(ConfigUnitsRulesTest, WrittenRequestsOverrideARule) {
    start_daemon();
    ASSERT_EQ(echo_request("@" + fs->mount_point() + " info,thr 10%").exit_code, 0);
    ASSERT_EQ(echo_request(fs->mount_point() + " thr 1000 500").exit_code, 0);
    std::string rule = "@" + fs->mount_point() + " info,thr 10%\n";
    EXPECT_EQ(listing(), entry(1, "info,thr 1000 500") + "\n" + rule);
    // Removed by hand: the rule does not bring it back while it is mounted.
    ASSERT_EQ(echo_request("!" + fs->mount_point()).exit_code, 0);
    ASSERT_EQ(echo_request("@" + fs->mount_point() + " info,thr 10%").exit_code, 0);
    EXPECT_EQ(listing(), rule);
    // Unmounted (the daemon must see it gone: a tmpfs entry unmounted after
    // it tells when it did), then mounted again: the rule has it again.
    std::string canary = temp->path("canary");
    test::run_checked({"mkdir", "-p", canary});
    test::run_checked({"mount", "-t", "tmpfs", "-o", "size=1m", "none", canary});
    ASSERT_EQ(echo_request(canary + " info").exit_code, 0);
    fs->unmount();
    test::run_checked({"umount", canary});
    EXPECT_TRUE(eventually([&] { return listing() == rule; })) << listing();
    fs->mount_again();
    EXPECT_TRUE(eventually([&] { return listing() != rule; })) << listing();
    EXPECT_EQ(listing().rfind("3 " + fs->mount_point(), 0), 0u) << listing();
}

TEST_F(ConfigUnitsRulesTest, ARuleGivesAFilesystemWhatItCanDeliverAndLogsTheRest) {
    start_daemon();
    std::string tmpfs = temp->path("tmpfs");
    test::run_checked({"mkdir", "-p", tmpfs});
    test::run_checked({"mount", "-t", "tmpfs", "-o", "size=8m", "none", tmpfs});
    ASSERT_EQ(echo_request("@" + tmpfs + " info,warn,err,thr 10% 5%").exit_code, 0);
    EXPECT_EQ(listing(), "1 " + tmpfs + " tmpfs none (info,warn,thr 204 102)\n@" + tmpfs +
                             " info,warn,err,thr 10% 5%\n");
    EXPECT_NE(daemon->wait_for_line(std::regex("rule @.* on " + regex_escaped(tmpfs) +
                                               " \\(tmpfs none\\): tmpfs cannot deliver "
                                               "err"),
                                    10s),
              "")
        << daemon->output();
    test::run_checked({"umount", tmpfs});
    EXPECT_TRUE(eventually([&] { return listing().rfind("1 ", 0) != 0; })) << listing();
}

TEST_F(ConfigUnitsRulesTest, TheShippedDefaultTracesRealFilesystemsAtOnce) {
    start_daemon({"--config-file", std::string(FSEV_SOURCE_DIR) + "/deploy/fsev.conf"});
    Size size = statfs_size(fs->mount_point());
    std::string text = listing();
    EXPECT_NE(text.find(" " + fs->mount_point() + " ext4 " + fs->loop_device() +
                        " (info,warn,err,thr " + std::to_string(size.blocks / 10) + " " +
                        std::to_string(size.blocks / 20) + ")\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\n@blockdev info,warn,err,thr 10% 5%\n"), std::string::npos) << text;
    // Nothing that is not on a block device.
    EXPECT_EQ(text.find(" tmpfs "), std::string::npos) << text;
    EXPECT_EQ(text.find(" proc "), std::string::npos) << text;
    EXPECT_EQ(text.find(run_dir), std::string::npos) << text;
    // A filesystem mounted later is traced too, and its events arrive.
    test::LoopExt4 later(test::LoopExt4Options{64, "-b 1024"});
    EXPECT_TRUE(eventually([&] {
        return listing().find(" " + later.mount_point() + " ext4 ") != std::string::npos;
    })) << listing();
    uint64_t lower = statfs_size(later.mount_point()).blocks / 10;
    later.write_file("fill", later.available_blocks() * 1024 - lower * 1024 + 1024 * 1024, true);
    EXPECT_NE(daemon->wait_for_line(std::regex("event " + regex_escaped(later.mount_point()) +
                                               " FS_THRESH_LR_REACHED .*direction=filling"),
                                    10s),
              "")
        << daemon->output();
}

}  // namespace
}  // namespace fsev
