#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/event.h"
#include "metrics/text_format.h"
#include "model/trace_entry.h"
#include "mounts/mountinfo.h"

namespace fsev::metrics {

// One BPF program's kernel statistics (bpf_prog_info run_cnt/run_time_ns).
struct BpfProgramStats {
    std::string name;
    uint64_t run_count = 0;
    uint64_t run_time_ns = 0;
};

// Everything /metrics shows. It listens to the same events the netlink
// publisher gets and to the trace table, and reads the live numbers (statfs,
// BPF statistics, counters owned elsewhere) when Prometheus scrapes.
// Thread-safe: the event loop feeds it while the HTTP thread collects.
class Registry : public EventSink, public TraceTableObserver {
  public:
    using CounterSource = std::function<uint64_t()>;
    using BpfStatsSource = std::function<std::vector<BpfProgramStats>()>;
    using BpfStatsEnabled = std::function<bool()>;

    explicit Registry(std::string version);

    void deliver(const Event &event) override;
    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    // Called by the config file code for every write it accepts or rejects.
    void count_config_write(bool accepted);
    // Counters that live elsewhere, read at scrape time. A family whose
    // source is not set is left out rather than shown as a made-up 0.
    void set_ring_buffer_drops_source(CounterSource source);
    void set_netlink_send_errors_source(CounterSource source);
    // statfs checks of filesystems without exact hooks, made on activity.
    void set_space_checks_source(CounterSource source);
    // The daemon's BPF programs; `enabled` reads kernel.bpf_stats_enabled.
    // Run counts are shown once the kernel has counted anything (the sysctl
    // is on, or some process holds a BPF_ENABLE_STATS fd, which the sysctl
    // does not show); before that they would be a misleading 0.
    void set_bpf_programs_source(BpfStatsSource source, BpfStatsEnabled enabled);

    // The daemon's mount table, handed over at start and at every mount
    // change, so scrapes need not read it (they do while none was given).
    void mount_table_changed(std::vector<MountInfo> mounts);

    std::vector<Family> collect() const;
    std::string render_text() const { return render(collect()); }

  private:
    struct EntryState {
        TraceEntry entry;
        bool lower_reached = false;
        bool upper_reached = false;
        bool error = false;  // an ERR event was seen since the entry was created
        uint64_t error_count = 0;
        bool read_only_by_error = false;  // FS_ERR_RO_REMOUNT seen, no remount rw since
    };

    mutable std::mutex mutex_;
    std::string version_;
    std::map<uint32_t, EntryState> entries_;                          // by trace id
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> event_counts_;  // (type, id)
    uint64_t config_writes_accepted_ = 0;
    uint64_t config_writes_rejected_ = 0;
    CounterSource ring_buffer_drops_;
    CounterSource netlink_send_errors_;
    CounterSource space_checks_;
    BpfStatsSource bpf_programs_;
    BpfStatsEnabled bpf_stats_enabled_;
    mutable std::atomic<uint64_t> space_unreadable_{0};  // counted by collect()
    std::optional<std::vector<MountInfo>> mounts_;
};

// Names used in the `type` and `event` labels of fsev_events_total.
std::string event_type_label(uint32_t type);
std::string event_id_label(uint32_t type, uint32_t id);

}  // namespace fsev::metrics
