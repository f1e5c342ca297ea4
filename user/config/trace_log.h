#pragma once

#include <string>

#include "model/trace_entry.h"

namespace fsev {

// Writes one line per trace-table change to stderr (the daemon's log), in
// the listing's format, e.g. "fsev-bpf: config: created 1 /mnt ext4 ...",
// followed by levels as requested ("from 10% 5%") and the rule that made
// the entry ("by rule @blockdev").
class TraceLog : public TraceTableObserver {
  public:
    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;
    // What a rule could not give a filesystem (TraceTable's notice sink).
    static void notice(const std::string &text);
};

}  // namespace fsev
