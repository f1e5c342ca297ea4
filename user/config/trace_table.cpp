#include "config/trace_table.h"

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "config/listing.h"

namespace fsev {

namespace {

bool same_levels(const TraceEntry &a, const TraceEntry &b) {
    return a.has_lower == b.has_lower && a.has_upper == b.has_upper &&
           a.lower_level == b.lower_level && a.upper_level == b.upper_level;
}

bool same_entry(const TraceEntry &a, const TraceEntry &b) {
    return a.id == b.id && a.device == b.device && a.types == b.types && same_levels(a, b) &&
           a.mount_point == b.mount_point && a.fstype == b.fstype && a.source == b.source &&
           a.lower_requested == b.lower_requested && a.upper_requested == b.upper_requested &&
           a.rule == b.rule && a.predict_seconds == b.predict_seconds;
}

void clear_levels(TraceEntry &entry) {
    entry.has_lower = entry.has_upper = false;
    entry.lower_level = entry.upper_level = 0;
    entry.lower_requested.clear();
    entry.upper_requested.clear();
}

std::string requested_text(const std::optional<Level> &level) {
    return level && level->needs_size() ? level->text : std::string();
}

// "10% (= 5143 blocks)" for messages; plain block counts as they are.
std::string level_text(const Level &level, uint64_t blocks) {
    if (!level.needs_size()) return level.text;
    return level.text + " (" + std::to_string(blocks) + " blocks)";
}

void set_levels(TraceEntry &entry, const Level &lower, const std::optional<Level> &upper,
                uint64_t lower_blocks, uint64_t upper_blocks) {
    entry.has_lower = true;
    entry.lower_level = lower_blocks;
    entry.has_upper = upper.has_value();
    entry.upper_level = upper ? upper_blocks : 0;
    entry.lower_requested = requested_text(lower);
    entry.upper_requested = requested_text(upper);
}

}  // namespace

TraceTable::TraceTable(uint32_t max_id, FilesystemSupport support)
    : max_id_(max_id < 1 ? 1 : max_id), support_(std::move(support)) {}

void TraceTable::add_observer(TraceTableObserver *observer) {
    std::lock_guard lock(apply_mutex_);
    observers_.push_back(observer);
}

void TraceTable::set_recorder(Recorder recorder) {
    std::lock_guard lock(apply_mutex_);
    recorder_ = std::move(recorder);
}

void TraceTable::set_mounted_filesystems(MountedFilesystems *mounted) {
    std::lock_guard lock(apply_mutex_);
    mounted_ = mounted;
}

void TraceTable::set_notice_sink(std::function<void(const std::string &)> sink) {
    std::lock_guard lock(apply_mutex_);
    notice_sink_ = std::move(sink);
}

std::vector<Rule> TraceTable::rules() const {
    std::lock_guard lock(state_mutex_);
    return rules_;
}

std::vector<TraceEntry> TraceTable::entries() const {
    std::lock_guard lock(state_mutex_);
    std::vector<TraceEntry> snapshot;
    snapshot.reserve(entries_.size());
    for (const auto &[id, entry] : entries_) snapshot.push_back(entry);
    return snapshot;
}

std::string TraceTable::listing() const {
    std::string text = format_listing(entries());
    for (const Rule &rule : rules()) text += format_rule(rule) + '\n';
    return text;
}

TraceTable::Staged TraceTable::stage() const {
    std::lock_guard state_lock(state_mutex_);
    Staged staged;
    staged.entries = entries_;
    staged.next_id = next_id_;
    staged.rules = rules_;
    staged.written = written_;
    return staged;
}

void TraceTable::apply_write(std::string_view text, PathResolver &resolver) {
    apply(parse_write(text), resolver);
}

void TraceTable::apply(const ParsedWrite &write, PathResolver &resolver) {
    std::lock_guard lock(apply_mutex_);
    Staged staged = stage();
    bool rules_changed = false;
    if (write.remove_all) {
        // Every entry and every rule: nothing comes back at the next mount.
        staged.entries.clear();
        staged.rules.clear();
        staged.written.clear();
    }
    for (const auto &request : write.requests) {
        if (request.rule) {
            apply_rule_request(staged, request);
            rules_changed = true;
        } else {
            apply_request(staged, request, resolver);
        }
    }
    if (rules_changed) apply_rules(staged, true);
    if (recorder_) {
        // What was written (rule-made entries come back with their rules),
        // then the rules, as the listing shows them.
        std::vector<TraceEntry> written;
        for (const auto &[id, entry] : staged.entries)
            if (staged.written.count(entry.device)) written.push_back(entry);
        std::string text = format_listing(written);
        for (const Rule &rule : staged.rules) text += format_rule(rule) + '\n';
        try {
            recorder_(text);
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
    // A written request takes the filesystem over from any rule: the entry a
    // rule made becomes a written one, and a removal sticks until unmount.
    staged.written.insert(filesystem.device);
    if (found != staged.entries.end()) found->second.rule.clear();

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

    uint32_t deliverable = support_.deliverable_types(filesystem.fstype);
    uint32_t unsupported = request.types & ~deliverable;
    if (unsupported)
        throw RequestError(EOPNOTSUPP, request.describe() + ": " + filesystem.fstype +
                                           " cannot deliver " + type_names(unsupported) +
                                           " events (it can: " + type_names(deliverable) + "): " +
                                           support_.why_not(filesystem.fstype, unsupported));
    bool has_thresh = found != staged.entries.end() && (found->second.types & TRACE_THRESH);
    if ((request.types & TRACE_THRESH) && !has_thresh && !request.lower)
        throw RequestError(EINVAL, request.describe() + ": thr needs L1 (and optionally L2)");

    if (found == staged.entries.end()) {
        TraceEntry entry;
        entry.id = allocate_id(staged);
        if (entry.id == 0)
            throw RequestError(ENOSPC, request.describe() + ": every trace id is in use");
        entry.device = filesystem.device;
        entry.file_device = filesystem.file_device ? filesystem.file_device : filesystem.device;
        entry.mount_point = filesystem.mount_point;
        entry.fstype = filesystem.fstype;
        entry.source = filesystem.source;
        found = staged.entries.emplace(entry.id, entry).first;
    }
    TraceEntry &entry = found->second;
    entry.types |= request.types;
    if (request.predict_seconds) entry.predict_seconds = *request.predict_seconds;
    if (request.lower) {
        FilesystemSize size;
        if (request.lower->needs_size() || (request.upper && request.upper->needs_size())) {
            try {
                size = resolver.size(filesystem);
            } catch (const std::system_error &error) {
                throw RequestError(error.code().value(), request.describe() + ": " + error.what());
            }
        }
        uint64_t lower = request.lower->resolve(size.total_blocks, size.block_size);
        uint64_t upper =
            request.upper ? request.upper->resolve(size.total_blocks, size.block_size) : 0;
        if (request.upper && lower < upper)
            throw RequestError(EINVAL, request.describe() + ": on " + filesystem.mount_point +
                                           " L1 " + level_text(*request.lower, lower) +
                                           " is below L2 " + level_text(*request.upper, upper));
        set_levels(entry, *request.lower, request.upper, lower, upper);
        staged.thresholds_reset.push_back(entry.id);
    }
}

void TraceTable::apply_rule_request(Staged &staged, const Request &request) const {
    auto found = std::find_if(staged.rules.begin(), staged.rules.end(), [&](const Rule &rule) {
        return rule.selector.text == request.mount;
    });
    if (request.remove) {
        if (found == staged.rules.end())
            throw RequestError(EINVAL, request.describe() + ": there is no rule @" + request.mount);
        staged.rules.erase(found);
        return;
    }
    std::string why;
    Rule rule;
    rule.selector = *parse_selector(request.mount, why);  // the parser checked it
    rule.types = request.types;
    rule.lower = request.lower;
    rule.upper = request.upper;
    // Setting a rule again replaces it in place: its order among rules stays.
    if (found != staged.rules.end())
        *found = std::move(rule);
    else
        staged.rules.push_back(std::move(rule));
}

void TraceTable::apply_rules(Staged &staged, bool refresh) const {
    std::vector<ResolvedFilesystem> mounts;
    if (mounted_ && !staged.rules.empty()) {
        try {
            mounts = mounted_->list();
        } catch (const std::system_error &error) {
            staged.notices.push_back(std::string("rules not applied: ") + error.what());
            return;
        }
    }
    std::vector<dev_t> devices;  // in mount-table order
    std::multimap<dev_t, const ResolvedFilesystem *> mounts_of;
    for (const auto &mount : mounts) {
        if (!mounts_of.count(mount.device)) devices.push_back(mount.device);
        mounts_of.emplace(mount.device, &mount);
    }
    auto entry_of = [&staged](dev_t device) {
        return std::find_if(staged.entries.begin(), staged.entries.end(),
                            [device](const auto &item) { return item.second.device == device; });
    };
    if (refresh) {
        // Entries of rules that are gone, or of filesystems no longer mounted.
        for (auto it = staged.entries.begin(); it != staged.entries.end();) {
            if (!it->second.rule.empty() && !mounts_of.count(it->second.device))
                it = staged.entries.erase(it);
            else
                ++it;
        }
    }
    for (dev_t device : devices) {
        if (staged.written.count(device)) continue;
        auto existing = entry_of(device);
        bool have = existing != staged.entries.end();
        if (have && (existing->second.rule.empty() || !refresh)) continue;

        const Rule *rule = nullptr;
        const ResolvedFilesystem *mount = nullptr;
        auto [first, last] = mounts_of.equal_range(device);
        for (const Rule &candidate : staged.rules) {
            for (auto it = first; it != last && !mount; ++it)
                if (candidate.selector.matches(*it->second)) mount = it->second;
            if (mount) {
                rule = &candidate;
                break;
            }
        }
        if (!rule) {
            if (have) staged.entries.erase(existing);
            continue;
        }

        TraceEntry wanted = have ? existing->second : TraceEntry{};
        wanted.device = device;
        if (!have) {
            wanted.mount_point = mount->mount_point;
            wanted.fstype = mount->fstype;
            wanted.source = mount->source;
        }
        wanted.rule = '@' + rule->selector.text;
        std::string cannot;
        uint32_t deliverable = support_.deliverable_types(mount->fstype);
        wanted.types = rule->types & deliverable;
        if (rule->types & ~deliverable)
            cannot = mount->fstype + " cannot deliver " + type_names(rule->types & ~deliverable);
        clear_levels(wanted);
        if (wanted.types & TRACE_THRESH) {
            FilesystemSize size;
            std::string why_not;
            try {
                if (rule->lower->needs_size() || (rule->upper && rule->upper->needs_size()))
                    size = mounted_->size(*mount);
                uint64_t lower = rule->lower->resolve(size.total_blocks, size.block_size);
                uint64_t upper =
                    rule->upper ? rule->upper->resolve(size.total_blocks, size.block_size) : 0;
                if (rule->upper && lower < upper)
                    why_not = "L1 " + level_text(*rule->lower, lower) + " is below L2 " +
                              level_text(*rule->upper, upper) + " here";
                else
                    set_levels(wanted, *rule->lower, rule->upper, lower, upper);
            } catch (const std::system_error &error) {
                why_not = std::string("its size is unknown: ") + error.what();
            }
            if (!why_not.empty()) {
                wanted.types &= ~TRACE_THRESH;
                cannot += (cannot.empty() ? "" : "; ") + std::string("no thr: ") + why_not;
            }
        }
        std::string where = "rule " + wanted.rule + " on " + mount->mount_point + " (" +
                            mount->fstype + " " + mount->source + "): ";
        if (wanted.types == 0) {
            if (have) staged.entries.erase(existing);
            staged.notices.push_back(where + cannot + "; not traced");
            continue;
        }
        if (have && same_entry(existing->second, wanted)) continue;
        if (!have) {
            wanted.id = allocate_id(staged);
            if (wanted.id == 0) {
                staged.notices.push_back(where + "every trace id is in use; not traced");
                continue;
            }
            staged.entries.emplace(wanted.id, wanted);
        } else {
            if (!same_levels(existing->second, wanted))
                staged.thresholds_reset.push_back(wanted.id);
            existing->second = wanted;
        }
        if (!cannot.empty()) staged.notices.push_back(where + cannot);
    }
}

void TraceTable::sync_with_mounts(const std::multimap<dev_t, std::string> &mount_points) {
    std::lock_guard lock(apply_mutex_);
    Staged staged = stage();
    for (auto it = staged.written.begin(); it != staged.written.end();) {
        if (mount_points.count(*it))
            ++it;
        else
            it = staged.written.erase(it);  // unmounted: rules may have it when it is back
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
    if (!staged.rules.empty()) apply_rules(staged, false);
    commit(staged, true);
}

void TraceTable::commit(Staged &staged, bool filesystem_gone) {
    Entries previous;
    {
        std::lock_guard state_lock(state_mutex_);
        previous = std::exchange(entries_, staged.entries);
        next_id_ = staged.next_id;
        rules_ = staged.rules;
        written_ = staged.written;
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
    if (notice_sink_)
        for (const auto &notice : staged.notices) notice_sink_(notice);
}

}  // namespace fsev
