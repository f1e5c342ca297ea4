#include "config/filesystem_support.h"

#include "model/trace_entry.h"

namespace fsev {

namespace {

// Filesystems whose space the daemon checks with statfs on activity, and
// whose failing writes it sees at syscall exit (thr, warn). Others hold no
// space of their own (proc, sysfs, ...) or were not tested (overlay, vfat).
bool space_checked(const std::string &fstype) {
    return fstype == "xfs" || fstype == "btrfs" || fstype == "tmpfs";
}

}  // namespace

uint32_t FilesystemSupport::deliverable_types(const std::string &fstype) const {
    if (fstype == "ext4") return TRACE_ALL;
    if (!space_checked(fstype)) return TRACE_INFO;
    uint32_t types = TRACE_INFO | TRACE_WARN | TRACE_THRESH;
    if ((fstype == "xfs" || fstype == "btrfs") && !errors_missing(fstype)) types |= TRACE_ERR;
    return types;
}

std::string FilesystemSupport::why_not(const std::string &fstype, uint32_t types) const {
    if (!space_checked(fstype) && fstype != "ext4")
        return "fsev-bpf has no space or error hooks for " + fstype +
               " (thr and warn: ext4, xfs, btrfs, tmpfs; err: ext4, xfs, btrfs)";
    if (types & TRACE_ERR) {
        if (errors_missing(fstype)) return errors_unavailable_.at(fstype).reason;
        if (fstype == "tmpfs") return "tmpfs has no error path to report";
    }
    return fstype + " cannot deliver them";
}

void FilesystemSupport::errors_unavailable(const std::string &fstype, std::string reason) {
    errors_available_when(
        fstype, [] { return false; }, std::move(reason));
}

void FilesystemSupport::errors_available_when(const std::string &fstype,
                                              std::function<bool()> available, std::string reason) {
    errors_unavailable_[fstype] = MissingHook{std::move(available), std::move(reason)};
}

bool FilesystemSupport::errors_missing(const std::string &fstype) const {
    auto found = errors_unavailable_.find(fstype);
    return found != errors_unavailable_.end() && !found->second.available();
}

}  // namespace fsev
