// FS_WARN_FULL_SOON from the real daemon on a real ext4 loop mount, on the
// fill curves it must tell apart: a constant fill warns once, when the true
// time to L2 crosses the horizon (within 10 %); a sawtooth (fill, delete,
// repeat) never; a burst then idle at most once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "support/command.h"
#include "support/daemon_and_listener.h"
#include "support/daemon_process.h"
#include "support/listener_process.h"
#include "support/loop_ext4.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kHorizonSeconds = 6;
constexpr uint64_t kMiB = 1 << 20;

class FullSoonTest : public test::DaemonAndListenerTest {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        fs_ = std::make_unique<test::LoopExt4>();
        start_daemon_and_listener();
    }

    uint64_t available_bytes() const {
        struct statvfs status {};
        ::statvfs(fs_->mount_point().c_str(), &status);
        return status.f_bavail * status.f_bsize;
    }

    // `thr` with L2 `upper_mib` below the free space now, L1 a little above
    // it, and the horizon; returns L2 in bytes.
    uint64_t trace_with_prediction(uint64_t upper_mib) {
        uint64_t block = fs_->block_size();
        uint64_t upper = (available_bytes() - upper_mib * kMiB) / block;
        uint64_t lower = upper + 256;
        auto result = daemon_->request(fs_->mount_point() + " thr " + std::to_string(lower) + " " +
                                       std::to_string(upper) + " predict " +
                                       std::to_string(kHorizonSeconds) + "s");
        EXPECT_EQ(result.exit_code, 0) << result.output << daemon_->output();
        return upper * block;
    }

    // FS_WARN_FULL_SOON messages of our filesystem received so far.
    int full_soon_messages(std::chrono::milliseconds wait) {
        int count = 0;
        for (const json &message : listener_->wait_for_json(SIZE_MAX, wait))
            if (message.value("event", "") == "FS_WARN_FULL_SOON" &&
                message.value("dev_minor", 0u) == minor(fs_->device()) &&
                message.value("dev_major", 0u) == major(fs_->device()))
                count++;
        return count;
    }

    std::unique_ptr<test::LoopExt4> fs_;
};

// Appends to `fd` at `bytes_per_second` in 64 KiB writes until `until`
// says stop; calls `each` after every write.
template <typename Until>
void paced_fill(int fd, double bytes_per_second, Until until) {
    std::string chunk(64 << 10, 'p');
    auto start = Clock::now();
    uint64_t written = 0;
    while (!until()) {
        auto due =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        static_cast<double>(written) / bytes_per_second));
        std::this_thread::sleep_until(due);
        ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
        written += chunk.size();
    }
}

TEST_F(FullSoonTest, ConstantFillWarnsOnceWhenTheTrueTimeToL2CrossesTheHorizon) {
    uint64_t upper = trace_with_prediction(30);  // 15 s away at 2 MiB/s
    int fd = ::open(fs_->path("constant").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    Clock::time_point fired{}, reached{};
    paced_fill(fd, 2.0 * kMiB, [&] {
        if (fired == Clock::time_point{} && full_soon_messages(15ms) > 0) fired = Clock::now();
        if (available_bytes() <= upper) reached = Clock::now();
        return reached != Clock::time_point{};
    });
    ::close(fd);
    int warnings = full_soon_messages(1s);
    ASSERT_EQ(warnings, 1) << listener_->output() << daemon_->output();
    ASSERT_NE(fired, Clock::time_point{}) << listener_->output() << daemon_->output();
    double lead = std::chrono::duration<double>(reached - fired).count();
    std::cout << "FS_WARN_FULL_SOON came " << lead << " s before L2 (horizon " << kHorizonSeconds
              << " s)\n";
    EXPECT_NEAR(lead, double(kHorizonSeconds), 0.1 * kHorizonSeconds)
        << "warned " << lead << " s before L2";

    test::HttpResponse metrics = test::http_get(daemon_->metrics_port(), "/metrics");
    auto until_full = test::sample_value(metrics.body, "fsev_seconds_until_full",
                                         {{"mountpoint", fs_->mount_point()}});
    ASSERT_TRUE(until_full) << metrics.body;
    EXPECT_LE(*until_full, 1.0);  // L2 is reached
}

TEST_F(FullSoonTest, SawtoothDoesNotWarn) {
    trace_with_prediction(20);
    // 8 MiB in 2 s, deleted, 1 s quiet; a 3 s period, 5 times. Over the last
    // quarter of the horizon the fill looks like 4 MiB/s: L2 under 5 s away
    // at each peak.
    for (int period = 0; period < 5; period++) {
        int fd = ::open(fs_->path("tooth").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        auto end = Clock::now() + 2s;
        paced_fill(fd, 4.0 * kMiB, [&] { return Clock::now() >= end; });
        ::close(fd);
        ASSERT_EQ(::unlink(fs_->path("tooth").c_str()), 0);
        std::this_thread::sleep_for(1s);
    }
    EXPECT_EQ(full_soon_messages(500ms), 0) << listener_->output() << daemon_->output();
}

TEST_F(FullSoonTest, BurstThenIdleWarnsAtMostOnce) {
    trace_with_prediction(40);
    fs_->write_file("burst", 30 * kMiB, /*sync_file=*/false);
    std::this_thread::sleep_for(std::chrono::seconds(3 * kHorizonSeconds));
    EXPECT_LE(full_soon_messages(500ms), 1) << listener_->output() << daemon_->output();
}

}  // namespace
}  // namespace fsev
