// The real BPF object against real ext4 loop mounts, in this process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "events/record_format.h"
#include "probes/ext4_probes.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::LoopExt4;

// Loads and attaches the programs and keeps every record for inspection.
// The parameter: the build of the object that reads ext4's fields with plain
// loads (true) or the one with bpf_probe_read (false).
class ProbesTest : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        KernelFeatures features = detect_kernel_features();
        if (GetParam() && !features.ext4_plain_loads)
            GTEST_SKIP() << "kernel " << features.release
                         << " cannot take the plain-load build: bpf_rdonly_cast needs Linux "
                            "6.2+ with ext4 built in (here it is a module or the kernel is older)";
        features.ext4_plain_loads = GetParam();
        ProbeOptions options = probe_options_for_self();
        options.daemon_tgid = 0;  // this test process is the writer to watch
        options.emit_raw_records = true;
        try {
            probes_ = std::make_unique<Ext4Probes>(options, features);
            probes_->attach();
        } catch (const std::system_error &error) {
            FAIL() << "loading the real BPF object failed: " << error.what();
        }
        ASSERT_EQ(probes_->plain_loads(), GetParam()) << "the other build was loaded";
        stream_ = std::make_unique<RecordStream>(
            probes_->records_map_fd(),
            [this](const fsev_record &record) { records_.push_back(record); });
    }

    // Polls until a record on `dev` from `source` satisfies `extra`, or 10 s pass.
    template <typename Predicate>
    std::optional<fsev_record> wait_for(uint32_t dev, uint32_t source, Predicate extra) {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        size_t checked = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            for (; checked < records_.size(); ++checked) {
                const fsev_record &record = records_[checked];
                if (record.dev == dev && record.source == source && extra(record)) return record;
            }
            stream_->poll(100);
        }
        return std::nullopt;
    }
    std::optional<fsev_record> wait_for(uint32_t dev, uint32_t source) {
        return wait_for(dev, source, [](const fsev_record &) { return true; });
    }
    void drain_for(std::chrono::milliseconds duration) {
        auto deadline = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < deadline) stream_->poll(50);
    }

    std::unique_ptr<Ext4Probes> probes_;
    std::unique_ptr<RecordStream> stream_;
    std::vector<fsev_record> records_;
};

TEST_P(ProbesTest, EveryProgramAttachesToItsTracepoint) {
    std::vector<std::string> attached = probes_->attached_programs();
    std::set<std::string> expected = {"tp_btf/ext4_allocate_blocks",
                                      "tp_btf/ext4_free_blocks",
                                      "tp_btf/ext4_request_blocks",
                                      "tp_btf/ext4_da_reserve_space",
                                      "tp_btf/ext4_da_release_space",
                                      "tp_btf/ext4_da_update_reserve_space",
                                      "tp_btf/ext4_error",
                                      "tp_btf/ext4_shutdown",
                                      "tp_btf/sys_exit"};
    // XFS shutdowns, where xfs (built in or a loaded module) has the
    // tracepoint. The activity programs for other filesystems attach only
    // while an entry needs them.
    if (probes_->kernel_features().has_tracepoint("xfs_force_shutdown"))
        expected.insert("tp_btf/xfs_force_shutdown");
    EXPECT_EQ(std::set<std::string>(attached.begin(), attached.end()), expected);
    EXPECT_FALSE(probes_->watching_space_activity());
}

// The ext4_da_reserve_space records of `fs` while one buffered write of
// `blocks` 4 KiB blocks goes to it: polled until they reserve that many
// blocks, or 10 s pass.
std::vector<fsev_record> reservations_of_a_write(Ext4Probes &probes, LoopExt4 &fs,
                                                 uint64_t blocks) {
    std::vector<fsev_record> reserves;
    uint64_t reserved = 0;
    RecordStream stream(probes.records_map_fd(), [&](const fsev_record &record) {
        if (record.dev != fs.kernel_device() || record.source != FSEV_SRC_DA_RESERVE) return;
        reserves.push_back(record);
        reserved += record.blocks;
    });
    fs.write_file("data", blocks * 4096, /*sync_file=*/false);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (reserved < blocks && std::chrono::steady_clock::now() < deadline) stream.poll(50);
    return reserves;
}

// Kernels before 6.10 (Debian 12's 6.1) pass ext4_da_reserve_space only the
// inode. That flavour runs here too: the tracepoint has more arguments than
// it reads, so loading it as such a kernel would shows it counting.
TEST(ProbeFlavours, TheOneClusterReserveFlavourCountsEachReservation) {
    FSEV_REQUIRE_ROOT();
    KernelFeatures features = detect_kernel_features();
    features.da_reserve_space_has_count = false;
    ProbeOptions options = probe_options_for_self();
    options.daemon_tgid = 0;
    options.emit_raw_records = true;
    Ext4Probes probes(options, features);
    probes.attach();
    std::vector<std::string> attached = probes.attached_programs();
    EXPECT_EQ(std::count(attached.begin(), attached.end(), "tp_btf/ext4_da_reserve_space"), 1);
    LoopExt4 fs;
    std::vector<fsev_record> reserves = reservations_of_a_write(probes, fs, 64);
    ASSERT_EQ(reserves.size(), 64u) << "one reservation per 4 KiB block written";
    for (const fsev_record &record : reserves) EXPECT_EQ(record.blocks, 1u);
    EXPECT_GT(reserves.front().available_blocks, reserves.back().available_blocks);
    for (const std::string &line : probes.degraded())
        EXPECT_EQ(line.find("ext4_da_reserve_space"), std::string::npos) << line;
}

// A tracepoint the kernel lacks costs its feature, not the daemon.
TEST(ProbeFlavours, AMissingTracepointDegradesOnlyItsFeature) {
    FSEV_REQUIRE_ROOT();
    KernelFeatures features = detect_kernel_features();
    features.tracepoints.erase("ext4_shutdown");
    ProbeOptions options = probe_options_for_self();
    Ext4Probes probes(options, features);
    probes.attach();
    std::vector<std::string> attached = probes.attached_programs();
    EXPECT_EQ(std::count(attached.begin(), attached.end(), "tp_btf/ext4_shutdown"), 0);
    EXPECT_EQ(std::count(attached.begin(), attached.end(), "tp_btf/ext4_error"), 1);
    // Other lines may name what this kernel lacks anyway (xfs or btrfs not
    // loaded, say); exactly one names the tracepoint taken away.
    size_t naming_shutdown = 0;
    for (const std::string &line : probes.degraded())
        if (line.find("ext4_shutdown") != std::string::npos) {
            ++naming_shutdown;
            EXPECT_NE(line.find("FS_ERR_SHUTDOWN"), std::string::npos) << line;
        }
    EXPECT_EQ(naming_shutdown, 1u);
    EXPECT_EQ(probes.program_ids().size(), attached.size());
}

// This kernel's BTF is read as it is: the flavour and the error bits match
// what its ext4 declares.
TEST(ProbeFlavours, DetectsThisKernelsExt4) {
    FSEV_REQUIRE_ROOT();
    KernelFeatures features = detect_kernel_features();
    for (const char *tracepoint :
         {"ext4_allocate_blocks", "ext4_free_blocks", "ext4_da_reserve_space",
          "ext4_da_release_space", "ext4_da_update_reserve_space", "ext4_error", "ext4_shutdown",
          "sys_exit"})
        EXPECT_TRUE(features.has_tracepoint(tracepoint)) << tracepoint;
    EXPECT_NE(features.stopped_mount_flags | features.stopped_ext4_flags, 0u)
        << "no bit of ext4's error switch found in this kernel's BTF";
    auto version = kernel_version(features.release);
    ASSERT_TRUE(version.has_value()) << features.release;
    EXPECT_EQ(features.da_reserve_space_has_count, *version >= std::make_pair(6, 10));
    bool ext4_built_in = ::access("/sys/kernel/btf/ext4", F_OK) != 0;
    EXPECT_EQ(features.ext4_plain_loads, ext4_built_in && *version >= std::make_pair(6, 2));
}

// The daemon loads the plain-load build wherever the kernel offers it.
TEST(ProbeFlavours, ThePlainLoadBuildIsLoadedWhereTheKernelOffersIt) {
    FSEV_REQUIRE_ROOT();
    ProbeOptions options = probe_options_for_self();
    Ext4Probes probes(options);
    EXPECT_EQ(probes.plain_loads(), probes.kernel_features().ext4_plain_loads);
}

// Asked for the plain-load build where the kernel cannot take it (ext4 a
// module, or no bpf_rdonly_cast before 6.2), the kernel refuses that object
// for real; the probe-read build is loaded instead and counts.
TEST(ProbeFlavours, APlainLoadBuildTheKernelRefusesFallsBackToProbeReads) {
    FSEV_REQUIRE_ROOT();
    KernelFeatures features = detect_kernel_features();
    if (features.ext4_plain_loads)
        GTEST_SKIP() << "kernel " << features.release
                     << " takes the plain-load build (6.2+, ext4 built in), so nothing refuses "
                        "it; the Debian kernels of the matrix (ext4 a module) run this";
    features.ext4_plain_loads = true;
    ProbeOptions options = probe_options_for_self();
    options.daemon_tgid = 0;
    options.emit_raw_records = true;
    Ext4Probes probes(options, features);
    EXPECT_FALSE(probes.plain_loads())
        << "kernel " << features.release << " took the plain-load build with ext4 a module";
    probes.attach();
    LoopExt4 fs;
    uint64_t before = fs.available_blocks();
    std::vector<fsev_record> reserves = reservations_of_a_write(probes, fs, 64);
    uint64_t reserved = 0;
    for (const fsev_record &record : reserves) reserved += record.blocks;
    ASSERT_EQ(reserved, 64u) << "the 4 KiB blocks written, reserved";
    EXPECT_LT(reserves.back().available_blocks, before)
        << "the count the probe-read build read after the last reservation";
}

TEST_P(ProbesTest, BufferedWriteReservesThenAllocatesOnTheRightDevice) {
    LoopExt4 fs;
    uint32_t dev = fs.kernel_device();
    uint64_t before = fs.available_blocks();
    fs.write_file("data", 4 << 20, /*sync_file=*/true);

    auto reserve = wait_for(dev, FSEV_SRC_DA_RESERVE);
    ASSERT_TRUE(reserve) << "no ext4_da_reserve_space record for " << fs.loop_device();
    EXPECT_EQ(reserve->pid, static_cast<uint32_t>(::getpid())) << "the writer caused it";
    EXPECT_EQ(reserve->block_size, 4096u);
    EXPECT_LT(reserve->available_blocks, before);

    auto allocate = wait_for(dev, FSEV_SRC_ALLOCATE_BLOCKS);
    ASSERT_TRUE(allocate) << "no ext4_allocate_blocks record after fsync";
    EXPECT_GT(allocate->blocks, 0u);
    // 4 MiB = 1024 blocks of 4 KiB are gone from what is available.
    EXPECT_LE(allocate->available_blocks, before - 1024);
}

TEST_P(ProbesTest, DeleteFreesBlocks) {
    LoopExt4 fs;
    fs.write_file("data", 2 << 20, true);
    uint64_t full = fs.available_blocks();
    ASSERT_EQ(::unlink(fs.path("data").c_str()), 0);
    ::sync();

    auto freed = wait_for(fs.kernel_device(), FSEV_SRC_FREE_BLOCKS,
                          [](const fsev_record &record) { return record.blocks >= 512; });
    ASSERT_TRUE(freed) << "no ext4_free_blocks record of the 2 MiB file";
    EXPECT_GE(freed->available_blocks, full + 512) << "reported as the count after the free";
}

TEST_P(ProbesTest, ErrorReportsAvailableBlocksEqualToStatfsOnAQuietFilesystem) {
    LoopExt4 fs;
    fs.write_file("data", 3 << 20, true);
    ::sync();
    drain_for(200ms);
    uint64_t statfs_available = fs.available_blocks();

    fs.trigger_error("fsev-bpf integration test");
    auto error = wait_for(fs.kernel_device(), FSEV_SRC_ERROR);
    ASSERT_TRUE(error) << "no ext4_error record after trigger_fs_error";
    EXPECT_EQ(error->available_blocks, statfs_available);
    EXPECT_EQ(error->pid, static_cast<uint32_t>(::getpid()));
    EXPECT_EQ(bounded_string(error->error_function, sizeof error->error_function),
              "trigger_test_error");
    EXPECT_GT(error->error_line, 0u);
}

TEST_P(ProbesTest, QuietAvailableCountMatchesStatfsAfterManyWritesAndDeletes) {
    // Exercises the per-cpu sum: many small changes leave per-cpu deltas unfolded.
    LoopExt4 fs;
    for (int i = 0; i < 40; ++i) fs.write_file("f" + std::to_string(i), 4096 * (1 + i % 7), false);
    for (int i = 0; i < 40; i += 3) ::unlink(fs.path("f" + std::to_string(i)).c_str());
    ::sync();
    drain_for(200ms);
    uint64_t statfs_available = fs.available_blocks();
    fs.trigger_error("quiet check");
    auto error = wait_for(fs.kernel_device(), FSEV_SRC_ERROR);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->available_blocks, statfs_available);
}

INSTANTIATE_TEST_SUITE_P(Builds, ProbesTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool> &build) {
                             return build.param ? "PlainLoads" : "ProbeReads";
                         });

}  // namespace
}  // namespace fsev
