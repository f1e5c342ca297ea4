// Who filled it, as a user sees it: the real daemon's THRESH message names
// the writer (fsev-listen), /metrics counts its cgroup, and the run
// directory's `writers` file answers "who wrote most here lately".
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "attribution/cgroup_names.h"
#include "support/cgroup_writer.h"
#include "support/command.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/loop_ext4.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A cgroup v2 directory named like a docker container's systemd scope.
class ContainerCgroup : public test::TestCgroup {
  public:
    explicit ContainerCgroup(const std::string &root) : test::TestCgroup(root, scope_name()) {}

    std::string relative() const { return "/" + scope_name(); }
    std::string short_id() const { return container_id().substr(0, 12); }

  private:
    static std::string container_id() {
        char id[65];
        std::snprintf(id, sizeof(id), "%08x%056x", static_cast<unsigned>(::getpid()), 0u);
        return id;
    }
    static std::string scope_name() { return "docker-" + container_id() + ".scope"; }
};

TEST(AttributionDaemonTest, ThreshMessageMetricsAndWritersFileNameTheContainerThatFilledIt) {
    FSEV_REQUIRE_ROOT();
    auto root = cgroup2_mount_point();
    if (!root) GTEST_SKIP() << "no cgroup v2 hierarchy is mounted (findmnt -t cgroup2)";
    test::LoopExt4 fs;
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    test::ListenerProcess listener({"--json", "--run-dir", daemon.run_dir()});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
    uint64_t lower = fs.available_blocks() - 1000;
    auto result = daemon.request(fs.mount_point() + " thr " + std::to_string(lower));
    ASSERT_EQ(result.exit_code, 0) << result.output << daemon.output();

    ContainerCgroup container(*root);
    constexpr size_t written = 12 << 20;  // 3072 blocks: past L1
    pid_t writer =
        test::start_writer(container, fs.path("fill"), 1 << 20, static_cast<int>(written >> 20));
    ASSERT_EQ(test::wait_for_exit(writer), 0);

    json thresh;
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (thresh.is_null() && std::chrono::steady_clock::now() < deadline)
        for (const json &message : listener.wait_for_json(SIZE_MAX, 200ms))
            if (message["type"] == "THRESH" && message["dev_minor"] == minor(fs.device()) &&
                message["dev_major"] == major(fs.device()))
                thresh = message;
    ASSERT_FALSE(thresh.is_null()) << listener.output() << daemon.output();
    ASSERT_TRUE(thresh.contains("writers")) << thresh.dump();
    EXPECT_EQ(thresh["writers_window_seconds"], 60);
    const json &first = thresh["writers"][0];
    EXPECT_EQ(first["pid"], writer) << thresh.dump();
    EXPECT_EQ(first["cgroup"], container.relative()) << thresh.dump();
    EXPECT_EQ(first["workload"], "container " + container.short_id()) << thresh.dump();
    // Reported as the level is crossed: at least what crossed it, at most all.
    EXPECT_GE(first["bytes"].get<uint64_t>(), 1000u * 4096 * 95 / 100) << thresh.dump();
    EXPECT_LE(first["bytes"].get<uint64_t>(), written * 105 / 100) << thresh.dump();

    test::HttpResponse metrics = test::http_get(daemon.metrics_port(), "/metrics");
    ASSERT_EQ(metrics.status, 200) << metrics.error;
    auto total =
        test::sample_value(metrics.body, "fsev_written_bytes_total",
                           {{"mountpoint", fs.mount_point()}, {"cgroup", container.relative()}});
    ASSERT_TRUE(total) << metrics.body;
    EXPECT_NEAR(*total, double(written), 0.05 * written);
    EXPECT_EQ(test::promtool_check_metrics(metrics.body).exit_code, 0)
        << test::promtool_check_metrics(metrics.body).output;

    std::string writers = test::run_checked({"cat", daemon.run_dir() + "/writers"});
    EXPECT_NE(writers.find(fs.mount_point() + " last 1m"), std::string::npos) << writers;
    EXPECT_NE(writers.find(fs.mount_point() + " last 10m"), std::string::npos) << writers;
    EXPECT_NE(writers.find("pid " + std::to_string(writer)), std::string::npos) << writers;
    EXPECT_NE(writers.find("(container " + container.short_id() + ")"), std::string::npos)
        << writers;
}

TEST(AttributionDaemonTest, EnospcWarningNamesTheWriterThatFilledIt) {
    FSEV_REQUIRE_ROOT();
    test::LoopExt4 fs(test::LoopExt4Options{.size_mib = 16});
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    test::ListenerProcess listener({"--json", "--run-dir", daemon.run_dir()});
    ASSERT_TRUE(listener.wait_until_listening(10s)) << listener.errors();
    auto traced = daemon.request(fs.mount_point() + " warn");
    ASSERT_EQ(traced.exit_code, 0) << traced.output << daemon.output();

    auto filled = test::run_command(
        {"dd", "if=/dev/zero", "of=" + fs.path("fill"), "bs=1M", "count=64", "status=none"});
    ASSERT_NE(filled.exit_code, 0) << "dd should have run out of space";

    json warning = listener.wait_for_event_about(fs.device(), "FS_WARN_ENOSPC", 15s);
    ASSERT_FALSE(warning.is_null()) << listener.output() << daemon.output();
    ASSERT_TRUE(warning.contains("writers")) << warning.dump();
    const json &first = warning["writers"][0];
    EXPECT_EQ(first["comm"], "dd") << warning.dump();
    EXPECT_EQ(first["pid"], warning["caused_pid"]) << warning.dump();
    // Nearly the whole 16 MiB filesystem was taken by dd.
    EXPECT_GT(first["bytes"].get<uint64_t>(), 8u << 20) << warning.dump();
}

}  // namespace
}  // namespace fsev
