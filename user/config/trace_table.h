#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/filesystem_support.h"
#include "config/request.h"
#include "config/rule.h"
#include "model/filesystem.h"
#include "model/trace_entry.h"

namespace fsev {

// The live trace entries, one per superblock, keyed by their id.
// Thread-safe: a write (from the FUSE thread), the mount watcher (event loop)
// and readers may call in at the same time. Changes are applied atomically
// and observers are told after each one, in the order removals, changes,
// creations (so a map keyed by device sees a removal before a re-creation).
// Observers may call entries()/listing() but must not change the table.
class TraceTable {
  public:
    explicit TraceTable(uint32_t max_id = UINT32_MAX,
                        FilesystemSupport support = FilesystemSupport());

    void add_observer(TraceTableObserver *observer);
    // Where rules find filesystems; without it rules are kept but match nothing.
    void set_mounted_filesystems(MountedFilesystems *mounted);
    // Told, after a change is applied, what a rule could not give a
    // filesystem (e.g. "xfs cannot deliver warn,err,thr").
    void set_notice_sink(std::function<void(const std::string &)> sink);

    // Called by apply() with the listing a change would produce, before the
    // change takes effect; if it throws std::system_error the change is
    // refused with that errno and nothing changes. The daemon records the
    // set-up durably here. Not called when entries go with their filesystem.
    using Recorder = std::function<void(const std::string &listing)>;
    void set_recorder(Recorder recorder);

    // Parses and applies one write to the config file: all of it, or
    // nothing. Throws RequestError with the errno and the bad request.
    void apply_write(std::string_view text, PathResolver &resolver);
    void apply(const ParsedWrite &write, PathResolver &resolver);

    // The mount table changed: `mount_points` lists, per st_dev, where each
    // mounted filesystem is. Entries whose filesystem is gone are removed;
    // an entry whose own mount point went away but whose filesystem is still
    // mounted elsewhere (a bind mount) moves to a remaining mount point.
    void sync_with_mounts(const std::multimap<dev_t, std::string> &mount_points);

    std::vector<TraceEntry> entries() const;  // ordered by id
    std::vector<Rule> rules() const;          // in the order they were first given
    std::string listing() const;              // the config file's content: entries, then rules

  private:
    using Entries = std::map<uint32_t, TraceEntry>;
    struct Staged {
        Entries entries;
        uint32_t next_id;
        std::vector<uint32_t> thresholds_reset;  // ids whose L1/L2 were (re)set
        std::vector<Rule> rules;
        // Filesystems a written request touched: rules leave them alone
        // until they are unmounted.
        std::set<dev_t> written;
        std::vector<std::string> notices;
    };

    Staged stage() const;
    void apply_request(Staged &staged, const Request &request, PathResolver &resolver) const;
    void apply_rule_request(Staged &staged, const Request &request) const;
    // Gives every matching filesystem its rule's entry; `refresh` also
    // re-derives (or drops) the entries rules made before.
    void apply_rules(Staged &staged, bool refresh) const;
    uint32_t allocate_id(Staged &staged) const;
    // Swaps in the new state and tells the observers; apply_mutex_ held.
    void commit(Staged &staged, bool filesystem_gone);

    const uint32_t max_id_;
    std::mutex apply_mutex_;          // one change at a time, observers told in order
    mutable std::mutex state_mutex_;  // guards entries_ and next_id_ for readers
    Entries entries_;
    uint32_t next_id_ = 1;
    std::vector<Rule> rules_;
    std::set<dev_t> written_;
    std::vector<TraceTableObserver *> observers_;
    MountedFilesystems *mounted_ = nullptr;
    std::function<void(const std::string &)> notice_sink_;
    // Which types each filesystem can deliver.
    const FilesystemSupport support_;
    Recorder recorder_;
};

}  // namespace fsev
