#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/request.h"
#include "trace/trace_entry.h"

namespace fsev {

// The filesystem a request's MOUNT names, as the writer sees it.
struct ResolvedFilesystem {
    dev_t device = 0;         // st_dev: the superblock
    std::string mount_point;  // where it is mounted (unescaped)
    std::string fstype;
    std::string source;  // device path, or what the mount table shows
};

// Turns a MOUNT path into its filesystem. Throws std::system_error with the
// errno (ENOENT for a path that does not exist).
class PathResolver {
  public:
    virtual ~PathResolver() = default;
    virtual ResolvedFilesystem resolve(const std::string &path) = 0;
};

// Which TraceTypes a filesystem type can deliver today: ext4 all four; any
// other type only info (its umount is seen in the mount table).
uint32_t deliverable_types(const std::string &fstype);

// The live trace entries, one per superblock, keyed by their id.
// Thread-safe: a write (from the FUSE thread), the mount watcher (event loop)
// and readers may call in at the same time. Changes are applied atomically
// and observers are told after each one, in the order removals, changes,
// creations (so a map keyed by device sees a removal before a re-creation).
// Observers may call entries()/listing() but must not change the table.
class TraceTable {
  public:
    explicit TraceTable(uint32_t max_id = UINT32_MAX);

    void add_observer(TraceTableObserver *observer);

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
    std::string listing() const;              // the config file's content

  private:
    using Entries = std::map<uint32_t, TraceEntry>;
    struct Staged {
        Entries entries;
        uint32_t next_id;
        std::vector<uint32_t> thresholds_reset;  // ids whose L1/L2 were (re)set
    };

    void apply_request(Staged &staged, const Request &request, PathResolver &resolver) const;
    uint32_t allocate_id(Staged &staged) const;
    // Swaps in the new state and tells the observers; apply_mutex_ held.
    void commit(Staged &staged, bool filesystem_gone);

    const uint32_t max_id_;
    std::mutex apply_mutex_;          // one change at a time, observers told in order
    mutable std::mutex state_mutex_;  // guards entries_ and next_id_ for readers
    Entries entries_;
    uint32_t next_id_ = 1;
    std::vector<TraceTableObserver *> observers_;
    Recorder recorder_;
};

}  // namespace fsev
