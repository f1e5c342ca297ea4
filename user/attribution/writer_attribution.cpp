#include "attribution/writer_attribution.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "attribution/writer_counts.h"
#include "metrics/text_format.h"

namespace fsev {
namespace {

std::string workload_text(const std::string &cgroup_path) {
    Workload workload = workload_of(cgroup_path);
    if (workload.kind.empty()) return {};
    return workload.kind + " " + workload.name;
}

std::string bytes_text(uint64_t bytes) {
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        unit++;
    }
    std::ostringstream out;
    out.precision(unit == 0 ? 0 : 1);
    out << std::fixed << value << " " << units[unit];
    return out.str();
}

}  // namespace

WriterAttribution::WriterAttribution(WriterMapFds maps, std::chrono::milliseconds period,
                                     std::string cgroup_root,
                                     std::chrono::nanoseconds batch_snapshot_age)
    : maps_(maps),
      batch_snapshot_age_(batch_snapshot_age),
      timer_("writer snapshots"),
      windows_(kLongWindow),
      cgroups_(std::move(cgroup_root)) {
    timer_.start_every(period);
    std::lock_guard lock(mutex_);
    snapshot_locked(true);
}

void WriterAttribution::snapshot_locked(bool periodic) {
    windows_.add_snapshot(WriterWindows::Clock::now(), read_writer_counts(maps_), periodic);
}

void WriterAttribution::on_timer() {
    timer_.expirations();  // a snapshot when it has not fired does no harm
    std::lock_guard lock(mutex_);
    snapshot_locked(true);
}

std::vector<EventWriter> WriterAttribution::named(const TopWriters &top) {
    std::vector<EventWriter> writers;
    for (const WriterCount &count : top.writers) {
        EventWriter writer;
        writer.pid = count.tgid;
        writer.comm = count.comm;
        writer.cgroup_id = count.cgroup_id;
        writer.cgroup = cgroups_.describe(count.cgroup_id);
        writer.workload = workload_text(writer.cgroup);
        writer.bytes = count.bytes;
        writers.push_back(std::move(writer));
    }
    return writers;
}

void WriterAttribution::add_writers(Event &event) {
    bool enospc = event.type == FS_EVENT_WARN &&
                  (event.id == FS_WARN_ENOSPC || event.id == FS_WARN_ENOSPC_META);
    if ((event.type != FS_EVENT_THRESH && !enospc) || !event.has_device) return;
    std::lock_guard lock(mutex_);
    const EventTop &top = event_top_locked((event.dev_major << 20) | event.dev_minor);
    event.writers_window_seconds = static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(kShortWindow).count());
    event.writers = top.writers;
    event.other_writers_bytes = top.other_bytes;
}

const WriterAttribution::EventTop &WriterAttribution::event_top_locked(uint32_t device) {
    auto now = WriterWindows::Clock::now();
    if (!event_snapshot_shared_ || open_batches_ == 0 ||
        now - event_snapshot_taken_ >= batch_snapshot_age_) {
        snapshot_locked(false);
        event_snapshot_taken_ = now;
        event_snapshot_shared_ = open_batches_ > 0;
        event_tops_.clear();
    }
    auto found = event_tops_.find(device);
    if (found == event_tops_.end()) {
        TopWriters top = windows_.top(device, kShortWindow, kEventWriters);
        found = event_tops_.emplace(device, EventTop{named(top), top.other_bytes}).first;
    }
    return found->second;
}

WriterAttribution::Batch::Batch(WriterAttribution &attribution) : attribution_(attribution) {
    std::lock_guard lock(attribution_.mutex_);
    // A new batch starts with a snapshot of its own.
    if (attribution_.open_batches_++ == 0) attribution_.event_snapshot_shared_ = false;
}

WriterAttribution::Batch::~Batch() {
    std::lock_guard lock(attribution_.mutex_);
    --attribution_.open_batches_;
}

std::string WriterAttribution::writers_text(const std::vector<AttributedFilesystem> &filesystems) {
    std::lock_guard lock(mutex_);
    snapshot_locked(false);
    std::ostringstream out;
    for (const AttributedFilesystem &filesystem : filesystems) {
        for (auto window :
             {std::chrono::nanoseconds(kShortWindow), std::chrono::nanoseconds(kLongWindow)}) {
            TopWriters top = windows_.top(filesystem.kernel_device, window, kEventWriters);
            auto minutes = std::chrono::duration_cast<std::chrono::minutes>(window).count();
            auto covered = std::chrono::duration_cast<std::chrono::seconds>(top.covered).count();
            out << filesystem.mount_point << " last " << minutes << "m (" << covered
                << "s seen):\n";
            for (const EventWriter &writer : named(top)) {
                out << "  " << bytes_text(writer.bytes) << " (" << writer.bytes << ") pid "
                    << writer.pid << " " << writer.comm << " cgroup " << writer.cgroup;
                if (!writer.workload.empty()) out << " (" << writer.workload << ")";
                out << "\n";
            }
            if (top.other_bytes)
                out << "  " << bytes_text(top.other_bytes) << " (" << top.other_bytes
                    << ") others\n";
            if (top.writers.empty()) out << "  nobody\n";
        }
    }
    return out.str();
}

std::string WriterAttribution::metrics_text(const std::vector<AttributedFilesystem> &filesystems) {
    std::lock_guard lock(mutex_);
    snapshot_locked(false);  // a scrape sees the counts as they are now
    std::ostringstream out;
    out << "# HELP fsev_written_bytes_total Space taken (reserved or allocated) per cgroup on a "
           "traced filesystem since fsev-bpf started; the top cgroups per filesystem, the rest "
           "as cgroup=\"other\".\n"
           "# TYPE fsev_written_bytes_total counter\n";
    for (const AttributedFilesystem &filesystem : filesystems) {
        std::map<uint64_t, uint64_t> by_cgroup;
        for (const WriterCount &count : windows_.totals(filesystem.kernel_device))
            by_cgroup[count.cgroup_id] += count.bytes;
        std::vector<std::pair<uint64_t, uint64_t>> ranked(by_cgroup.begin(), by_cgroup.end());
        std::sort(ranked.begin(), ranked.end(),
                  [](const auto &a, const auto &b) { return a.second > b.second; });
        uint64_t other = 0;
        std::string mount = metrics::escape_label_value(filesystem.mount_point);
        for (size_t i = 0; i < ranked.size(); i++) {
            if (i >= kMetricWriters) {
                other += ranked[i].second;
                continue;
            }
            out << "fsev_written_bytes_total{mountpoint=\"" << mount << "\",cgroup=\""
                << metrics::escape_label_value(cgroups_.describe(ranked[i].first)) << "\"} "
                << ranked[i].second << "\n";
        }
        out << "fsev_written_bytes_total{mountpoint=\"" << mount << "\",cgroup=\"other\"} " << other
            << "\n";
    }
    return out.str();
}

}  // namespace fsev
