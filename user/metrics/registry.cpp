#include "metrics/registry.h"

#include "model/event_names.h"
#include "mounts/device_statfs.h"
#include "mounts/mountinfo.h"

#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cstdio>
#include <set>
#include <system_error>

namespace fsev::metrics {

namespace {

Labels entry_labels(const TraceEntry &entry) {
    // node_exporter's filesystem labels, so the two can be joined.
    return {{"device", entry.source},
            {"fstype", entry.fstype},
            {"mountpoint", entry.mount_point},
            {"trace_id", std::to_string(entry.id)}};
}

Labels with(Labels labels, std::string name, std::string value) {
    labels.emplace_back(std::move(name), std::move(value));
    return labels;
}

std::string types_text(uint32_t types) {
    std::string text;
    auto add = [&text](const char *name) { text += text.empty() ? name : std::string(",") + name; };
    if (types & TRACE_INFO) add("info");
    if (types & TRACE_WARN) add("warn");
    if (types & TRACE_ERR) add("err");
    if (types & TRACE_THRESH) add("thr");
    return text;
}

double as_double(uint64_t value) {
    return static_cast<double>(value);
}

}  // namespace

std::string event_type_label(uint32_t type) {
    switch (type) {
        case FS_EVENT_INFO:
            return "info";
        case FS_EVENT_WARN:
            return "warn";
        case FS_EVENT_ERR:
            return "err";
        case FS_EVENT_THRESH:
            return "thresh";
        case FS_EVENT_NEW_TRACE:
            return "new_trace";
        default:
            return "unknown_" + std::to_string(type);
    }
}

std::string event_id_label(uint32_t type, uint32_t id) {
    if (type == FS_EVENT_NEW_TRACE) return "FS_EVENT_NEW_TRACE";
    return event_id_name(id);
}

Registry::Registry(std::string version) : version_(std::move(version)) {}

void Registry::deliver(const Event &event) {
    std::lock_guard lock(mutex_);
    ++event_counts_[{event.type, event.id}];
    auto found = entries_.find(event.trace_id);
    if (found == entries_.end()) return;
    EntryState &state = found->second;
    if (event.type == FS_EVENT_THRESH) {
        // Without a direction (an RFC-style producer) we cannot tell whether
        // the level is now reached or left, so the state stays as it was.
        if (event.direction == FS_EVENT_DIR_NONE) return;
        bool reached = event.direction == FS_EVENT_DIR_FILLING;
        if (event.id == FS_THRESH_LR_REACHED) state.lower_reached = reached;
        if (event.id == FS_THRESH_UR_REACHED) state.upper_reached = reached;
    } else if (event.type == FS_EVENT_ERR) {
        state.error = true;
        ++state.error_count;
        // Kernels that stop ext4 after an error without SB_RDONLY (Debian's
        // 6.1) show it neither in statfs nor in the mount table.
        if (event.id == FS_ERR_RO_REMOUNT) state.read_only_by_error = true;
    } else if (event.type == FS_EVENT_INFO && event.id == FS_INFO_REMOUNT_RW) {
        state.read_only_by_error = false;
    }
}

void Registry::entry_created(const TraceEntry &entry) {
    std::lock_guard lock(mutex_);
    entries_[entry.id] = EntryState{entry};
}

void Registry::entry_changed(const TraceEntry &entry, bool thresholds_reset) {
    std::lock_guard lock(mutex_);
    EntryState &state = entries_[entry.id];
    state.entry = entry;
    if (thresholds_reset) {
        state.lower_reached = false;
        state.upper_reached = false;
    }
}

void Registry::entry_removed(const TraceEntry &entry, bool) {
    std::lock_guard lock(mutex_);
    entries_.erase(entry.id);
}

void Registry::count_config_write(bool accepted) {
    std::lock_guard lock(mutex_);
    ++(accepted ? config_writes_accepted_ : config_writes_rejected_);
}

void Registry::set_ring_buffer_drops_source(CounterSource source) {
    std::lock_guard lock(mutex_);
    ring_buffer_drops_ = std::move(source);
}

void Registry::set_netlink_send_errors_source(CounterSource source) {
    std::lock_guard lock(mutex_);
    netlink_send_errors_ = std::move(source);
}

void Registry::set_space_checks_source(CounterSource source) {
    std::lock_guard lock(mutex_);
    space_checks_ = std::move(source);
}

void Registry::set_bpf_programs_source(BpfStatsSource source, BpfStatsEnabled enabled) {
    std::lock_guard lock(mutex_);
    bpf_programs_ = std::move(source);
    bpf_stats_enabled_ = std::move(enabled);
}

void Registry::mount_table_changed(std::vector<MountInfo> mounts) {
    std::lock_guard lock(mutex_);
    mounts_ = std::move(mounts);
}

std::vector<Family> Registry::collect() const {
    // Copy under the lock; statfs and the sources run without it so a slow
    // filesystem never stalls the event loop.
    std::map<uint32_t, EntryState> entries;
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> event_counts;
    uint64_t accepted = 0, rejected = 0;
    CounterSource ring_buffer_drops, netlink_send_errors, space_checks;
    BpfStatsSource bpf_programs;
    BpfStatsEnabled bpf_stats_enabled;
    std::optional<std::vector<MountInfo>> known_mounts;
    {
        std::lock_guard lock(mutex_);
        entries = entries_;
        event_counts = event_counts_;
        accepted = config_writes_accepted_;
        rejected = config_writes_rejected_;
        ring_buffer_drops = ring_buffer_drops_;
        netlink_send_errors = netlink_send_errors_;
        space_checks = space_checks_;
        bpf_programs = bpf_programs_;
        bpf_stats_enabled = bpf_stats_enabled_;
        known_mounts = mounts_;
    }

    using enum MetricType;
    Family build_info{
        "fsev_build_info", "fsev-bpf version; always 1.", gauge, {{{{"version", version_}}, 1}}};
    Family entry_count{"fsev_trace_entries",
                       "Trace entries in the config file.",
                       gauge,
                       {{{}, as_double(entries.size())}}};
    Family entry_info{"fsev_trace_entry_info",
                      "One per trace entry; the types label lists what it watches.",
                      gauge,
                      {}};
    Family available_bytes{
        "fsev_available_bytes",
        "Space available to unprivileged users (statfs f_bavail * f_bsize), read at scrape time.",
        gauge,
        {}};
    Family available_blocks{"fsev_available_blocks",
                            "Blocks available to unprivileged users (statfs f_bavail).",
                            gauge,
                            {}};
    Family block_size{
        "fsev_block_size_bytes", "Filesystem block size (statfs f_bsize).", gauge, {}};
    Family lower_level{
        "fsev_threshold_lower_blocks",
        "Lower-range threshold L1 in available blocks (reached first while filling).",
        gauge,
        {}};
    Family upper_level{"fsev_threshold_upper_blocks",
                       "Upper-range threshold L2 in available blocks (closer to full).",
                       gauge,
                       {}};
    Family requested{"fsev_threshold_requested_info",
                     "L1/L2 as they were asked for when given as a share or an amount (the "
                     "requested label, e.g. 10% or 20G); the *_blocks metrics hold what they "
                     "resolved to.",
                     gauge,
                     {}};
    Family reached{"fsev_threshold_reached",
                   "1 while available blocks are at or below the level (lower = L1, upper = L2).",
                   gauge,
                   {}};
    Family read_only{"fsev_read_only",
                     "1 when the filesystem is read-only: mounted so (statfs), or switched by an "
                     "error (the superblock's options in the mount table, or an "
                     "FS_ERR_RO_REMOUNT event).",
                     gauge,
                     {}};
    Family error{"fsev_error",
                 "1 once an error event was seen for the entry; cleared when the entry is "
                 "re-created.",
                 gauge,
                 {}};
    Family errors{"fsev_errors_total", "Error events of the entry.", counter, {}};

    // The mount table says which mount shows each entry's filesystem, and
    // statfs's ST_RDONLY misses ext4's error switch ("emergency_ro", kernels
    // >= 6.15), which the superblock options show. The daemon hands over the
    // table at every mount change, so a scrape does not read it; it does
    // only when that copy is missing, or too old to show a mount a path
    // opens (a mount made since), once per scrape.
    std::optional<std::vector<MountInfo>> mounts = known_mounts;
    bool mounts_fresh = false;
    auto read_mounts = [&] {
        try {
            mounts = read_mountinfo("self");
        } catch (const std::system_error &) {
            mounts = std::vector<MountInfo>{};  // nothing can be checked: no space samples
        }
        mounts_fresh = true;
    };
    if (!mounts) read_mounts();
    std::set<dev_t> read_only_superblocks;
    for (const MountInfo &mount : *mounts)
        if (super_options_read_only(mount.super_options))
            read_only_superblocks.insert(mount.device);

    for (const auto &[id, state] : entries) {
        Labels labels = entry_labels(state.entry);
        Labels info = with(labels, "types", types_text(state.entry.types));
        if (!state.entry.rule.empty()) info = with(info, "rule", state.entry.rule);
        entry_info.samples.push_back({info, 1});
        if (state.entry.has_lower && !state.entry.lower_requested.empty())
            requested.samples.push_back(
                {with(with(labels, "level", "lower"), "requested", state.entry.lower_requested),
                 1});
        if (state.entry.has_upper && !state.entry.upper_requested.empty())
            requested.samples.push_back(
                {with(with(labels, "level", "upper"), "requested", state.entry.upper_requested),
                 1});
        if (state.entry.has_lower)
            lower_level.samples.push_back({labels, as_double(state.entry.lower_level)});
        if (state.entry.has_upper)
            upper_level.samples.push_back({labels, as_double(state.entry.upper_level)});
        if (state.entry.types & TRACE_THRESH) {
            if (state.entry.has_lower)
                reached.samples.push_back(
                    {with(labels, "level", "lower"), state.lower_reached ? 1.0 : 0.0});
            if (state.entry.has_upper)
                reached.samples.push_back(
                    {with(labels, "level", "upper"), state.upper_reached ? 1.0 : 0.0});
        }
        error.samples.push_back({labels, state.error ? 1.0 : 0.0});
        errors.samples.push_back({labels, as_double(state.error_count)});

        // Read through a mount that shows the entry's own filesystem (checked
        // by device). One covered by a later mount, mounted only in another
        // namespace, or gone before the entry was removed has no numbers:
        // better no sample, counted, than another filesystem's.
        std::optional<struct statfs> space =
            statfs_of_device(state.entry.device, state.entry.mount_point, *mounts);
        if (!space && !mounts_fresh) {
            read_mounts();
            space = statfs_of_device(state.entry.device, state.entry.mount_point, *mounts);
        }
        if (!space) {
            ++space_unreadable_;
            continue;
        }
        const struct statfs &numbers = *space;
        auto bsize = static_cast<uint64_t>(numbers.f_bsize);
        available_blocks.samples.push_back({labels, as_double(numbers.f_bavail)});
        available_bytes.samples.push_back({labels, as_double(numbers.f_bavail * bsize)});
        block_size.samples.push_back({labels, as_double(bsize)});
        bool is_read_only = (static_cast<unsigned long>(numbers.f_flags) & ST_RDONLY) ||
                            read_only_superblocks.count(state.entry.device) ||
                            state.read_only_by_error;
        read_only.samples.push_back({labels, is_read_only ? 1.0 : 0.0});
    }

    Family events{"fsev_events_total", "Events published, by type and event id.", counter, {}};
    for (const auto &[key, count] : event_counts)
        events.samples.push_back({{{"event", event_id_label(key.first, key.second)},
                                   {"type", event_type_label(key.first)}},
                                  as_double(count)});

    Family space_unreadable{
        "fsev_space_unreadable_total",
        "Scrapes that left out an entry's space samples because no mount in fsev-bpf's mount "
        "table shows its filesystem (its mount point covered by a later mount, mounted only in "
        "another mount namespace, or just unmounted).",
        counter,
        {{{}, as_double(space_unreadable_.load())}}};

    Family config_writes{"fsev_config_writes_total",
                         "Writes to the config file, by result (accepted or rejected).",
                         counter,
                         {{{{"result", "accepted"}}, as_double(accepted)},
                          {{{"result", "rejected"}}, as_double(rejected)}}};

    std::vector<Family> families{build_info,       entry_count, entry_info,    available_bytes,
                                 available_blocks, block_size,  lower_level,   upper_level,
                                 requested,        reached,     read_only,     error,
                                 errors,           events,      config_writes, space_unreadable};

    if (ring_buffer_drops)
        families.push_back({"fsev_ring_buffer_dropped_records_total",
                            "Records the BPF programs could not queue because the ring buffer "
                            "was full (failed bpf_ringbuf_reserve).",
                            counter,
                            {{{}, as_double(ring_buffer_drops())}}});
    if (netlink_send_errors)
        families.push_back({"fsev_netlink_send_errors_total",
                            "FS_EVENT netlink messages the daemon failed to send.",
                            counter,
                            {{{}, as_double(netlink_send_errors())}}});
    if (space_checks)
        families.push_back({"fsev_space_checks_total",
                            "statfs reads of filesystems without exact space hooks (XFS, btrfs, "
                            "tmpfs), each triggered by write activity BPF saw on them; an idle "
                            "filesystem adds none.",
                            counter,
                            {{{}, as_double(space_checks())}}});
    if (bpf_programs) {
        bool sysctl_on = bpf_stats_enabled && bpf_stats_enabled();
        families.push_back({"fsev_bpf_stats_enabled",
                            "1 when the sysctl kernel.bpf_stats_enabled is on (a BPF_ENABLE_STATS "
                            "file descriptor held by some process also turns counting on).",
                            gauge,
                            {{{}, sysctl_on ? 1.0 : 0.0}}});
        std::vector<BpfProgramStats> programs = bpf_programs();
        bool counted = sysctl_on;
        for (const BpfProgramStats &program : programs)
            counted = counted || program.run_count != 0 || program.run_time_ns != 0;
        // With counting never on, the kernel's zeros would read as "never ran".
        if (counted) {
            Family runs{"fsev_bpf_program_runs_total",
                        "Runs of each BPF program while kernel statistics were on.",
                        counter,
                        {}};
            Family run_time{"fsev_bpf_program_run_time_seconds_total",
                            "Time spent in each BPF program while kernel statistics were on.",
                            counter,
                            {}};
            for (const BpfProgramStats &program : programs) {
                runs.samples.push_back({{{"program", program.name}}, as_double(program.run_count)});
                run_time.samples.push_back(
                    {{{"program", program.name}}, as_double(program.run_time_ns) / 1e9});
            }
            families.push_back(std::move(runs));
            families.push_back(std::move(run_time));
        }
    }
    return families;
}

}  // namespace fsev::metrics
