#include "config/trace_table.h"

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "config/listing.h"

namespace fsev {

namespace {

bool same_entry(const TraceEntry &a, const TraceEntry &b) {
    return a.id == b.id && a.device == b.device && a.types == b.types &&
           a.has_lower == b.has_lower && a.has_upper == b.has_upper &&
           a.lower_level == b.lower_level && a.upper_level == b.upper_level &&
           a.mount_point == b.mount_point && a.fstype == b.fstype && a.source == b.source;
}

void clear_levels(TraceEntry &entry) {
    entry.has_lower = entry.has_upper = false;
    entry.lower_level = entry.upper_level = 0;
}

}  // namespace

uint32_t deliverable_types(const std::string &fstype) {
    return fstype == "ext4" ? TRACE_ALL : TRACE_INFO;
}

TraceTable::TraceTable(uint32_t max_id) : max_id_(max_id < 1 ? 1 : max_id) {}

void TraceTable::add_observer(TraceTableObserver *observer) {
    std::lock_guard lock(apply_mutex_);
    observers_.push_back(observer);
}

void TraceTable::set_recorder(Recorder recorder) {
    std::lock_guard lock(apply_mutex_);
    recorder_ = std::move(recorder);
}

std::vector<TraceEntry> TraceTable::entries() const {
    std::lock_guard lock(state_mutex_);
    std::vector<TraceEntry> snapshot;
    snapshot.reserve(entries_.size());
    for (const auto &[id, entry] : entries_) snapshot.push_back(entry);
    return snapshot;
}

std::string TraceTable::listing() const {
    return format_listing(entries());
}

void TraceTable::apply_write(std::string_view text, PathResolver &resolver) {
    apply(parse_write(text), resolver);
}

void TraceTable::apply(const ParsedWrite &write, PathResolver &resolver) {
    std::lock_guard lock(apply_mutex_);
    Staged staged;
    {
        std::lock_guard state_lock(state_mutex_);
        staged.entries = entries_;
        staged.next_id = next_id_;
    }
    if (write.remove_all) staged.entries.clear();
    for (const auto &request : write.requests) apply_request(staged, request, resolver);
    if (recorder_) {
        std::vector<TraceEntry> would_be;
        for (const auto &[id, entry] : staged.entries) would_be.push_back(entry);
        try {
            recorder_(format_listing(would_be));
        } catch (const std::system_error &error) {
            throw RequestError(error.code().value(),
                               std::string("cannot record the configuration: ") + error.what());
        }
    }
    commit(staged, false);
}

uint32_t TraceTable::allocate_id(Staged &staged) const {
    // Cyclic: the id after the last one handed out, skipping live ones, so a
    // consumer never sees an id come back while its entry still exists.
    uint32_t candidate = staged.next_id;
    for (uint64_t tried = 0; tried < max_id_; ++tried) {
        if (candidate == 0 || candidate > max_id_) candidate = 1;
        if (!staged.entries.count(candidate)) {
            staged.next_id = candidate == max_id_ ? 1 : candidate + 1;
            return candidate;
        }
        ++candidate;
    }
    return 0;
}

void TraceTable::apply_request(Staged &staged, const Request &request,
                               PathResolver &resolver) const {
    ResolvedFilesystem filesystem;
    try {
        filesystem = resolver.resolve(request.mount);
    } catch (const std::system_error &error) {
        throw RequestError(error.code().value(), request.describe() + ": " + error.what());
    }
    auto found = std::find_if(staged.entries.begin(), staged.entries.end(), [&](const auto &item) {
        return item.second.device == filesystem.device;
    });

    if (request.remove) {
        if (found == staged.entries.end())
            throw RequestError(
                EINVAL, request.describe() + ": " + filesystem.mount_point + " is not traced");
        TraceEntry &entry = found->second;
        if (request.types == 0) {
            staged.entries.erase(found);
            return;
        }
        entry.types &= ~request.types;
        if (request.types & TRACE_THRESH) clear_levels(entry);
        if (entry.types == 0) staged.entries.erase(found);  // watching nothing: gone
        return;
    }

    uint32_t unsupported = request.types & ~deliverable_types(filesystem.fstype);
    if (unsupported)
        throw RequestError(EOPNOTSUPP, request.describe() + ": " + filesystem.fstype +
                                           " cannot deliver " + type_names(unsupported) +
                                           " events (it can: " +
                                           type_names(deliverable_types(filesystem.fstype)) + ")");
    bool has_thresh = found != staged.entries.end() && (found->second.types & TRACE_THRESH);
    if ((request.types & TRACE_THRESH) && !has_thresh && !request.lower)
        throw RequestError(EINVAL, request.describe() + ": thr needs L1 (and optionally L2)");

    if (found == staged.entries.end()) {
        TraceEntry entry;
        entry.id = allocate_id(staged);
        if (entry.id == 0)
            throw RequestError(ENOSPC, request.describe() + ": every trace id is in use");
        entry.device = filesystem.device;
        entry.mount_point = filesystem.mount_point;
        entry.fstype = filesystem.fstype;
        entry.source = filesystem.source;
        found = staged.entries.emplace(entry.id, entry).first;
    }
    TraceEntry &entry = found->second;
    entry.types |= request.types;
    if (request.lower) {
        entry.has_lower = true;
        entry.lower_level = *request.lower;
        entry.has_upper = request.upper.has_value();
        entry.upper_level = request.upper.value_or(0);
        staged.thresholds_reset.push_back(entry.id);
    }
}

void TraceTable::sync_with_mounts(const std::multimap<dev_t, std::string> &mount_points) {
    std::lock_guard lock(apply_mutex_);
    Staged staged;
    {
        std::lock_guard state_lock(state_mutex_);
        staged.entries = entries_;
        staged.next_id = next_id_;
    }
    for (auto it = staged.entries.begin(); it != staged.entries.end();) {
        TraceEntry &entry = it->second;
        auto [first, last] = mount_points.equal_range(entry.device);
        if (first == last) {
            it = staged.entries.erase(it);
            continue;
        }
        bool still_there = std::any_of(
            first, last, [&](const auto &mount) { return mount.second == entry.mount_point; });
        if (!still_there) entry.mount_point = first->second;
        ++it;
    }
    commit(staged, true);
}

void TraceTable::commit(Staged &staged, bool filesystem_gone) {
    Entries previous;
    {
        std::lock_guard state_lock(state_mutex_);
        previous = std::exchange(entries_, staged.entries);
        next_id_ = staged.next_id;
    }
    auto reset = [&staged](uint32_t id) {
        return std::find(staged.thresholds_reset.begin(), staged.thresholds_reset.end(), id) !=
               staged.thresholds_reset.end();
    };
    for (const auto &[id, entry] : previous)
        if (!staged.entries.count(id))
            for (auto *observer : observers_) observer->entry_removed(entry, filesystem_gone);
    for (const auto &[id, entry] : staged.entries) {
        auto before = previous.find(id);
        if (before == previous.end()) continue;
        bool thresholds_reset = reset(id);
        if (thresholds_reset || !same_entry(before->second, entry))
            for (auto *observer : observers_) observer->entry_changed(entry, thresholds_reset);
    }
    for (const auto &[id, entry] : staged.entries)
        if (!previous.count(id))
            for (auto *observer : observers_) observer->entry_created(entry);
}

}  // namespace fsev
