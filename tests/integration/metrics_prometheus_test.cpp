// A real Prometheus server (Debian's) scraping fsev-bpf and evaluating the
// alert rules shipped in deploy/fsev-alerts.yml, sending them to a real
// Alertmanager (Debian's) routed as deploy/alertmanager.yml ships, which
// notifies a webhook receiver in the test.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/network.h"
#include "support/alertmanager_server.h"
#include "support/prometheus_server.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::PrometheusServer;

const std::string shipped_rules = std::string(FSEV_SOURCE_DIR) + "/deploy/fsev-alerts.yml";

// The single value of an instant-vector answer, or nullopt when empty.
std::optional<double> only_value(const json &result) {
    if (result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
}

class MetricsPrometheusTest : public ::testing::Test {
  protected:
    void SetUp() override { FSEV_REQUIRE_ROOT(); }
};

TEST_F(MetricsPrometheusTest, ScrapesTheDaemonAndFiresExporterDownWhenItStops) {
    test::TempDir run_dir("fsev-run");
    int port = test::free_loopback_port();
    std::string target = "127.0.0.1:" + std::to_string(port);
    test::DaemonProcess daemon({"--run-dir", run_dir.path(), "--metrics-address", target});
    ASSERT_NE(daemon.wait_for_line(std::regex("^fsev-bpf: ready"), 30s), "") << daemon.output();

    PrometheusServer prometheus({.targets = {target}, .rule_files = {shipped_rules}});
    std::string up = "up{job=\"fsev-bpf\",instance=\"" + target + "\"}";
    json result =
        PrometheusServer::poll_until([&] { return prometheus.query(up); },
                                     [](const json &r) { return only_value(r) == 1.0; }, 30s);
    ASSERT_EQ(only_value(result), 1.0) << result.dump() << "\n" << prometheus.log();

    result = prometheus.query("fsev_build_info{instance=\"" + target + "\"}");
    ASSERT_EQ(result.size(), 1u) << result.dump();
    EXPECT_EQ(result[0]["metric"]["version"], FSEV_VERSION);
    EXPECT_EQ(only_value(result), 1.0);

    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
    // The rule waits `for: 1m` after the first failed scrape.
    json alerts = PrometheusServer::poll_until(
        [&] { return prometheus.alerts(); },
        [&](const json &a) {
            return !test::alerts_matching(a, "FsevExporterDown", "firing", {{"instance", target}})
                        .empty();
        },
        150s);
    EXPECT_EQ(
        test::alerts_matching(alerts, "FsevExporterDown", "firing", {{"instance", target}}).size(),
        1u)
        << alerts.dump(2);
}

// The threshold path end to end: a real filling ext4 loop mount registered
// through the real daemon's config file; the BPF programs see the crossings;
// the daemon's /metrics is scraped by a real Prometheus running the shipped
// alert rules; Alertmanager delivers the alert to a webhook, where a person's
// tooling would pick it up.
TEST_F(MetricsPrometheusTest, ThresholdAlertFiresReachesAWebhookAndAvailableBytesMatchStatfs) {
    test::LoopExt4 fs({.size_mib = 64});
    uint64_t block_size = fs.block_size();
    uint64_t start_blocks = fs.available_blocks();
    ASSERT_GT(start_blocks, 4096u);

    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    std::string target = "127.0.0.1:" + std::to_string(daemon.metrics_port());
    test::WebhookReceiver webhook;
    test::AlertmanagerServer alertmanager(webhook.url());
    PrometheusServer prometheus(
        {.targets = {target},
         .rule_files = {shipped_rules},
         .alertmanagers = {"127.0.0.1:" + std::to_string(alertmanager.port())}});

    uint64_t lower = start_blocks - 1024;  // 4 MiB taken
    uint64_t upper = start_blocks - 2048;  // 8 MiB taken
    auto written = daemon.request(fs.mount_point() + " thr " + std::to_string(lower) + " " +
                                  std::to_string(upper));
    ASSERT_EQ(written.exit_code, 0) << written.output << daemon.output();
    std::string listing = test::run_checked({"cat", daemon.run_dir() + "/config"});
    std::string trace_id = listing.substr(0, listing.find(' '));

    fs.write_file("fill", (2048 + 256) * block_size, true);
    ASSERT_LE(fs.available_blocks(), upper);

    std::vector<std::pair<std::string, std::string>> labels = {
        {"mountpoint", fs.mount_point()}, {"device", fs.loop_device()}, {"trace_id", trace_id}};
    json alerts = PrometheusServer::poll_until(
        [&] { return prometheus.alerts(); },
        [&](const json &a) {
            return !test::alerts_matching(a, "FsevThresholdUpperReached", "firing", labels).empty();
        },
        60s);
    EXPECT_EQ(test::alerts_matching(alerts, "FsevThresholdUpperReached", "firing", labels).size(),
              1u)
        << alerts.dump(2) << "\n"
        << prometheus.log();
    EXPECT_EQ(test::alerts_matching(alerts, "FsevThresholdLowerReached", "firing", labels).size(),
              1u)
        << alerts.dump(2);

    // The notification a person gets names the filesystem and the level.
    json notified = webhook.wait_for_alert(
        [&](const json &alert) {
            const json &l = alert["labels"];
            return alert.value("status", "") == "firing" &&
                   l.value("alertname", "") == "FsevThresholdUpperReached" &&
                   l.value("mountpoint", "") == fs.mount_point() &&
                   l.value("device", "") == fs.loop_device() && l.value("level", "") == "upper" &&
                   l.value("trace_id", "") == trace_id;
        },
        60s);
    EXPECT_FALSE(notified.is_null()) << json(webhook.notifications()).dump(2) << "\n"
                                     << alertmanager.log();
    if (!notified.is_null()) {
        EXPECT_NE(notified["annotations"].value("summary", "").find(fs.mount_point()),
                  std::string::npos)
            << notified.dump(2);
    }

    // What an administrator compares with: `stat -f` on the quiet filesystem.
    std::string stat_output = test::run_checked({"stat", "-f", "-c", "%a %S", fs.mount_point()});
    uint64_t stat_blocks = 0, stat_block_size = 0;
    ASSERT_EQ(std::sscanf(stat_output.c_str(), "%lu %lu", &stat_blocks, &stat_block_size), 2)
        << stat_output;
    double expected = static_cast<double>(stat_blocks * stat_block_size);
    std::string series = "fsev_available_bytes{mountpoint=\"" + fs.mount_point() + "\"}";
    json result =
        PrometheusServer::poll_until([&] { return prometheus.query(series); },
                                     [&](const json &r) { return only_value(r) == expected; }, 30s);
    EXPECT_EQ(only_value(result), expected) << result.dump() << " vs stat -f: " << stat_output;
    EXPECT_EQ(result[0]["metric"]["fstype"], "ext4") << result.dump();
}

}  // namespace
}  // namespace fsev
