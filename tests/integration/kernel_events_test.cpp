// Kernel events, exactly: the real BPF programs, the real BPF map written by
// BpfTraceSync and the daemon's FilesystemEvents, on real ext4 loop mounts,
// checked against statfs(2) as the oracle.
#include <gtest/gtest.h>
#include <sched.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <fcntl.h>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "model/event_names.h"
#include "events/filesystem_events.h"
#include "model/device.h"
#include "fsev/threshold.h"
#include "probes/ext4_probes.h"
#include "support/command.h"
#include "support/kernel_probes_fixture.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "trace/bpf_trace_sync.h"

namespace fsev {
namespace {

using namespace std::chrono_literals;
using test::LoopExt4;
using test::LoopExt4Options;

class KernelEventsTest : public test::KernelProbesFixture {};

// statfs before and after each step of a workload: a crossing seen during
// step i must carry an available count between the two.
struct Step {
    uint64_t before;
    uint64_t after;
};

::testing::AssertionResult seen_during_a_step(const Event &event, const std::vector<Step> &steps) {
    for (const Step &step : steps) {
        uint64_t low = std::min(step.before, step.after), high = std::max(step.before, step.after);
        if (event.available_blocks >= low && event.available_blocks <= high)
            return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << event_id_name(event.id) << " " << direction_name(event.direction)
           << " carries available_blocks=" << event.available_blocks
           << ", not within any step's statfs before/after";
}

TEST_F(KernelEventsTest, FillAcrossBothLevelsThenFreeReportsEachCrossingOnceOverCycles) {
    LoopExt4 fs;
    uint64_t start = fs.available_blocks();
    uint64_t lower = start - 1500, upper = start - 3000;
    TraceEntry entry = trace(fs, TRACE_THRESH, lower, upper);
    pump();
    ASSERT_TRUE(events_of(entry.id).empty()) << "nothing is reached yet: " << describe(events_);

    for (int cycle = 0; cycle < 3; ++cycle) {
        events_.clear();
        std::vector<Step> filling;
        int files = 0;
        while (fs.available_blocks() > upper - 300) {
            uint64_t before = fs.available_blocks();
            fs.write_file("c" + std::to_string(files++), 256 << 10, /*sync_file=*/true);
            filling.push_back({before, fs.available_blocks()});
        }
        pump(100ms);
        std::vector<Event> thresh = events_of(entry.id, FS_EVENT_THRESH);
        ASSERT_EQ(thresh.size(), 2u) << "cycle " << cycle << ": " << describe(thresh);
        EXPECT_EQ(thresh[0].id, FS_THRESH_LR_REACHED);
        EXPECT_EQ(thresh[1].id, FS_THRESH_UR_REACHED);
        for (const Event &event : thresh) {
            EXPECT_EQ(event.direction, FS_EVENT_DIR_FILLING);
            EXPECT_TRUE(seen_during_a_step(event, filling));
            EXPECT_EQ(event.caused_pid, static_cast<uint32_t>(::getpid()));
            EXPECT_EQ(event.block_size, 4096u);
            EXPECT_EQ(event.mount_point, fs.mount_point());
            EXPECT_EQ(event.dev_major, major(fs.device()));
            EXPECT_EQ(event.dev_minor, minor(fs.device()));
        }
        EXPECT_LE(thresh[0].available_blocks, lower);
        EXPECT_LE(thresh[1].available_blocks, upper);

        events_.clear();
        std::vector<Step> freeing;
        for (int i = 0; i < files; ++i) {
            uint64_t before = fs.available_blocks();
            ASSERT_EQ(::unlink(fs.path("c" + std::to_string(i)).c_str()), 0);
            ::syncfs(::open(fs.mount_point().c_str(), O_RDONLY | O_CLOEXEC));
            freeing.push_back({before, fs.available_blocks()});
        }
        pump(100ms);
        thresh = events_of(entry.id, FS_EVENT_THRESH);
        ASSERT_EQ(thresh.size(), 2u) << "cycle " << cycle << ": " << describe(thresh);
        EXPECT_EQ(thresh[0].id, FS_THRESH_UR_REACHED);
        EXPECT_EQ(thresh[1].id, FS_THRESH_LR_REACHED);
        for (const Event &event : thresh) {
            EXPECT_EQ(event.direction, FS_EVENT_DIR_FREEING);
            EXPECT_TRUE(seen_during_a_step(event, freeing));
        }
        EXPECT_GT(thresh[0].available_blocks, upper);
        EXPECT_GT(thresh[1].available_blocks, lower);
    }
}

TEST_F(KernelEventsTest, DelayedAllocationCrossesAtWriteTimeWithoutSync) {
    LoopExt4 fs;
    uint64_t start = fs.available_blocks();
    TraceEntry entry = trace(fs, TRACE_THRESH, start - 1000);
    fs.write_file("buffered", 8 << 20, /*sync_file=*/false);  // 2048 blocks, no fsync
    pump();
    std::vector<Event> thresh = events_of(entry.id, FS_EVENT_THRESH);
    ASSERT_EQ(thresh.size(), 1u) << describe(thresh);
    EXPECT_EQ(thresh[0].id, FS_THRESH_LR_REACHED);
    // Reported in the writer's own context (the reservation), not by writeback.
    EXPECT_EQ(thresh[0].caused_pid, static_cast<uint32_t>(::getpid()));
    EXPECT_LE(thresh[0].available_blocks, start - 1000);
    EXPECT_GE(thresh[0].available_blocks, start - 2048 - 64);
}

TEST_F(KernelEventsTest, RandomWritesAndDeletesMatchTheStatfsOracle) {
    LoopExt4 fs;
    uint64_t start = fs.available_blocks();
    uint64_t lower = start - 700, upper = start - 1400;
    TraceEntry entry = trace(fs, TRACE_THRESH, lower, upper);
    std::mt19937 random(1234);
    std::vector<std::string> present;
    bool lower_reached = false, upper_reached = false;
    std::vector<std::pair<uint32_t, uint32_t>> expected;  // (id, direction) as the oracle sees them
    for (int step = 0; step < 120; ++step) {
        bool write = present.empty() || (random() % 100 < 60 && fs.available_blocks() > 1500);
        if (write) {
            std::string name = "r" + std::to_string(step);
            fs.write_file(name, (1 + random() % 16) * (64 << 10), true);
            present.push_back(name);
        } else {
            size_t index = random() % present.size();
            ::unlink(fs.path(present[index]).c_str());
            present.erase(present.begin() + static_cast<long>(index));
            ::sync();
        }
        uint64_t now = fs.available_blocks();
        bool lower_now = now <= lower, upper_now = now <= upper;
        if (!lower_reached && lower_now)
            expected.push_back({FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING});
        if (!upper_reached && upper_now)
            expected.push_back({FS_THRESH_UR_REACHED, FS_EVENT_DIR_FILLING});
        if (upper_reached && !upper_now)
            expected.push_back({FS_THRESH_UR_REACHED, FS_EVENT_DIR_FREEING});
        if (lower_reached && !lower_now)
            expected.push_back({FS_THRESH_LR_REACHED, FS_EVENT_DIR_FREEING});
        lower_reached = lower_now;
        upper_reached = upper_now;
        pump();
    }
    pump(100ms);
    std::vector<std::pair<uint32_t, uint32_t>> got;
    for (const Event &event : events_of(entry.id, FS_EVENT_THRESH))
        got.push_back({event.id, event.direction});
    EXPECT_EQ(got, expected) << "events: " << describe(events_of(entry.id));
    EXPECT_GE(expected.size(), 2u) << "the random walk should cross at least one level";
}

TEST_F(KernelEventsTest, ArmingAnAlreadyReachedLevelReportsItAtOnceAndChangingLevelsReArms) {
    LoopExt4 fs;
    fs.write_file("fill", 4 << 20, true);
    uint64_t now = fs.available_blocks();
    TraceEntry entry = trace(fs, TRACE_THRESH, now + 100, now + 50);
    std::vector<Event> armed = events_of(entry.id, FS_EVENT_THRESH);
    ASSERT_EQ(armed.size(), 2u) << describe(armed);
    EXPECT_EQ(armed[0].id, FS_THRESH_LR_REACHED);
    EXPECT_EQ(armed[1].id, FS_THRESH_UR_REACHED);
    EXPECT_EQ(armed[0].available_blocks, now);
    EXPECT_EQ(sync_->reached_levels(entry.id), FSEV_LOWER_REACHED | FSEV_UPPER_REACHED);

    // New levels below the current count: nothing reached, state re-armed.
    events_.clear();
    entry.lower_level = now - 500;
    entry.upper_level = now - 1000;
    kernel_->entry_changed(entry, /*thresholds_reset=*/true);
    EXPECT_TRUE(events_of(entry.id).empty()) << describe(events_);
    EXPECT_EQ(sync_->reached_levels(entry.id), 0u);
    fs.write_file("more", 3 << 20, true);  // 768 blocks: crosses the new L1 only
    pump(100ms);
    std::vector<Event> thresh = events_of(entry.id, FS_EVENT_THRESH);
    ASSERT_EQ(thresh.size(), 1u) << describe(thresh);
    EXPECT_EQ(thresh[0].id, FS_THRESH_LR_REACHED);
}

TEST_F(KernelEventsTest, TwoTracedFilesystemsAreKeptApartAndAnUntracedOneIsSilent) {
    LoopExt4 first, second, untraced;
    TraceEntry a = trace(first, TRACE_ALL, first.available_blocks() - 500);
    TraceEntry b = trace(second, TRACE_ALL, second.available_blocks() - 500);
    first.write_file("x", 4 << 20, true);
    pump(100ms);
    EXPECT_EQ(events_of(a.id, FS_EVENT_THRESH).size(), 1u);
    EXPECT_TRUE(events_of(b.id).empty());
    second.write_file("x", 4 << 20, true);
    untraced.write_file("x", 8 << 20, true);
    untraced.trigger_error("untraced");
    pump(300ms);
    EXPECT_EQ(events_of(b.id, FS_EVENT_THRESH).size(), 1u);
    EXPECT_EQ(events_.size(), 2u) << "only the two crossings: " << describe(events_);
}

TEST_F(KernelEventsTest, NoEventForTypesNotRequested) {
    LoopExt4 fs;
    TraceEntry entry = trace(fs, TRACE_INFO | TRACE_WARN);  // no thr, no err
    fs.write_file("x", 8 << 20, true);
    fs.trigger_error("not requested");
    pump(300ms);
    EXPECT_TRUE(events_of(entry.id).empty()) << describe(events_);
}

TEST_F(KernelEventsTest, ErrorWithErrorsContinueIsReportedAsCorruption) {
    LoopExt4 fs;
    TraceEntry entry = trace(fs, TRACE_ERR);
    fs.trigger_error("fsev test: continue");
    ASSERT_TRUE(wait_for(entry.id, FS_ERR_CORRUPTED)) << describe(events_);
    std::vector<Event> errors = events_of(entry.id, FS_EVENT_ERR);
    ASSERT_EQ(errors.size(), 1u) << describe(errors);
    EXPECT_EQ(errors[0].caused_pid, static_cast<uint32_t>(::getpid()));
    EXPECT_EQ(errors[0].available_blocks, fs.available_blocks());
}

TEST_F(KernelEventsTest, AnIoErrorReadingMetadataIsReportedAsUnknown) {
    LoopExt4 fs;
    ASSERT_EQ(::mkdir(fs.path("dir").c_str(), 0755), 0);
    fs.write_file("dir/file", 4096, true);
    // Nothing of it may stay cached: not the inode, not the device's pages.
    fs.mount_again();
    std::ofstream("/proc/sys/vm/drop_caches") << "3\n";
    TraceEntry entry = trace(fs, TRACE_ERR);
    // ext4's fault injection: the next inode-table read fails with EIO, as a
    // dying disk would. It exists only with CONFIG_EXT4_DEBUG, which
    // distribution kernels (Debian's among them) leave off.
    std::string simulate_fail = "/sys/fs/ext4/" + fs.sysfs_name() + "/simulate_fail";
    if (::access(simulate_fail.c_str(), F_OK) != 0)
        GTEST_SKIP() << "this kernel has no " << simulate_fail
                     << " (CONFIG_EXT4_DEBUG is off), so no I/O error can be injected";
    std::ofstream(simulate_fail) << "5\n";
    struct stat status {};
    EXPECT_NE(::stat(fs.path("dir/file").c_str(), &status), 0);
    EXPECT_EQ(errno, EIO);
    ASSERT_TRUE(wait_for(entry.id, FS_ERR_UNKNOWN)) << describe(events_);
    EXPECT_TRUE(events_of(entry.id, FS_EVENT_ERR).size() >= 1u);
    for (const Event &event : events_of(entry.id, FS_EVENT_ERR))
        EXPECT_NE(event.id, FS_ERR_CORRUPTED);
}

TEST_F(KernelEventsTest, ErrorWithErrorsRemountRoAlsoReportsTheReadOnlySwitch) {
    LoopExt4Options options;
    options.mount_options = "errors=remount-ro";
    LoopExt4 fs(options);
    TraceEntry entry = trace(fs, TRACE_ERR);
    fs.trigger_error("fsev test: remount-ro");
    ASSERT_TRUE(wait_for(entry.id, FS_ERR_RO_REMOUNT)) << describe(events_);
    std::vector<Event> errors = events_of(entry.id, FS_EVENT_ERR);
    ASSERT_EQ(errors.size(), 2u) << describe(errors);
    EXPECT_EQ(errors[0].id, FS_ERR_CORRUPTED);
    EXPECT_EQ(errors[1].id, FS_ERR_RO_REMOUNT);
    // Writes now fail: EROFS where ext4 went read-only (SB_RDONLY, or
    // emergency_ro from 6.15), EIO where it shut itself down instead
    // (EXT4_FLAGS_SHUTDOWN: 6.5 to 6.14, Debian 13's 6.12).
    EXPECT_LT(::open(fs.path("after").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644), 0);
    EXPECT_TRUE(errno == EROFS || errno == EIO) << std::strerror(errno);
    // Another error does not report the switch again (ext4 >= 6.15 raises
    // none at all once in emergency read-only; older kernels do).
    fs.trigger_error("fsev test: again");
    pump(300ms);
    size_t read_only_events = 0;
    for (const Event &event : events_of(entry.id, FS_EVENT_ERR))
        read_only_events += event.id == FS_ERR_RO_REMOUNT;
    EXPECT_EQ(read_only_events, 1u) << describe(events_);
}

// The read-only switch is read from ext4's own flags, which every kernel
// keeps, even those that no longer set SB_RDONLY after an error (Debian's
// 6.1) and so show nothing in the mount table.
TEST_F(KernelEventsTest, Ext4sOwnFlagsShowTheErrorSwitchOnlyWhenItHappened) {
    LoopExt4Options stopping;
    stopping.mount_options = "errors=remount-ro";
    LoopExt4 stopped_fs(stopping);
    LoopExt4 continuing_fs;
    TraceEntry stopped = trace(stopped_fs, TRACE_ERR);
    TraceEntry continuing = trace(continuing_fs, TRACE_ERR);
    stopped_fs.trigger_error("fsev test: stops");
    continuing_fs.trigger_error("fsev test: continues");
    ASSERT_TRUE(wait_for(stopped.id, FS_ERR_RO_REMOUNT)) << describe(events_);
    ASSERT_TRUE(wait_for(continuing.id, FS_ERR_CORRUPTED)) << describe(events_);

    uint64_t stopped_sb = error_superblocks_[kernel_dev_from_user(stopped_fs.device())];
    uint64_t continuing_sb = error_superblocks_[kernel_dev_from_user(continuing_fs.device())];
    ASSERT_NE(stopped_sb, 0u);
    ASSERT_NE(continuing_sb, 0u);
    std::optional<uint32_t> stopped_state = probes_->ext4_state(stopped_sb);
    std::optional<uint32_t> continuing_state = probes_->ext4_state(continuing_sb);
    ASSERT_TRUE(stopped_state.has_value());
    ASSERT_TRUE(continuing_state.has_value());
    EXPECT_NE(*stopped_state & (FSEV_EXT4_READ_ONLY | FSEV_EXT4_STOPPED), 0u);
    EXPECT_EQ(*continuing_state, 0u);
    EXPECT_FALSE(probes_->ext4_state(0).has_value());
}

// A block device switched read-only (BLKROSET) while its filesystem stays
// mounted, and switched back when the test ends: the loop device is used
// again by later tests.
class ReadOnlyBlockDevice {
  public:
    explicit ReadOnlyBlockDevice(const std::string &device)
        : fd_(::open(device.c_str(), O_RDONLY | O_CLOEXEC)) {
        set(1);
    }
    ~ReadOnlyBlockDevice() {
        set(0);
        if (fd_ >= 0) ::close(fd_);
    }
    bool ok() const { return ok_; }

  private:
    void set(int read_only) { ok_ = fd_ >= 0 && ::ioctl(fd_, BLKROSET, &read_only) == 0; }
    int fd_;
    bool ok_ = false;
};

// An ext4 error starts a deferred check (ext4's error record, then the
// read-only switch); while it waits, other filesystems' events go out. On a
// read-only block device ext4 stores no error record (ext4_handle_error), so
// the check runs to its full deadline: long enough to see another
// filesystem's error reported meanwhile, and in the kernel's order after it.
TEST_F(KernelEventsTest, AnotherFilesystemsErrorGoesOutWhileAnErrorAwaitsItsCheck) {
    LoopExt4 waiting_fs;
    LoopExt4 other_fs;
    TraceEntry waiting = trace(waiting_fs, TRACE_ERR);
    TraceEntry other = trace(other_fs, TRACE_ERR);
    ReadOnlyBlockDevice read_only(waiting_fs.loop_device());
    ASSERT_TRUE(read_only.ok()) << "BLKROSET on " << waiting_fs.loop_device() << ": "
                                << std::strerror(errno);
    waiting_fs.trigger_error("fsev test: no error record on a read-only device");
    auto deadline = std::chrono::steady_clock::now() + 1s;
    while (!filesystem_events_->checks_pending() && std::chrono::steady_clock::now() < deadline)
        kernel_->poll(1);
    ASSERT_TRUE(filesystem_events_->checks_pending()) << describe(events_);

    other_fs.trigger_error("fsev test: reported meanwhile");
    ASSERT_TRUE(wait_for(other.id, FS_ERR_CORRUPTED)) << describe(events_);
    EXPECT_TRUE(filesystem_events_->checks_pending())
        << "the other filesystem's error waited for the first one's check";
    EXPECT_TRUE(events_of(waiting.id).empty()) << describe(events_);

    // The waiting error goes out once its check ends, unclassified: ext4
    // kept no record of it.
    pump(300ms);
    EXPECT_FALSE(filesystem_events_->checks_pending());
    std::vector<Event> waited = events_of(waiting.id, FS_EVENT_ERR);
    ASSERT_EQ(waited.size(), 1u) << describe(events_);
    EXPECT_EQ(waited[0].id, FS_ERR_UNKNOWN);
    EXPECT_EQ(events_.back().trace_id, waiting.id) << describe(events_);
}

TEST_F(KernelEventsTest, ShutdownIsReported) {
    LoopExt4 fs;
    TraceEntry entry = trace(fs, TRACE_ERR);
    int fd = ::open(fs.mount_point().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    // EXT4_IOC_SHUTDOWN (the same number as XFS_IOC_GOINGDOWN), without log flush.
    uint32_t flags = 2;  // EXT4_GOING_FLAGS_NOLOGFLUSH
    ASSERT_EQ(::ioctl(fd, _IOR('X', 125, uint32_t), &flags), 0) << std::strerror(errno);
    ::close(fd);
    ASSERT_TRUE(wait_for(entry.id, FS_ERR_SHUTDOWN)) << describe(events_);
    EXPECT_EQ(events_of(entry.id, FS_EVENT_ERR)[0].caused_pid, static_cast<uint32_t>(::getpid()));
}

TEST_F(KernelEventsTest, ThousandsOfErrorsAreRateLimitedAndCounted) {
    LoopExt4 fs;
    TraceEntry entry = trace(fs, TRACE_ERR);
    for (int i = 0; i < 200; ++i) fs.trigger_error("storm");
    pump(500ms);
    size_t reported = events_of(entry.id, FS_EVENT_ERR).size();
    EXPECT_GE(reported, 10u);
    EXPECT_LT(reported, 200u);
    EXPECT_EQ(reported + filesystem_events_->suppressed_errors(), 200u);
}

TEST_F(KernelEventsTest, FillingToEnospcWarnsForThatFilesystem) {
    LoopExt4Options options;
    options.size_mib = 32;
    LoopExt4 fs(options), other;
    TraceEntry entry = trace(fs, TRACE_WARN);
    TraceEntry other_entry = trace(other, TRACE_WARN);
    int fd = ::open(fs.path("fill").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    std::vector<char> chunk(1 << 20, 'z');
    int last_errno = 0;
    for (int i = 0; i < 64; ++i) {
        if (::write(fd, chunk.data(), chunk.size()) < 0) {
            last_errno = errno;
            break;
        }
    }
    ::close(fd);
    ASSERT_EQ(last_errno, ENOSPC);
    ASSERT_TRUE(wait_for(entry.id, FS_WARN_ENOSPC)) << describe(events_);
    EXPECT_EQ(events_of(entry.id, FS_EVENT_WARN)[0].caused_pid, static_cast<uint32_t>(::getpid()));
    EXPECT_TRUE(events_of(other_entry.id).empty());
}

// Fills the filesystem completely (root may use the reserved blocks too):
// rounds of ever smaller writes until not one block fits even after fsync
// has settled the delayed-allocation reservations.
void fill_completely(const LoopExt4 &fs) {
    std::vector<char> chunk(1 << 16, 'z');
    for (int round = 0; round < 50; ++round) {
        int fd = ::open(fs.path("fill" + std::to_string(round)).c_str(),
                        O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return;  // not even an inode's directory entry fits
        size_t size = round < 2 ? chunk.size() : 4096;
        ssize_t total = 0, written;
        while ((written = ::write(fd, chunk.data(), size)) > 0) total += written;
        ::fsync(fd);
        ::close(fd);
        if (total == 0 && round >= 2) return;
    }
}

TEST_F(KernelEventsTest, CopyFileRangeAndSendfileIntoAFullFilesystemWarnEnospc) {
    LoopExt4Options options;
    options.size_mib = 16;
    LoopExt4 fs(options);
    // On the same filesystem: copy_file_range between filesystems is EXDEV here.
    fs.write_file("source", 1 << 20, true);
    TraceEntry entry = trace(fs, TRACE_WARN);
    fill_completely(fs);
    pump(200ms);  // the filling's own ENOSPC warnings are not what is tested here
    events_.clear();
    int source = ::open(fs.path("source").c_str(), O_RDONLY | O_CLOEXEC);
    int target = ::open(fs.path("copy").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(source, 0);
    ASSERT_GE(target, 0);
    EXPECT_LT(::copy_file_range(source, nullptr, target, nullptr, 1 << 20, 0), 0);
    EXPECT_EQ(errno, ENOSPC);
    ASSERT_TRUE(wait_for(entry.id, FS_WARN_ENOSPC)) << "copy_file_range: " << describe(events_);
    events_.clear();
    off_t offset = 0;
    EXPECT_LT(::sendfile(target, source, &offset, 1 << 20), 0);
    EXPECT_EQ(errno, ENOSPC);
    ASSERT_TRUE(wait_for(entry.id, FS_WARN_ENOSPC)) << "sendfile: " << describe(events_);
    ::close(source);
    ::close(target);
}

TEST_F(KernelEventsTest, NoRoomForADirectoryWarnsEnospcMeta) {
    LoopExt4Options options;
    options.size_mib = 16;
    LoopExt4 fs(options);
    TraceEntry entry = trace(fs, TRACE_WARN);
    fill_completely(fs);
    pump(200ms);  // the filling's own ENOSPC warnings are not what is tested here
    events_.clear();
    // In this process (alive while the daemon resolves the path)...
    ASSERT_NE(::mkdir(fs.path("newdir").c_str(), 0755), 0);
    ASSERT_EQ(errno, ENOSPC);
    ASSERT_TRUE(wait_for(entry.id, FS_WARN_ENOSPC_META)) << describe(events_);
    EXPECT_EQ(events_of(entry.id, FS_EVENT_WARN)[0].caused_pid, static_cast<uint32_t>(::getpid()));
    EXPECT_EQ(events_of(entry.id, FS_EVENT_WARN)[0].mount_point, fs.mount_point());
    // ...and from a short-lived command that is gone by then.
    events_.clear();
    EXPECT_NE(test::run_command({"mkdir", fs.path("other")}).exit_code, 0);
    ASSERT_TRUE(wait_for(entry.id, FS_WARN_ENOSPC_META)) << describe(events_);
}

TEST_F(KernelEventsTest, RemovedEntryStopsReporting) {
    LoopExt4 fs;
    TraceEntry entry = trace(fs, TRACE_ALL, fs.available_blocks() - 500);
    untrace(entry);
    fs.write_file("x", 4 << 20, true);
    fs.trigger_error("after removal");
    pump(300ms);
    EXPECT_TRUE(events_of(entry.id).empty()) << describe(events_);
}

// Pids are reported as the daemon's pid namespace sees them. Here the
// "daemon" (the probes' pid namespace) is a child namespace: a writer inside
// it is pid 1 there; this test process, outside, is not visible (0).
class PidNamespaceTest : public KernelEventsTest {
  protected:
    ~PidNamespaceTest() override {
        if (child_ > 0) {
            ::close(go_[1]);  // the writer inside gives up if never told to go
            ::waitpid(child_, nullptr, 0);
        }
    }

    ProbeOptions probe_options() override {
        ProbeOptions options = KernelEventsTest::probe_options();
        if (::geteuid() != 0) return options;
        fs_ = std::make_unique<LoopExt4>();
        int pid_pipe[2];
        if (::pipe(go_) != 0 || ::pipe(pid_pipe) != 0) throw std::runtime_error("pipe failed");
        child_ = ::fork();
        if (child_ == 0) {
            // Only the parent may hold the write end: the writer must see
            // EOF (and give up) when the parent closes it without a go.
            ::close(go_[1]);
            // The grandchild is the first process of a new pid namespace.
            if (::unshare(CLONE_NEWPID) != 0) ::_exit(2);
            pid_t writer = ::fork();
            if (writer == 0) {
                char go = 0;
                if (::read(go_[0], &go, 1) != 1) ::_exit(3);
                fs_->write_file("from-namespace", 4 << 20, true);
                ::_exit(0);
            }
            if (::write(pid_pipe[1], &writer, sizeof writer) != sizeof writer) ::_exit(4);
            ::waitpid(writer, nullptr, 0);
            ::_exit(0);
        }
        pid_t writer = 0;
        if (::read(pid_pipe[0], &writer, sizeof writer) != sizeof writer)
            throw std::runtime_error("no writer pid");
        struct stat ns {};
        if (::stat(("/proc/" + std::to_string(writer) + "/ns/pid").c_str(), &ns) != 0)
            throw std::runtime_error("stat of the writer's pid namespace failed");
        options.pidns_dev = make_kernel_dev(major(ns.st_dev), minor(ns.st_dev));
        options.pidns_ino = ns.st_ino;
        return options;
    }

    void let_the_writer_go() {
        char go = 1;
        ASSERT_EQ(::write(go_[1], &go, 1), 1);
        ASSERT_EQ(::waitpid(child_, nullptr, 0), child_);
        child_ = -1;
    }

    std::unique_ptr<LoopExt4> fs_;
    pid_t child_ = -1;
    int go_[2] = {-1, -1};
};

TEST_F(PidNamespaceTest, PidsAreAsTheDaemonsPidNamespaceSeesThem) {
    TraceEntry inside = trace(*fs_, TRACE_THRESH, fs_->available_blocks() - 500);
    let_the_writer_go();
    pump(200ms);
    std::vector<Event> crossings = events_of(inside.id, FS_EVENT_THRESH);
    ASSERT_EQ(crossings.size(), 1u) << describe(events_);
    EXPECT_EQ(crossings[0].caused_pid, 1u) << "the writer is pid 1 in its namespace";

    LoopExt4 other;
    TraceEntry outside = trace(other, TRACE_THRESH, other.available_blocks() - 500);
    other.write_file("from-outside", 4 << 20, true);
    pump(200ms);
    crossings = events_of(outside.id, FS_EVENT_THRESH);
    ASSERT_EQ(crossings.size(), 1u) << describe(events_);
    EXPECT_EQ(crossings[0].caused_pid, 0u) << "this process is not visible from there";
}

}  // namespace
}  // namespace fsev
