#include "attribution/writer_windows.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace fsev {
namespace {

using WriterId = std::tuple<uint64_t, uint32_t>;  // cgroup id, tgid

std::map<WriterId, const WriterCount *> index_of(const std::vector<WriterCount> &counts,
                                                 uint32_t device) {
    std::map<WriterId, const WriterCount *> index;
    for (const WriterCount &count : counts)
        if (count.device == device) index[{count.cgroup_id, count.tgid}] = &count;
    return index;
}

}  // namespace

void WriterWindows::add_snapshot(Clock::time_point when, std::vector<WriterCount> counts,
                                 bool periodic) {
    if (!snapshots_.empty()) {
        // A count read lower than before from the same entry (same
        // first_ns) is a read that missed units moving from a CPU's slot to
        // the entry: the entry never shrinks, so the last count stands.
        std::map<std::tuple<uint32_t, uint64_t, uint32_t>, const WriterCount *> last;
        for (const WriterCount &count : snapshots_.back().counts)
            last[{count.device, count.cgroup_id, count.tgid}] = &count;
        for (WriterCount &count : counts) {
            auto found = last.find({count.device, count.cgroup_id, count.tgid});
            if (found != last.end() && found->second->first_ns == count.first_ns &&
                found->second->bytes > count.bytes)
                count.bytes = found->second->bytes;
        }
    }
    if (!snapshots_.empty() && !snapshots_.back().periodic) snapshots_.pop_back();
    snapshots_.push_back(Snapshot{when, std::move(counts), periodic});
    // Keep the newest snapshot at or before `when - longest`: it starts the
    // longest window.
    while (snapshots_.size() > 2 && snapshots_[1].when <= when - longest_) snapshots_.pop_front();
}

TopWriters WriterWindows::top(uint32_t device, std::chrono::nanoseconds window, size_t k) const {
    TopWriters result;
    if (snapshots_.empty()) return result;
    const Snapshot &now = snapshots_.back();
    // The window starts at the newest snapshot at or before now - window;
    // without one, at the oldest (the window is then only partly covered).
    const Snapshot *start = &snapshots_.front();
    for (const Snapshot &snapshot : snapshots_)
        if (snapshot.when <= now.when - window) start = &snapshot;
    result.covered = now.when - start->when;
    auto before = index_of(start->counts, device);
    std::vector<WriterCount> grown;
    for (const WriterCount &count : now.counts) {
        if (count.device != device) continue;
        WriterCount delta = count;
        auto found = before.find({count.cgroup_id, count.tgid});
        // Seen at the start: what it grew since. Absent: the entry was made
        // within the window (the map counts from the entry's creation).
        if (start != &now && found != before.end() && found->second->bytes <= count.bytes)
            delta.bytes = count.bytes - found->second->bytes;
        else if (start == &now)
            delta.bytes = 0;
        if (delta.bytes > 0) grown.push_back(std::move(delta));
    }
    std::sort(grown.begin(), grown.end(), [](const WriterCount &a, const WriterCount &b) {
        return std::tie(b.bytes, a.cgroup_id, a.tgid) < std::tie(a.bytes, b.cgroup_id, b.tgid);
    });
    for (size_t i = 0; i < grown.size(); i++) {
        if (i < k)
            result.writers.push_back(grown[i]);
        else
            result.other_bytes += grown[i].bytes;
    }
    return result;
}

std::vector<WriterCount> WriterWindows::totals(uint32_t device) const {
    std::vector<WriterCount> result;
    if (snapshots_.empty()) return result;
    for (const WriterCount &count : snapshots_.back().counts)
        if (count.device == device) result.push_back(count);
    return result;
}

}  // namespace fsev
