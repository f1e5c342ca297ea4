#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace fsev {

// What the daemon can deliver per filesystem type (the config file refuses
// the rest with EOPNOTSUPP) and how it gets the available count: ext4 is
// read exactly in BPF at every change; the others are checked with statfs
// when BPF sees activity on them (docs/filesystems.md).
class FilesystemSupport {
  public:
    // TraceTypes bits `fstype` can deliver.
    uint32_t deliverable_types(const std::string &fstype) const;
    // Why `fstype` cannot deliver `types` (TraceTypes bits it lacks).
    std::string why_not(const std::string &fstype, uint32_t types) const;
    // True when BPF reads the available count exactly (ext4).
    static bool exact_space(const std::string &fstype) { return fstype == "ext4"; }

    // This kernel lacks the hook that reports `fstype`'s errors (e.g. xfs
    // was not loaded when the daemon started): err is refused, saying why.
    void errors_unavailable(const std::string &fstype, std::string reason);
    // The same while `available()` returns false: a module loaded later
    // brings the hook. `available` is called on every check, from any thread.
    void errors_available_when(const std::string &fstype, std::function<bool()> available,
                               std::string reason);

  private:
    struct MissingHook {
        std::function<bool()> available;
        std::string reason;
    };
    bool errors_missing(const std::string &fstype) const;
    std::map<std::string, MissingHook> errors_unavailable_;  // by fstype
};

}  // namespace fsev
