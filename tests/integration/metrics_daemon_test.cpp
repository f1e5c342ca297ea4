// The real fsev-bpf serving /metrics, as Prometheus and systemd see it.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <regex>
#include <thread>

#include "common/unique_fd.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/notify_socket.h"
#include "support/root_required.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::DaemonProcess;

constexpr const char *exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

class MetricsDaemonTest : public ::testing::Test {
  protected:
    void SetUp() override { FSEV_REQUIRE_ROOT(); }

    std::vector<std::string> daemon_arguments() const {
        return {"--run-dir", run_dir_.path(), "--metrics-address",
                "127.0.0.1:" + std::to_string(port_)};
    }
    static bool wait_ready(DaemonProcess &daemon) {
        return daemon.wait_for_line(std::regex("^fsev-bpf: ready"), 30s) != "";
    }

    test::TempDir run_dir_{"fsev-run"};
    int port_ = test::free_loopback_port();
};

TEST_F(MetricsDaemonTest, ServesMetricsThatPromtoolAccepts) {
    DaemonProcess daemon(daemon_arguments());
    ASSERT_TRUE(wait_ready(daemon)) << daemon.output();
    test::HttpResponse response = test::http_get(port_, "/metrics");
    ASSERT_EQ(response.status, 200) << response.error << "\n" << daemon.output();
    EXPECT_EQ(response.content_type, exposition_content_type);
    EXPECT_EQ(test::sample_value(response.body, "fsev_build_info", {{"version", FSEV_VERSION}}), 1)
        << response.body;
    EXPECT_EQ(
        test::sample_value(response.body, "fsev_config_writes_total", {{"result", "rejected"}}), 0)
        << response.body;
    test::CommandResult check = test::promtool_check_metrics(response.body);
    EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << response.body;
    EXPECT_EQ(check.output, "") << response.body;
    EXPECT_EQ(test::http_get(port_, "/nothing-here").status, 404);
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
}

UniqueFd connect_to(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) return {};
    return fd;
}

TEST_F(MetricsDaemonTest, SlowAndIdleClientsDoNotStopScrapes) {
    DaemonProcess daemon(daemon_arguments());
    ASSERT_TRUE(wait_ready(daemon)) << daemon.output();
    // 32 idle connections that sent half a request line, and 4 that send
    // one header byte every 0.5 s: all from 127.0.0.1, like the scraper.
    std::vector<UniqueFd> idle;
    for (int i = 0; i < 32; ++i) {
        idle.push_back(connect_to(port_));
        ASSERT_TRUE(idle.back().valid());
        ASSERT_EQ(::send(idle.back().get(), "GET /met", 8, MSG_NOSIGNAL), 8);
    }
    std::atomic<bool> stop = false;
    std::vector<std::thread> tricklers;
    for (int i = 0; i < 4; ++i)
        tricklers.emplace_back([this, &stop] {
            UniqueFd fd = connect_to(port_);
            while (!stop) {
                if (::send(fd.get(), "G", 1, MSG_NOSIGNAL) != 1) fd = connect_to(port_);
                std::this_thread::sleep_for(500ms);
            }
        });
    for (int scrape = 0; scrape < 10; ++scrape) {
        auto started = std::chrono::steady_clock::now();
        test::HttpResponse response = test::http_get(port_, "/metrics");
        auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(response.status, 200) << "scrape " << scrape << ": " << response.error;
        EXPECT_LT(took, 2s) << "scrape " << scrape;
        std::this_thread::sleep_for(300ms);
    }
    stop = true;
    for (auto &trickler : tricklers) trickler.join();
    // A client that sends its request slower than the deadline is dropped.
    char byte = 0;
    EXPECT_EQ(::recv(idle.back().get(), &byte, 1, 0), 0);
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
}

TEST_F(MetricsDaemonTest, PortAlreadyInUseFailsStartUpWithAClearError) {
    UniqueFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port_));
    ASSERT_EQ(::bind(holder.get(), reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(holder.get(), 1), 0);

    DaemonProcess daemon(daemon_arguments());
    std::string line =
        daemon.wait_for_line(std::regex("serve metrics on 127\\.0\\.0\\.1:[0-9]+"), 30s);
    EXPECT_NE(line.find("Address already in use"), std::string::npos) << daemon.output();
    EXPECT_EQ(daemon.stop(SIGTERM), 1) << daemon.output();
    EXPECT_EQ(daemon.output().find("fsev-bpf: ready"), std::string::npos) << daemon.output();
}

TEST_F(MetricsDaemonTest, TellsSystemdReadyOnlyWhenMetricsAreServedAndStoppingOnSigterm) {
    test::NotifySocket systemd;  // sets $NOTIFY_SOCKET for the daemon we start
    DaemonProcess daemon(daemon_arguments());
    ASSERT_TRUE(systemd.wait_for("READY=1", 30s)) << daemon.output();
    // READY=1 promises a working endpoint: no retry here.
    test::HttpResponse response = test::http_get(port_, "/metrics");
    EXPECT_EQ(response.status, 200) << response.error;
    EXPECT_NE(daemon.wait_for_line(std::regex("^fsev-bpf: ready"), 5s), "") << daemon.output();
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
    EXPECT_TRUE(systemd.wait_for("STOPPING=1", 5s)) << daemon.output();
}

TEST_F(MetricsDaemonTest, BpfProgramRunStatisticsWhenTheKernelCounts) {
    // A BPF_ENABLE_STATS fd turns counting on for as long as we hold it and
    // leaves the sysctl (shared with everyone on this machine) alone.
    UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
    ASSERT_TRUE(stats.valid()) << "bpf_enable_stats: " << std::strerror(errno);
    DaemonProcess daemon(daemon_arguments());
    ASSERT_TRUE(wait_ready(daemon)) << daemon.output();
    test::LoopExt4 fs;
    fs.write_file("data", 4 << 20, true);

    test::HttpResponse response = test::http_get(port_, "/metrics");
    ASSERT_EQ(response.status, 200) << response.error;
    // ext4_da_reserve_space runs in the flavour this kernel has.
    const char *reserve = test::sample_value(response.body, "fsev_bpf_program_runs_total",
                                             {{"program", "on_da_reserve_space_one_cluster"}})
                              ? "on_da_reserve_space_one_cluster"
                              : "on_da_reserve_space";
    for (const char *program : {"on_allocate_blocks", reserve, "on_free_blocks"}) {
        EXPECT_TRUE(test::sample_value(response.body, "fsev_bpf_program_runs_total",
                                       {{"program", program}}))
            << program << "\n"
            << response.body;
        EXPECT_TRUE(test::sample_value(response.body, "fsev_bpf_program_run_time_seconds_total",
                                       {{"program", program}}))
            << program << "\n"
            << response.body;
    }
    // Our fsync'ed 4 MiB on the loop mount allocated blocks for sure.
    EXPECT_GT(test::sample_value(response.body, "fsev_bpf_program_runs_total",
                                 {{"program", "on_allocate_blocks"}})
                  .value_or(0),
              0)
        << response.body;
    test::CommandResult check = test::promtool_check_metrics(response.body);
    EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << response.body;
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.output();
}

}  // namespace
}  // namespace fsev
