#include "metrics/registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "support/metrics_text.h"

namespace fsev::metrics {
namespace {

using test::sample_value;

// /proc: statfs numbers that never change (no blocks, 4 KiB block size), so
// the registry's scrape-time statfs is checked exactly without root. The
// device is /proc's own: numbers are read only through a mount of it.
TraceEntry proc_entry(uint32_t id = 7) {
    TraceEntry entry;
    struct stat proc {};
    if (::stat("/proc", &proc) == 0) entry.device = proc.st_dev;
    entry.id = id;
    entry.types = TRACE_THRESH | TRACE_ERR;
    entry.has_lower = true;
    entry.has_upper = true;
    entry.lower_level = 710000;
    entry.upper_level = 500000;
    entry.mount_point = "/proc";
    entry.fstype = "proc";
    entry.source = "proc";
    return entry;
}

Event thresh(uint32_t trace_id, uint32_t id, uint32_t direction) {
    Event event;
    event.type = FS_EVENT_THRESH;
    event.id = id;
    event.trace_id = trace_id;
    event.direction = direction;
    return event;
}

Event error_event(uint32_t trace_id, uint32_t id) {
    Event event;
    event.type = FS_EVENT_ERR;
    event.id = id;
    event.trace_id = trace_id;
    return event;
}

const std::vector<std::pair<std::string, std::string>> proc_labels = {
    {"device", "proc"}, {"fstype", "proc"}, {"mountpoint", "/proc"}, {"trace_id", "7"}};

std::vector<std::pair<std::string, std::string>> with_level(const std::string &level) {
    auto labels = proc_labels;
    labels.emplace_back("level", level);
    return labels;
}

TEST(MetricsRegistry, BuildInfoAndNoEntriesAtStart) {
    Registry registry("1.2.3");
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_build_info", {{"version", "1.2.3"}}), 1);
    EXPECT_EQ(sample_value(text, "fsev_trace_entries", {}), 0);
    EXPECT_EQ(sample_value(text, "fsev_available_bytes", {}), std::nullopt);
}

TEST(MetricsRegistry, EntryShowsStatfsNumbersThresholdsAndNodeExporterLabels) {
    Registry registry("0");
    registry.entry_created(proc_entry());
    struct statfs expected {};
    ASSERT_EQ(::statfs("/proc", &expected), 0);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_available_blocks", proc_labels),
              static_cast<double>(expected.f_bavail));
    EXPECT_EQ(sample_value(text, "fsev_available_bytes", proc_labels),
              static_cast<double>(expected.f_bavail * static_cast<uint64_t>(expected.f_bsize)));
    EXPECT_EQ(sample_value(text, "fsev_block_size_bytes", proc_labels),
              static_cast<double>(expected.f_bsize));
    EXPECT_EQ(sample_value(text, "fsev_threshold_lower_blocks", proc_labels), 710000);
    EXPECT_EQ(sample_value(text, "fsev_threshold_upper_blocks", proc_labels), 500000);
    EXPECT_EQ(sample_value(text, "fsev_read_only", proc_labels), 0);
    EXPECT_EQ(sample_value(text, "fsev_trace_entry_info", {{"types", "err,thr"}}), 1);
    EXPECT_EQ(sample_value(text, "fsev_trace_entries", {}), 1);
}

TEST(MetricsRegistry, ThresholdStateFollowsCrossingsInBothDirections) {
    Registry registry("0");
    registry.entry_created(proc_entry());
    auto level = [&registry](const std::string &name) {
        return sample_value(registry.render_text(), "fsev_threshold_reached", with_level(name));
    };
    EXPECT_EQ(level("lower"), 0);
    EXPECT_EQ(level("upper"), 0);
    registry.deliver(thresh(7, FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING));
    EXPECT_EQ(level("lower"), 1);
    EXPECT_EQ(level("upper"), 0);
    registry.deliver(thresh(7, FS_THRESH_UR_REACHED, FS_EVENT_DIR_FILLING));
    EXPECT_EQ(level("upper"), 1);
    registry.deliver(thresh(7, FS_THRESH_UR_REACHED, FS_EVENT_DIR_FREEING));
    EXPECT_EQ(level("lower"), 1);
    EXPECT_EQ(level("upper"), 0);
    registry.deliver(thresh(7, FS_THRESH_LR_REACHED, FS_EVENT_DIR_FREEING));
    EXPECT_EQ(level("lower"), 0);
}

TEST(MetricsRegistry, EventWithoutDirectionLeavesThresholdStateAlone) {
    Registry registry("0");
    registry.entry_created(proc_entry());
    registry.deliver(thresh(7, FS_THRESH_LR_REACHED, FS_EVENT_DIR_NONE));
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_threshold_reached", with_level("lower")),
              0);
}

TEST(MetricsRegistry, ResettingThresholdsRearmsTheState) {
    Registry registry("0");
    TraceEntry entry = proc_entry();
    registry.entry_created(entry);
    registry.deliver(thresh(7, FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING));
    entry.lower_level = 900000;
    registry.entry_changed(entry, false);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_threshold_reached", with_level("lower")), 1);
    EXPECT_EQ(sample_value(text, "fsev_threshold_lower_blocks", proc_labels), 900000);
    registry.entry_changed(entry, true);
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_threshold_reached", with_level("lower")),
              0);
}

TEST(MetricsRegistry, ErrorsSetTheErrorStateAndCount) {
    Registry registry("0");
    registry.entry_created(proc_entry());
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_error", proc_labels), 0);
    registry.deliver(error_event(7, FS_ERR_CORRUPTED));
    registry.deliver(error_event(7, FS_ERR_RO_REMOUNT));
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_error", proc_labels), 1);
    EXPECT_EQ(sample_value(text, "fsev_errors_total", proc_labels), 2);
    EXPECT_EQ(
        sample_value(text, "fsev_events_total", {{"event", "FS_ERR_CORRUPTED"}, {"type", "err"}}),
        1);
    EXPECT_EQ(
        sample_value(text, "fsev_events_total", {{"event", "FS_ERR_RO_REMOUNT"}, {"type", "err"}}),
        1);
}

TEST(MetricsRegistry, EventsAreCountedByTypeAndIdEvenForUnknownEntries) {
    Registry registry("0");
    registry.deliver(thresh(99, FS_THRESH_UR_REACHED, FS_EVENT_DIR_FILLING));
    registry.deliver(thresh(99, FS_THRESH_UR_REACHED, FS_EVENT_DIR_FREEING));
    Event warn;
    warn.type = FS_EVENT_WARN;
    warn.id = FS_WARN_ENOSPC;
    registry.deliver(warn);
    Event odd;
    odd.type = FS_EVENT_WARN;
    odd.id = 0x80000000u;
    registry.deliver(odd);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_events_total",
                           {{"event", "FS_THRESH_UR_REACHED"}, {"type", "thresh"}}),
              2);
    EXPECT_EQ(
        sample_value(text, "fsev_events_total", {{"event", "FS_WARN_ENOSPC"}, {"type", "warn"}}),
        1);
    EXPECT_EQ(sample_value(text, "fsev_events_total", {{"event", "0x80000000"}}), 1);
    EXPECT_EQ(sample_value(text, "fsev_trace_entries", {}), 0);
}

TEST(MetricsRegistry, RemovedEntryDisappearsAndRecreatedEntryStartsClean) {
    Registry registry("0");
    TraceEntry entry = proc_entry();
    registry.entry_created(entry);
    registry.deliver(error_event(7, FS_ERR_INTERNAL));
    registry.entry_removed(entry, true);
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_error", {}), std::nullopt);
    registry.entry_created(entry);
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_error", proc_labels), 0);
}

TEST(MetricsRegistry, VanishedMountPointKeepsStateButShowsNoStatfsNumbers) {
    Registry registry("0");
    TraceEntry entry = proc_entry();
    entry.mount_point = "/nonexistent/fsev-test-mount";
    entry.device = makedev(4000, 4001);  // mounted nowhere any more
    registry.entry_created(entry);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_available_bytes", {}), std::nullopt);
    EXPECT_EQ(sample_value(text, "fsev_read_only", {}), std::nullopt);
    EXPECT_EQ(sample_value(text, "fsev_error", {{"mountpoint", "/nonexistent/fsev-test-mount"}}),
              0);
}

TEST(MetricsRegistry, SpaceIsReadFromTheEntrysOwnFilesystemOrNotAtAll) {
    // /sys's path with /proc's device: /sys shows sysfs, so the numbers come
    // through /proc, the mount of the entry's own device.
    Registry registry("0");
    TraceEntry entry = proc_entry();
    entry.mount_point = "/sys";
    registry.entry_created(entry);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_available_blocks", {{"mountpoint", "/sys"}}), 0) << text;
    EXPECT_EQ(sample_value(text, "fsev_space_unreadable_total", {}), 0) << text;

    // A device no mount shows: no sample rather than /sys's, and counted.
    entry.device = makedev(4000, 4000);
    registry.entry_changed(entry, false);
    text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_block_size_bytes", {}), std::nullopt) << text;
    EXPECT_EQ(sample_value(text, "fsev_space_unreadable_total", {}), 1) << text;
}

TEST(MetricsRegistry, AMountTableTooOldToShowTheMountIsReadAgain) {
    // The table the daemon handed over lacks /proc (as if /proc had been
    // mounted since): the scrape reads the table itself and finds it.
    Registry registry("0");
    registry.mount_table_changed({});
    registry.entry_created(proc_entry());
    struct statfs expected {};
    ASSERT_EQ(::statfs("/proc", &expected), 0);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_block_size_bytes", {{"mountpoint", "/proc"}}),
              static_cast<double>(expected.f_bsize))
        << text;
    EXPECT_EQ(sample_value(text, "fsev_space_unreadable_total", {}), 0) << text;
}

TEST(MetricsRegistry, ConfigWritesAreCountedByResult) {
    Registry registry("0");
    registry.count_config_write(true);
    registry.count_config_write(true);
    registry.count_config_write(false);
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_config_writes_total", {{"result", "accepted"}}), 2);
    EXPECT_EQ(sample_value(text, "fsev_config_writes_total", {{"result", "rejected"}}), 1);
}

TEST(MetricsRegistry, ExternalCountersAppearOnlyOnceConnected) {
    Registry registry("0");
    std::string before = registry.render_text();
    EXPECT_EQ(before.find("fsev_ring_buffer_dropped_records_total"), std::string::npos);
    EXPECT_EQ(before.find("fsev_netlink_send_errors_total"), std::string::npos);
    uint64_t drops = 3, send_errors = 5;
    registry.set_ring_buffer_drops_source([&drops] { return drops; });
    registry.set_netlink_send_errors_source([&send_errors] { return send_errors; });
    std::string after = registry.render_text();
    EXPECT_EQ(sample_value(after, "fsev_ring_buffer_dropped_records_total", {}), 3);
    EXPECT_EQ(sample_value(after, "fsev_netlink_send_errors_total", {}), 5);
    drops = 4;  // read at scrape time, not copied when connected
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_ring_buffer_dropped_records_total", {}),
              4);
}

TEST(MetricsRegistry, BpfRunStatisticsOnlyOnceTheKernelCounted) {
    Registry registry("0");
    std::vector<BpfProgramStats> programs{{"on_free_blocks", 0, 0}, {"on_error", 0, 0}};
    bool sysctl_on = false;
    registry.set_bpf_programs_source([&programs] { return programs; },
                                     [&sysctl_on] { return sysctl_on; });
    std::string text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_bpf_stats_enabled", {}), 0);
    EXPECT_EQ(text.find("fsev_bpf_program_runs_total"), std::string::npos) << text;

    programs[0].run_count = 10;
    programs[0].run_time_ns = 2500000000ull;
    text = registry.render_text();
    EXPECT_EQ(sample_value(text, "fsev_bpf_program_runs_total", {{"program", "on_free_blocks"}}),
              10);
    EXPECT_EQ(sample_value(text, "fsev_bpf_program_run_time_seconds_total",
                           {{"program", "on_free_blocks"}}),
              2.5);
    EXPECT_EQ(sample_value(text, "fsev_bpf_program_runs_total", {{"program", "on_error"}}), 0);

    sysctl_on = true;
    EXPECT_EQ(sample_value(registry.render_text(), "fsev_bpf_stats_enabled", {}), 1);
}

TEST(MetricsRegistry, EveryFamilyWithAwkwardLabelValuesPassesPromtool) {
    Registry registry("0.1.0");
    TraceEntry entry = proc_entry();
    registry.entry_created(entry);
    entry.id = 8;
    entry.mount_point = "/mnt/with \"quotes\" and \\backslash\nand newline";
    entry.source = "/dev/disk/by-label/a\\b";
    registry.entry_created(entry);
    registry.deliver(thresh(7, FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING));
    registry.deliver(error_event(8, FS_ERR_UNKNOWN));
    registry.count_config_write(false);
    registry.set_ring_buffer_drops_source([] { return uint64_t{0}; });
    registry.set_netlink_send_errors_source([] { return uint64_t{1}; });
    registry.set_bpf_programs_source(
        [] {
            return std::vector<BpfProgramStats>{{"on_allocate_blocks", 12, 3400}};
        },
        [] { return true; });
    std::string text = registry.render_text();
    EXPECT_NE(text.find(R"(mountpoint="/mnt/with \"quotes\" and \\backslash\nand newline")"),
              std::string::npos)
        << text;
    test::CommandResult check = test::promtool_check_metrics(text);
    EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << text;
    EXPECT_EQ(check.output, "") << text;
}

}  // namespace
}  // namespace fsev::metrics
