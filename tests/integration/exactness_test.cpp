// Threshold crossings are exact: a pure fill reports each level once, in
// order, and a pure free reports each once, whatever writeback, parallel
// writers, allocation style or block layout do in between. Real BPF
// programs, real ext4 loop images, real workloads.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "fsev/bpf_shared.h"
#include "fsev/fs_event.h"
#include "support/command.h"
#include "support/kernel_probes_fixture.h"
#include "support/loop_ext4.h"
#include "support/one_cpu.h"
#include "support/reservation_stall.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::LoopExt4;
using test::LoopExt4Options;

// How one writer puts its share of data on the filesystem.
enum class Workload {
    BufferedLargeFile,   // one file, 1 MiB writes, no fsync (delayed allocation)
    BufferedSmallFiles,  // 64 KiB files, no fsync
    FsyncSmallFiles,     // 64 KiB files, each fsynced
    Fallocate,           // fallocate() in 2 MiB steps (no delayed allocation)
    DirectIo,            // O_DIRECT 256 KiB writes (no delayed allocation)
};

struct FillCase {
    const char *name;
    Workload workload;
    int writers;
    const char *mkfs_options;
    uint64_t size_mib;
    bool force_writeback = false;  // tiny vm.dirty_* limits: writeback runs during the fill
    bool fresh_images = false;     // a new image for every fill instead of one reused
};

// gtest names a failing case by this instead of dumping its bytes.
void PrintTo(const FillCase &fill_case, std::ostream *out) {
    *out << fill_case.name;
}

void write_all(int fd, const char *data, size_t size, const std::string &what) {
    while (size > 0) {
        ssize_t written = ::write(fd, data, size);
        if (written <= 0) throw std::runtime_error(what + ": " + std::strerror(errno));
        data += written;
        size -= static_cast<size_t>(written);
    }
}

// Writes `bytes` into files named prefix* the way `workload` says.
void run_writer(const LoopExt4 &fs, Workload workload, const std::string &prefix, uint64_t bytes) {
    constexpr uint64_t small_file = 64 << 10;
    switch (workload) {
        case Workload::BufferedLargeFile: {
            fs.write_file(prefix + "large", bytes, /*sync_file=*/false);
            return;
        }
        case Workload::BufferedSmallFiles:
        case Workload::FsyncSmallFiles: {
            bool sync = workload == Workload::FsyncSmallFiles;
            for (uint64_t done = 0, index = 0; done < bytes; done += small_file, ++index)
                fs.write_file(prefix + std::to_string(index), small_file, sync);
            return;
        }
        case Workload::Fallocate: {
            std::string path = fs.path(prefix + "fallocated");
            int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) throw std::runtime_error("open " + path);
            constexpr off_t step = 2 << 20;
            for (off_t offset = 0; static_cast<uint64_t>(offset) < bytes; offset += step) {
                if (::fallocate(fd, 0, offset, step) != 0) {
                    ::close(fd);
                    throw std::runtime_error("fallocate: " + std::string(std::strerror(errno)));
                }
            }
            ::close(fd);
            return;
        }
        case Workload::DirectIo: {
            std::string path = fs.path(prefix + "direct");
            int fd =
                ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
            if (fd < 0) throw std::runtime_error("open O_DIRECT " + path);
            constexpr size_t chunk = 256 << 10;
            void *buffer = nullptr;
            if (::posix_memalign(&buffer, 4096, chunk) != 0) throw std::runtime_error("memalign");
            std::unique_ptr<void, decltype(&std::free)> owner(buffer, &std::free);
            std::memset(buffer, 'd', chunk);
            for (uint64_t done = 0; done < bytes; done += chunk)
                write_all(fd, static_cast<const char *>(buffer), chunk, "O_DIRECT write " + path);
            ::close(fd);
            return;
        }
    }
}

void sync_filesystem(const LoopExt4 &fs) {
    int fd = ::open(fs.mount_point().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open mount point");
    ::syncfs(fd);
    ::close(fd);
}

// Sets vm.dirty_* so small that writeback runs all through a fill, and puts
// the machine's settings back however the test ends.
class ForcedWriteback {
  public:
    ForcedWriteback() {
        for (const char *name : names_) saved_.push_back(read(name));
        write("dirty_background_bytes", "262144");
        write("dirty_bytes", "1048576");
    }
    ~ForcedWriteback() {
        // Writing a *_ratio clears the matching *_bytes and the other way
        // round: restore whichever of each pair was in use.
        for (int pair = 0; pair < 2; ++pair) {
            size_t ratio = pair * 2, bytes = pair * 2 + 1;
            if (saved_[bytes] != "0")
                write(names_[bytes], saved_[bytes]);
            else
                write(names_[ratio], saved_[ratio]);
        }
    }
    ForcedWriteback(const ForcedWriteback &) = delete;
    ForcedWriteback &operator=(const ForcedWriteback &) = delete;

  private:
    static std::string read(const std::string &name) {
        std::ifstream file("/proc/sys/vm/" + name);
        std::string value;
        file >> value;
        return value;
    }
    static void write(const std::string &name, const std::string &value) {
        std::ofstream file("/proc/sys/vm/" + name);
        file << value << '\n';
    }
    const char *names_[4] = {"dirty_background_ratio", "dirty_background_bytes", "dirty_ratio",
                             "dirty_bytes"};
    std::vector<std::string> saved_;
};

class ExactnessTest : public test::KernelProbesFixture {
  protected:
    // The THRESH events of `entry` so far, as "LR/filling LR/freeing ...".
    std::string crossings(const TraceEntry &entry) {
        std::string text;
        for (const Event &event : events_of(entry.id, FS_EVENT_THRESH))
            text += std::string(event.id == FS_THRESH_LR_REACHED ? "LR" : "UR") + "/" +
                    (event.direction == FS_EVENT_DIR_FILLING ? "filling" : "freeing") + " ";
        return text;
    }

    // Once the filesystem is quiet nothing may stay in flight: no window left
    // open, no search never ended (either would skew every later count).
    void expect_nothing_in_flight(const LoopExt4 &fs, const std::string &when) {
        uint32_t dev = fs.kernel_device();
        fsev_superblock_in_flight in_flight{};
        if (::bpf_map_lookup_elem(probes_->space_in_flight_map_fd(), &dev, &in_flight) != 0)
            return;  // never tracked: nothing in flight
        EXPECT_EQ(in_flight.clusters, 0) << when;
        EXPECT_EQ(in_flight.searching, 0) << when;
    }

    // Every crossing of `entry` carries a count on the right side of its level.
    void expect_counts_on_the_right_side(const TraceEntry &entry) {
        for (const Event &event : events_of(entry.id, FS_EVENT_THRESH)) {
            uint64_t level =
                event.id == FS_THRESH_LR_REACHED ? entry.lower_level : entry.upper_level;
            if (event.direction == FS_EVENT_DIR_FILLING)
                EXPECT_LE(event.available_blocks, level) << describe(events_);
            else
                EXPECT_GT(event.available_blocks, level) << describe(events_);
        }
    }
};

class FillAndFreeTest : public ExactnessTest, public ::testing::WithParamInterface<FillCase> {};

// One fill to 70 % of the space available at the start and one free, with
// L1 at 30 % and L2 at 50 %: exactly LR, UR while filling, UR, LR while
// freeing.
TEST_P(FillAndFreeTest, EachLevelIsReportedOncePerFillAndOncePerFree) {
    const FillCase &fill_case = GetParam();
    constexpr int fills = 20;
    LoopExt4Options options;
    options.size_mib = fill_case.size_mib;
    options.mkfs_options = fill_case.mkfs_options;
    std::unique_ptr<ForcedWriteback> forced;
    if (fill_case.force_writeback) forced = std::make_unique<ForcedWriteback>();
    std::unique_ptr<LoopExt4> fs;
    TraceEntry entry;
    uint64_t start = 0;
    for (int fill = 0; fill < fills; ++fill) {
        if (!fs || fill_case.fresh_images) {
            if (fs) untrace(entry);
            fs.reset();
            fs = std::make_unique<LoopExt4>(options);
            start = fs->available_blocks();
            entry = trace(*fs, TRACE_THRESH, start - start * 3 / 10, start - start / 2);
        }
        uint64_t block_size = fs->block_size();
        uint64_t share = start * 7 / 10 * block_size / static_cast<uint64_t>(fill_case.writers);
        events_.clear();
        threshold_records_.clear();
        std::vector<std::thread> writers;
        std::vector<std::string> failures(static_cast<size_t>(fill_case.writers));
        for (int writer = 0; writer < fill_case.writers; ++writer)
            writers.emplace_back([&, writer] {
                try {
                    run_writer(*fs, fill_case.workload, "w" + std::to_string(writer) + "-", share);
                } catch (const std::exception &error) {
                    failures[static_cast<size_t>(writer)] = error.what();
                }
            });
        for (std::thread &writer : writers) writer.join();
        for (const std::string &failure : failures) ASSERT_EQ(failure, "") << "fill " << fill;
        sync_filesystem(*fs);  // whatever writeback is left happens now
        pump(50ms);
        expect_nothing_in_flight(*fs,
                                 fill_case.name + std::string(", fill ") + std::to_string(fill));
        ASSERT_EQ(crossings(entry), "LR/filling UR/filling ")
            << fill_case.name << ", fill " << fill << ": " << describe(events_of(entry.id))
            << describe_threshold_records();
        expect_counts_on_the_right_side(entry);

        events_.clear();
        threshold_records_.clear();
        for (const auto &file : std::filesystem::directory_iterator(fs->mount_point()))
            if (file.path().filename() != "lost+found") std::filesystem::remove(file.path());
        sync_filesystem(*fs);
        pump(50ms);
        expect_nothing_in_flight(*fs,
                                 fill_case.name + std::string(", free ") + std::to_string(fill));
        ASSERT_EQ(crossings(entry), "UR/freeing LR/freeing ")
            << fill_case.name << ", free " << fill << ": " << describe(events_of(entry.id))
            << describe_threshold_records();
        expect_counts_on_the_right_side(entry);
    }
}

constexpr const char *k4KiB = "-b 4096";
constexpr const char *k1KiB = "-b 1024";
constexpr const char *kBigalloc = "-b 4096 -O bigalloc -C 16384";

INSTANTIATE_TEST_SUITE_P(
    Workloads, FillAndFreeTest,
    ::testing::Values(
        FillCase{"BufferedOneWriter4KiB", Workload::BufferedLargeFile, 1, k4KiB, 48},
        FillCase{"BufferedFourWriters4KiB", Workload::BufferedLargeFile, 4, k4KiB, 48},
        FillCase{"BufferedOneWriter1KiB", Workload::BufferedLargeFile, 1, k1KiB, 48},
        FillCase{"BufferedFourWriters1KiB", Workload::BufferedLargeFile, 4, k1KiB, 48},
        FillCase{"SmallFilesFourWriters1KiB", Workload::BufferedSmallFiles, 4, k1KiB, 32},
        FillCase{"ForcedWritebackFourWriters1KiB", Workload::BufferedLargeFile, 4, k1KiB, 48, true},
        FillCase{"ForcedWritebackSmallFiles4KiB", Workload::BufferedSmallFiles, 4, k4KiB, 32, true},
        FillCase{"FsyncSmallFilesTwoWriters4KiB", Workload::FsyncSmallFiles, 2, k4KiB, 16},
        FillCase{"FallocateFourWriters1KiB", Workload::Fallocate, 4, k1KiB, 48},
        FillCase{"FallocateOneWriter4KiB", Workload::Fallocate, 1, k4KiB, 48},
        FillCase{"DirectIoFourWriters4KiB", Workload::DirectIo, 4, k4KiB, 48},
        FillCase{"BigallocBufferedFourWriters", Workload::BufferedLargeFile, 4, kBigalloc, 64},
        FillCase{"BigallocSmallFilesForcedWriteback", Workload::BufferedSmallFiles, 4, kBigalloc,
                 64, true},
        FillCase{"BigallocFallocateFourWriters", Workload::Fallocate, 4, kBigalloc, 64},
        FillCase{"FreshImagesBufferedFourWriters1KiB", Workload::BufferedLargeFile, 4, k1KiB, 32,
                 false, true}),
    [](const ::testing::TestParamInfo<FillCase> &param) { return std::string(param.param.name); });

// A 128 MiB filesystem with 1 KiB blocks, L1 30 MiB and L2 60 MiB below the
// start, two buffered dd of 40 MiB each, no fsync: LR and UR once while
// filling, UR and LR once after rm.
TEST_F(ExactnessTest, TwoBufferedDdOf40MiBOnA128MiBOneKiBBlockFilesystem) {
    LoopExt4Options options;
    options.size_mib = 128;
    options.mkfs_options = k1KiB;
    LoopExt4 fs(options);
    uint64_t start = fs.available_blocks();
    TraceEntry entry = trace(fs, TRACE_THRESH, start - 30 * 1024, start - 60 * 1024);
    for (int round = 0; round < 5; ++round) {
        events_.clear();
        std::vector<std::thread> dds;
        std::vector<int> exit_codes(2, -1);
        for (int index = 0; index < 2; ++index)
            dds.emplace_back([&, index] {
                exit_codes[static_cast<size_t>(index)] =
                    test::run_command({"dd", "if=/dev/zero",
                                       "of=" + fs.path("dd" + std::to_string(index)), "bs=1M",
                                       "count=40", "status=none"})
                        .exit_code;
            });
        for (std::thread &dd : dds) dd.join();
        ASSERT_EQ(exit_codes, (std::vector<int>{0, 0}));
        sync_filesystem(fs);
        pump(50ms);
        expect_nothing_in_flight(fs, "round " + std::to_string(round));
        ASSERT_EQ(crossings(entry), "LR/filling UR/filling ")
            << "round " << round << ": " << describe(events_of(entry.id));
        expect_counts_on_the_right_side(entry);

        events_.clear();
        ASSERT_EQ(test::run_command({"rm", fs.path("dd0"), fs.path("dd1")}).exit_code, 0);
        sync_filesystem(fs);
        pump(50ms);
        expect_nothing_in_flight(fs, "round " + std::to_string(round));
        ASSERT_EQ(crossings(entry), "UR/freeing LR/freeing ")
            << "round " << round << ": " << describe(events_of(entry.id));
        expect_counts_on_the_right_side(entry);
    }
}

// ext4 gives an extent-tree block back while the filesystem fills: five
// one-block extents need a leaf block outside the inode; filling a hole
// merges three of them, the four left fit in the inode again, and ext4
// frees the leaf (ext4_ext_try_to_merge_up). A level reached by the write
// into the hole is not left by that block coming back; a level is left
// once data is given back beyond it.
TEST_F(ExactnessTest, AnExtentTreeBlockGivenBackDoesNotLeaveALevel) {
    LoopExt4 fs;  // 64 MiB, 4 KiB blocks
    constexpr off_t kBlock = 4096;
    std::string path = fs.path("holes");
    // Declared after `fs`: closed before it is unmounted, also when an
    // assertion ends the test early.
    UniqueFd file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(file.valid()) << std::strerror(errno);
    int fd = file.get();
    // Stays open: closing the last writer would drop the file's
    // preallocation, which keeps the blocks of the holes next to the rest.
    // A size beyond mballoc's stream limit gives the file a preallocation
    // of its own, so logical block n lands at the preallocation's start + n.
    ASSERT_EQ(::ftruncate(fd, 32 << 20), 0);
    std::string page(kBlock, 'x');
    auto write_block = [&](off_t logical) {
        ASSERT_EQ(::pwrite(fd, page.data(), page.size(), logical * kBlock), kBlock);
    };
    for (off_t logical : {0, 2, 4, 6}) {
        write_block(logical);
        ASSERT_EQ(::fsync(fd), 0);
    }
    uint64_t before_leaf = fs.available_blocks();
    write_block(8);  // the fifth extent: the root is full, a leaf block is taken
    ASSERT_EQ(::fsync(fd), 0);
    uint64_t with_leaf = fs.available_blocks();
    ASSERT_EQ(before_leaf - with_leaf, 2u) << "the fifth extent took its block and a leaf block";

    TraceEntry entry = trace(fs, TRACE_THRESH, with_leaf - 1);
    pump(20ms);
    events_.clear();
    threshold_records_.clear();
    write_block(1);  // reserves one block: the level is reached
    pump(20ms);
    ASSERT_EQ(crossings(entry), "LR/filling ") << describe(events_of(entry.id));
    ASSERT_EQ(::fsync(fd), 0);  // allocated next to 0 and 2: merged, the leaf given back
    pump(50ms);
    ASSERT_EQ(fs.available_blocks(), with_leaf) << "the leaf block was not given back";
    EXPECT_EQ(crossings(entry), "LR/filling ")
        << describe(events_of(entry.id)) << describe_threshold_records();

    ASSERT_EQ(::ftruncate(fd, 8 * kBlock), 0);  // block 8, data, given back
    ASSERT_EQ(::fsync(fd), 0);
    pump(50ms);
    EXPECT_EQ(crossings(entry), "LR/filling LR/freeing ")
        << describe(events_of(entry.id)) << describe_threshold_records();
}

// Writeback held up inside ext4_da_update_reserve_space: the hook has taken
// the extent out of the space in flight, ext4 has not yet dropped its
// reservation from the dirty-cluster counter, the inode's reservation lock
// is held and the CPU does not run anything else (what a hypervisor that
// stops that virtual CPU does). Other threads' counts lack the extent
// until the drop lands. A write by another thread on the other CPU
// meanwhile, long after the hook, must not report a level reached that the
// space never reached (and then left once the drop lands); the level is
// reported once the space really reaches it.
TEST_F(ExactnessTest, AReservationUpdateHeldUpDoesNotFakeALevelReached) {
    if (std::thread::hardware_concurrency() < 2)
        GTEST_SKIP() << "needs two CPUs: one held up, one writing";
    LoopExt4 fs;  // 64 MiB, 4 KiB blocks
    constexpr size_t kBlock = 4096;
    constexpr uint64_t kExtentBlocks = 16;
    // Declared after `fs`: closed before it is unmounted.
    UniqueFd held(::open(fs.path("held").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    UniqueFd writer(::open(fs.path("writer").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(held.valid() && writer.valid()) << std::strerror(errno);
    std::string extent(kExtentBlocks * kBlock, 'h');
    ASSERT_EQ(::pwrite(held.get(), extent.data(), extent.size(), 0),
              static_cast<ssize_t>(extent.size()));  // reserved, allocated at the fsync below
    uint64_t start = fs.available_blocks();
    uint64_t level = start - 8;
    TraceEntry entry = trace(fs, TRACE_THRESH, level);
    pump(20ms);
    events_.clear();
    threshold_records_.clear();

    // Loaded after fsev's programs: runs after fsev's hook.
    std::unique_ptr<test::ReservationStall> stall;
    ASSERT_NO_THROW(stall = std::make_unique<test::ReservationStall>());
    std::atomic<int> fsync_result{-2};
    std::atomic<bool> writeback_pinned{false};
    std::thread writeback([&] {
        test::OneCpu on_cpu0(0);
        writeback_pinned = on_cpu0.pinned();
        stall->hold(static_cast<pid_t>(::syscall(SYS_gettid)), 300ms);
        fsync_result = ::fsync(held.get());
    });
    test::OneCpu on_cpu1(1);
    ASSERT_TRUE(on_cpu1.pinned()) << std::strerror(errno);
    auto waiting_since = std::chrono::steady_clock::now();
    while (!stall->stalling() && stall->stalls_done() == 0 &&
           std::chrono::steady_clock::now() < waiting_since + 10s)
        std::this_thread::yield();
    bool was_held = stall->stalling();
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - waiting_since);
    // Far beyond any time-based allowance for a change to land.
    std::this_thread::sleep_for(20ms);
    std::string block(kBlock, 'w');
    ssize_t written = ::pwrite(writer.get(), block.data(), block.size(), 0);
    bool written_while_held = stall->stalling();
    writeback.join();
    ASSERT_TRUE(writeback_pinned.load()) << "could not pin the writeback thread to CPU 0";
    // If not: whether it was held and missed, came too late, or ran in
    // another thread (the fsync then finds nothing to write back).
    ASSERT_TRUE(was_held) << "the reservation update was never held: stalls done "
                          << stall->stalls_done() << ", waited " << waited.count()
                          << " ms, fsync returned " << fsync_result.load() << ", "
                          << start - fs.available_blocks() << " blocks taken since the start";
    ASSERT_EQ(written, static_cast<ssize_t>(kBlock)) << std::strerror(errno);
    ASSERT_EQ(fsync_result.load(), 0);
    ASSERT_TRUE(written_while_held) << "the write ended after the held-up update landed";
    stall.reset();

    pump(50ms);
    ASSERT_EQ(fs.available_blocks(), start - 1);
    EXPECT_EQ(crossings(entry), "")
        << "the space never reached the level: " << describe(events_of(entry.id))
        << describe_threshold_records();

    for (uint64_t index = 1; index < 8; ++index)
        ASSERT_EQ(
            ::pwrite(writer.get(), block.data(), block.size(), static_cast<off_t>(index * kBlock)),
            static_cast<ssize_t>(kBlock));
    pump(50ms);
    ASSERT_EQ(fs.available_blocks(), level);
    EXPECT_EQ(crossings(entry), "LR/filling ")
        << describe(events_of(entry.id)) << describe_threshold_records();
    expect_counts_on_the_right_side(entry);
}

// The trace entry of `fs` as the BPF programs keep it.
fsev_trace_config kept_entry(const Ext4Probes &probes, const LoopExt4 &fs) {
    uint32_t dev = fs.kernel_device();
    fsev_trace_config config{};
    if (::bpf_map_lookup_elem(probes.traced_superblocks_map_fd(), &dev, &config) != 0)
        throw std::runtime_error("no trace entry for " + fs.loop_device());
    return config;
}

// Near a level most hooks decide on the budget of an earlier exact read
// (bpf/crossing_budget.bpf.h), not on an exact read of their own. One block
// at a time, down through both levels and back up, by one writer: every
// crossing is still reported at the very block that makes it, with the
// count it made, in every round.
TEST_F(ExactnessTest, BlockByBlockEachCrossingIsReportedAtTheBlockThatMakesIt) {
    LoopExt4 fs;  // 64 MiB, 4 KiB blocks
    constexpr size_t kBlock = 4096;
    constexpr uint64_t kSteps = 300;
    // Declared after `fs`: closed before it is unmounted.
    UniqueFd file(::open(fs.path("steps").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(file.valid()) << std::strerror(errno);
    uint64_t start = fs.available_blocks();
    // On two CPUs further than the per-cpu margin at the start: the fill
    // also goes from far from the levels to near them.
    TraceEntry entry = trace(fs, TRACE_THRESH, start - 200, start - 280);
    pump(20ms);
    std::string block(kBlock, 's');
    int budgets_seen = 0;
    for (int round = 0; round < 10; ++round) {
        events_.clear();
        for (uint64_t index = 0; index < kSteps; ++index) {
            ASSERT_EQ(::pwrite(file.get(), block.data(), block.size(),
                               static_cast<off_t>(index * kBlock)),
                      static_cast<ssize_t>(kBlock));
            if (kept_entry(*probes_, fs).crossing_budget != 0) ++budgets_seen;
        }
        pump(50ms);
        ASSERT_EQ(fs.available_blocks(), start - kSteps) << "round " << round;
        ASSERT_EQ(crossings(entry), "LR/filling UR/filling ")
            << "round " << round << ": " << describe(events_of(entry.id));
        for (const Event &event : events_of(entry.id, FS_EVENT_THRESH))
            EXPECT_EQ(event.available_blocks,
                      event.id == FS_THRESH_LR_REACHED ? entry.lower_level : entry.upper_level)
                << "round " << round << ": " << describe(events_of(entry.id));

        events_.clear();
        for (uint64_t size = kSteps; size-- > 0;)
            ASSERT_EQ(::ftruncate(file.get(), static_cast<off_t>(size * kBlock)), 0);
        pump(50ms);
        ASSERT_EQ(fs.available_blocks(), start) << "round " << round;
        ASSERT_EQ(crossings(entry), "UR/freeing LR/freeing ")
            << "round " << round << ": " << describe(events_of(entry.id));
        for (const Event &event : events_of(entry.id, FS_EVENT_THRESH))
            EXPECT_EQ(
                event.available_blocks,
                (event.id == FS_THRESH_LR_REACHED ? entry.lower_level : entry.upper_level) + 1)
                << "round " << round << ": " << describe(events_of(entry.id));
    }
    // Not a figure of speed: that the budget was there to be trusted.
    EXPECT_GT(budgets_seen, 0) << "no write near a level ever left a budget";
}

// Writes `value` to /sys/fs/ext4/<fs>/reserved_clusters and puts the old
// value back however the test ends.
class ReservedClusters {
  public:
    explicit ReservedClusters(const LoopExt4 &fs)
        : path_("/sys/fs/ext4/" + fs.sysfs_name() + "/reserved_clusters") {
        std::ifstream file(path_);
        file >> saved_;
    }
    ~ReservedClusters() { set(saved_); }
    ReservedClusters(const ReservedClusters &) = delete;
    ReservedClusters &operator=(const ReservedClusters &) = delete;

    uint64_t saved() const { return saved_; }
    void set(uint64_t clusters) const {
        std::ofstream file(path_);
        file << clusters << '\n';
        file.flush();
        if (!file) throw std::runtime_error("write " + path_);
    }

  private:
    std::string path_;
    uint64_t saved_ = 0;
};

// Space taken where no hook fires (here more clusters reserved for root
// through sysfs; a resize or a remount do the same): the budget of the last
// exact read cannot know. It expires within milliseconds, and the next
// hook's exact read reports the crossing.
TEST_F(ExactnessTest, SpaceTakenBehindTheHooksIsReportedOnceTheBudgetExpires) {
    LoopExt4 fs;  // 64 MiB, 4 KiB blocks
    constexpr size_t kBlock = 4096;
    UniqueFd file(::open(fs.path("steps").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(file.valid()) << std::strerror(errno);
    ReservedClusters reserved(fs);
    uint64_t start = fs.available_blocks();
    TraceEntry entry = trace(fs, TRACE_THRESH, start - 40);
    pump(20ms);
    events_.clear();
    std::string block(kBlock, 'r');
    auto write_block = [&](uint64_t index) {
        ASSERT_EQ(
            ::pwrite(file.get(), block.data(), block.size(), static_cast<off_t>(index * kBlock)),
            static_cast<ssize_t>(kBlock));
    };
    write_block(0);
    ASSERT_NE(kept_entry(*probes_, fs).crossing_budget, 0u)
        << "a write near the level left no budget";

    reserved.set(reserved.saved() + 100);  // 100 blocks fewer available, no hook
    ASSERT_EQ(fs.available_blocks(), start - 101);
    std::this_thread::sleep_for(50ms);  // longer than the budget's jiffies at any HZ
    write_block(1);
    pump(50ms);
    ASSERT_EQ(crossings(entry), "LR/filling ") << describe(events_of(entry.id));
    EXPECT_EQ(events_of(entry.id, FS_EVENT_THRESH).front().available_blocks, start - 102);

    events_.clear();
    reserved.set(reserved.saved());
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(::ftruncate(file.get(), static_cast<off_t>(kBlock)), 0);
    pump(50ms);
    EXPECT_EQ(crossings(entry), "LR/freeing ") << describe(events_of(entry.id));
    EXPECT_EQ(events_of(entry.id, FS_EVENT_THRESH).front().available_blocks, start - 1);
}

}  // namespace
}  // namespace fsev
