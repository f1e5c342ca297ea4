#pragma once

#include <sys/sysmacros.h>

#include <cerrno>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/request.h"
#include "config/trace_table.h"

namespace fsev::test {

// The errno parsing `text` as a config write gives (0: accepted).
inline int parse_error(std::string_view text) {
    try {
        parse_write(text);
    } catch (const RequestError &error) {
        return error.error_number();
    }
    return 0;
}

// The errno `table` refuses the write `text` with (0: applied); `message`,
// when given, gets the error's text.
inline int write_error(TraceTable &table, PathResolver &resolver, std::string_view text,
                       std::string *message = nullptr) {
    try {
        table.apply_write(text, resolver);
    } catch (const RequestError &error) {
        if (message) *message = error.what();
        return error.error_number();
    }
    return 0;
}

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
        // /srv/data: 1000000 blocks of 4 KiB; /mnt/my disk: 65536 of 1 KiB.
        sizes[makedev(254, 16)] = {1000000, 4096};
        sizes[makedev(7, 0)] = {65536, 1024};
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
    FilesystemSize size(const ResolvedFilesystem &filesystem) override {
        auto found = sizes.find(filesystem.device);
        if (found == sizes.end())
            throw std::system_error(EIO, std::generic_category(),
                                    "statfs " + filesystem.mount_point);
        return found->second;
    }
    std::vector<std::string> resolved;  // every path asked for, in order
    std::map<dev_t, FilesystemSize> sizes;

  private:
    std::map<std::string, ResolvedFilesystem> filesystems_;
};

// The daemon's mount table for rules, as a list a test edits.
class FakeMounts : public MountedFilesystems {
  public:
    void mount(dev_t device, const std::string &mount_point, const std::string &fstype,
               const std::string &source, FilesystemSize size = {1000000, 4096}) {
        ResolvedFilesystem filesystem{device, mount_point, fstype, source};
        filesystem.block_backed = major(device) != 0;
        mounts.push_back(filesystem);
        sizes[device] = size;
    }
    void umount(const std::string &mount_point) {
        std::erase_if(mounts, [&](const auto &m) { return m.mount_point == mount_point; });
    }
    // What the daemon passes to sync_with_mounts.
    std::multimap<dev_t, std::string> mount_points() const {
        std::multimap<dev_t, std::string> points;
        for (const auto &m : mounts) points.emplace(m.device, m.mount_point);
        return points;
    }
    std::vector<ResolvedFilesystem> list() override { return mounts; }
    FilesystemSize size(const ResolvedFilesystem &filesystem) override {
        return sizes.at(filesystem.device);
    }
    std::vector<ResolvedFilesystem> mounts;
    std::map<dev_t, FilesystemSize> sizes;
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
