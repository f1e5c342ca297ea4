#include "prediction/full_soon_watch.h"

#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <sstream>
#include <vector>

#include "metrics/text_format.h"

namespace fsev {

FullSoonWatch::FullSoonWatch(Publish publish, std::chrono::milliseconds period)
    : publish_(std::move(publish)), timer_("fill prediction") {
    timer_.start_every(period);
}

void FullSoonWatch::on_timer() {
    timer_.expirations();  // sampling when it has not fired does no harm
    std::vector<Event> warnings;
    {
        std::lock_guard lock(mutex_);
        for (auto &[id, watched] : watched_) {
            struct statvfs status {};
            if (::statvfs(watched.entry.mount_point.c_str(), &status) != 0) continue;
            uint64_t block_size = status.f_frsize ? status.f_frsize : status.f_bsize;
            uint64_t available = status.f_bavail * block_size;
            // The entry's levels count blocks of the filesystem (statfs f_bsize).
            uint64_t level =
                watched.entry.has_upper ? watched.entry.upper_level * status.f_bsize : 0;
            if (!watched.predictor.add_sample(FillPredictor::Clock::now(), available, level))
                continue;
            Event event;
            event.type = FS_EVENT_WARN;
            event.id = FS_WARN_FULL_SOON;
            event.trace_id = watched.entry.id;
            event.has_device = major(watched.entry.device) != 0;
            event.dev_major = major(watched.entry.device);
            event.dev_minor = minor(watched.entry.device);
            event.mount_point = watched.entry.mount_point;
            warnings.push_back(event);
        }
    }
    // Published outside the lock: publishing may ask the trace table, whose
    // observers (this one too) are called under its own lock.
    for (const Event &event : warnings) publish_(event);
}

void FullSoonWatch::entry_created(const TraceEntry &entry) {
    entry_changed(entry, true);
}

void FullSoonWatch::entry_changed(const TraceEntry &entry, bool thresholds_reset) {
    std::lock_guard lock(mutex_);
    auto found = watched_.find(entry.id);
    if (entry.predict_seconds == 0) {
        if (found != watched_.end()) watched_.erase(found);
        return;
    }
    auto horizon = std::chrono::seconds(entry.predict_seconds);
    // A new horizon or new levels start the prediction again.
    if (found == watched_.end() || thresholds_reset ||
        found->second.predictor.horizon() != horizon) {
        watched_.erase(entry.id);
        watched_.emplace(entry.id, Watched{entry, FillPredictor(horizon)});
        return;
    }
    found->second.entry = entry;
}

void FullSoonWatch::entry_removed(const TraceEntry &entry, bool /*filesystem_gone*/) {
    std::lock_guard lock(mutex_);
    watched_.erase(entry.id);
}

std::string FullSoonWatch::metrics_text() {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    out << "# HELP fsev_seconds_until_full Seconds until L2 (or full, without L2) at the current "
           "fill rate, for entries with predict; absent while not filling or still sampling.\n"
           "# TYPE fsev_seconds_until_full gauge\n";
    for (const auto &[id, watched] : watched_) {
        auto seconds = watched.predictor.seconds_until_level();
        if (!seconds) continue;
        out << "fsev_seconds_until_full{mountpoint=\""
            << metrics::escape_label_value(watched.entry.mount_point) << "\",trace_id=\"" << id
            << "\"} " << *seconds << "\n";
    }
    return out.str();
}

}  // namespace fsev
