// Events published within one WriterAttribution::Batch (one ring-buffer
// drain) share one copy of the writers map, never older than the batch's
// snapshot age; outside a batch every event copies the map. A real BPF map
// of the writers map's types, written by the test as the BPF hooks would.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "attribution/writer_attribution.h"
#include "common/unique_fd.h"
#include "fsev/bpf_shared.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kMajor = 7, kMinor = 42;
constexpr uint32_t kDevice = (kMajor << 20) | kMinor;
constexpr uint64_t kClusterBytes = 4096;

class AttributionBatchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        map_ =
            UniqueFd(bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "test_writers", sizeof(fsev_writer_key),
                                    sizeof(fsev_writer_space), 64, nullptr));
        ASSERT_TRUE(map_.valid()) << "bpf_map_create: " << std::strerror(errno);
        // No cgroup hierarchy to walk: the writer shows as cgroup:<id>.
        cgroup_root_ = std::filesystem::temp_directory_path() /
                       ("fsev-attribution-batch-" + std::to_string(::getpid()));
        std::filesystem::create_directories(cgroup_root_);
        set_clusters(0);
    }
    void TearDown() override { std::filesystem::remove_all(cgroup_root_); }

    void set_clusters(uint64_t clusters) {
        fsev_writer_key key{};
        key.cgroup_id = 1;
        key.dev = kDevice;
        key.tgid = 1234;
        fsev_writer_space space{};
        space.clusters = clusters;
        space.cluster_bytes = kClusterBytes;
        std::strncpy(space.comm, "writer", sizeof space.comm);
        ASSERT_EQ(bpf_map_update_elem(map_.get(), &key, &space, BPF_ANY), 0);
    }

    // The bytes the one writer shows in a THRESH event published now.
    static uint64_t event_bytes(WriterAttribution &attribution) {
        Event event;
        event.type = FS_EVENT_THRESH;
        event.has_device = true;
        event.dev_major = kMajor;
        event.dev_minor = kMinor;
        attribution.add_writers(event);
        EXPECT_EQ(event.writers_window_seconds, 60u);
        if (event.writers.empty()) return 0;
        EXPECT_EQ(event.writers.size(), 1u);
        EXPECT_EQ(event.writers[0].comm, "writer");
        return event.writers[0].bytes;
    }

    UniqueFd map_;
    std::filesystem::path cgroup_root_;
};

TEST_F(AttributionBatchTest, EventsOfOneBatchShareOneCopyOfTheMap) {
    WriterAttribution attribution({map_.get(), -1}, 1h, cgroup_root_.string(), 1h);
    set_clusters(10);
    EXPECT_EQ(event_bytes(attribution), 10 * kClusterBytes);  // no batch: copied now
    set_clusters(20);
    {
        WriterAttribution::Batch batch(attribution);
        EXPECT_EQ(event_bytes(attribution), 20 * kClusterBytes);  // a batch's own copy
        set_clusters(30);
        EXPECT_EQ(event_bytes(attribution), 20 * kClusterBytes);  // shared
        set_clusters(40);
        EXPECT_EQ(event_bytes(attribution), 20 * kClusterBytes);
    }
    EXPECT_EQ(event_bytes(attribution), 40 * kClusterBytes);  // batch over: copied again
    set_clusters(50);
    EXPECT_EQ(event_bytes(attribution), 50 * kClusterBytes);
}

TEST_F(AttributionBatchTest, ABatchCopiesTheMapAgainOnceItsCopyIsTooOld) {
    WriterAttribution attribution({map_.get(), -1}, 1h, cgroup_root_.string(), 5ms);
    WriterAttribution::Batch batch(attribution);
    set_clusters(10);
    EXPECT_EQ(event_bytes(attribution), 10 * kClusterBytes);
    set_clusters(20);
    std::this_thread::sleep_for(6ms);
    EXPECT_EQ(event_bytes(attribution), 20 * kClusterBytes);
}

}  // namespace
}  // namespace fsev
