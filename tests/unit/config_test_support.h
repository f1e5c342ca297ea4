#pragma once

#include <sys/sysmacros.h>

#include <cerrno>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "config/trace_table.h"

namespace fsev::test {

// Unit tests of the pure table logic only: paths map to filesystems by name.
// (The real resolver is exercised by the integration tests.)
class FakeResolver : public PathResolver {
  public:
    FakeResolver() {
        add("/srv/data", makedev(254, 16), "/srv/data", "ext4", "/dev/vdb1");
        add("/srv/data/sub/dir", makedev(254, 16), "/srv/data", "ext4", "/dev/vdb1");
        add("/mnt/bind", makedev(254, 16), "/mnt/bind", "ext4", "/dev/vdb1");
        add("/home", makedev(254, 32), "/home", "ext4", "/dev/vdc1");
        add("/var/lib", makedev(254, 48), "/var/lib", "ext4", "/dev/vdd1");
        add("/mnt/my disk", makedev(7, 0), "/mnt/my disk", "ext4", "/dev/loop0");
        add("/mnt/xfs", makedev(254, 64), "/mnt/xfs", "xfs", "/dev/vde1");
        add("/tmp", makedev(0, 40), "/tmp", "tmpfs", "tmpfs");
        add("/mnt/btrfs", makedev(0, 50), "/mnt/btrfs", "btrfs", "/dev/vdf1");
        add("/mnt/usb", makedev(8, 1), "/mnt/usb", "vfat", "/dev/sda1");
    }
    void add(const std::string &path, dev_t device, const std::string &mount_point,
             const std::string &fstype, const std::string &source) {
        filesystems_[path] = ResolvedFilesystem{device, mount_point, fstype, source};
    }
    ResolvedFilesystem resolve(const std::string &path) override {
        resolved.push_back(path);
        auto found = filesystems_.find(path);
        if (found == filesystems_.end())
            throw std::system_error(ENOENT, std::generic_category(), path);
        return found->second;
    }
    std::vector<std::string> resolved;  // every path asked for, in order

  private:
    std::map<std::string, ResolvedFilesystem> filesystems_;
};

// Records every observer call as a line, e.g. "created 1", "changed 1 reset".
class RecordingObserver : public TraceTableObserver {
  public:
    void entry_created(const TraceEntry &entry) override {
        calls.push_back("created " + std::to_string(entry.id));
        last = entry;
    }
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override {
        calls.push_back("changed " + std::to_string(entry.id) + (thresholds_reset ? " reset" : ""));
        last = entry;
    }
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override {
        calls.push_back("removed " + std::to_string(entry.id) + (filesystem_gone ? " gone" : ""));
        last = entry;
    }
    std::vector<std::string> calls;
    TraceEntry last;
};

}  // namespace fsev::test
