// A storm of threshold crossings through the real daemon: one writer
// crossing a level back and forth as fast as it can. The daemon drains such
// a storm in batches (waiting a little before each drain); every crossing
// still comes out, in order, and the crossing after the storm at once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>
#include <string>

#include "common/unique_fd.h"
#include "support/daemon_process.h"
#include "support/loop_ext4.h"
#include "support/metrics_text.h"
#include "support/network.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

// Within the 1 MiB ring buffer even if the daemon fell behind: the test
// reads the daemon's output only after each storm, so a full pipe may
// block the daemon meanwhile; nothing is lost for that.
constexpr int kCyclesPerStorm = 1000;
constexpr int kStorms = 10;

TEST(Storm, EveryCrossingOfAStormIsPublishedInOrderAndTheNextOneAfterIt) {
    FSEV_REQUIRE_ROOT();
    test::LoopExt4 fs;
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    std::string path = fs.path("storm");
    UniqueFd file(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(file.valid());
    ::sync();
    // A 4 KiB write at offset 0 reserves one block: the count goes from
    // `start` to `start - 1`, the lower level; the truncate gives it back.
    uint64_t start = fs.available_blocks();
    uint64_t lower = start - 1;
    auto written = daemon.request(fs.mount_point() + " thr " + std::to_string(lower) + " " +
                                  std::to_string(lower / 2));
    ASSERT_EQ(written.exit_code, 0) << written.output;
    ASSERT_EQ(fs.available_blocks(), start);

    const std::string block(4096, 's');
    auto cross_down = [&] {
        ASSERT_EQ(::pwrite(file.get(), block.data(), block.size(), 0), 4096) << strerror(errno);
    };
    auto cross_up = [&] { ASSERT_EQ(::ftruncate(file.get(), 0), 0) << strerror(errno); };
    const std::regex crossing("^event " + fs.mount_point() +
                              " FS_THRESH_LR_REACHED type=THRESH direction=(filling|freeing) ");
    auto next_direction = [&](std::chrono::milliseconds timeout) {
        std::smatch match;
        std::string line = daemon.wait_for_line(crossing, timeout);
        return std::regex_search(line, match, crossing) ? match[1].str() : "none";
    };

    for (int storm = 0; storm < kStorms; ++storm) {
        for (int cycle = 0; cycle < kCyclesPerStorm; ++cycle) {
            cross_down();
            cross_up();
        }
        for (int cycle = 0; cycle < kCyclesPerStorm; ++cycle) {
            ASSERT_EQ(next_direction(10s), "filling") << "storm " << storm << ", cycle " << cycle;
            ASSERT_EQ(next_direction(10s), "freeing") << "storm " << storm << ", cycle " << cycle;
        }
        // After the storm, one more crossing each way: no wait is left over.
        cross_down();
        ASSERT_EQ(next_direction(10s), "filling") << "after storm " << storm;
        cross_up();
        ASSERT_EQ(next_direction(10s), "freeing") << "after storm " << storm;
    }
    double crossings = 2.0 * (kCyclesPerStorm + 1) * kStorms;
    std::string metrics = test::http_get(daemon.metrics_port(), "/metrics").body;
    EXPECT_EQ(test::sample_value(metrics, "fsev_events_total",
                                 {{"event", "FS_THRESH_LR_REACHED"}, {"type", "thresh"}}),
              crossings)
        << metrics;
    EXPECT_EQ(test::sample_value(metrics, "fsev_ring_buffer_dropped_records_total", {}), 0.0)
        << metrics;
}

}  // namespace
}  // namespace fsev
