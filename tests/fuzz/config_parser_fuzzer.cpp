// libFuzzer target: any bytes written to /run/fsev/config. The input is split
// at 0xff bytes into successive write() calls, applied to a fresh trace table
// whose paths resolve through a small fake; then checks what must always hold:
// a failed write changes nothing, ids are unique and in range, one entry per
// superblock, every listing line is one line of seven fields. The whole input
// is also read as a --config-file.
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <system_error>

#include "config/listing.h"
#include "config/startup_file.h"
#include "config/trace_table.h"

namespace {

// A few filesystems, chosen by the path's length so any input can name them.
class FuzzResolver : public fsev::PathResolver {
  public:
    fsev::ResolvedFilesystem resolve(const std::string &path) override {
        size_t which = path.size() % 5;
        if (which == 4) throw std::system_error(ENOENT, std::generic_category(), path);
        static const char *const kTypes[] = {"ext4", "ext4", "xfs", "tmpfs"};
        return {makedev(7, static_cast<unsigned>(which)), path, kTypes[which], "/dev/fuzz"};
    }
    // Sizes from tiny to huge, so % and byte levels round every way.
    fsev::FilesystemSize size(const fsev::ResolvedFilesystem &filesystem) override {
        unsigned which = minor(filesystem.device);
        static const fsev::FilesystemSize kSizes[] = {
            {1, 1024}, {51437, 1024}, {UINT64_MAX, 4096}, {1000, 65536}};
        return kSizes[which % 4];
    }
};

// The daemon's mount table for rules: a few mounts of those filesystems and
// one of a filesystem no path resolves to.
class FuzzMounts : public fsev::MountedFilesystems {
  public:
    std::vector<fsev::ResolvedFilesystem> list() override {
        std::vector<fsev::ResolvedFilesystem> mounts = {
            {makedev(7, 0), "/", "ext4", "/dev/fuzz", true},
            {makedev(7, 1), "/srv/a", "ext4", "/dev/fuzz", true},
            {makedev(7, 2), "/srv/b", "xfs", "/dev/fuzz", true},
            {makedev(7, 3), "/tmp", "tmpfs", "tmpfs", false},
            {makedev(7, 1), "/mnt/bind", "ext4", "/dev/fuzz", true},
            {makedev(8, 1), "/data", "btrfs", "/dev/sdb1", true}};
        return mounts;
    }
    fsev::FilesystemSize size(const fsev::ResolvedFilesystem &filesystem) override {
        return resolver.size(filesystem);
    }
    FuzzResolver resolver;
};

void check(bool condition) {
    if (!condition) std::abort();
}

void check_table(const fsev::TraceTable &table, uint32_t max_id) {
    std::set<uint32_t> ids;
    std::set<dev_t> devices;
    for (const auto &entry : table.entries()) {
        check(entry.id >= 1 && entry.id <= max_id);
        check(ids.insert(entry.id).second);
        check(devices.insert(entry.device).second);  // one entry per superblock
        check(entry.types != 0 && (entry.types & ~fsev::TRACE_ALL) == 0);
        check(!entry.has_upper || entry.has_lower);
        check(!entry.has_lower || (entry.types & fsev::TRACE_THRESH));
        check(!(entry.has_lower && entry.has_upper) || entry.lower_level >= entry.upper_level);
        std::string line = fsev::format_listing_line(entry);
        check(line.find('\n') == std::string::npos);
        size_t spaces = 0;
        for (char c : line) spaces += c == ' ';
        check(spaces == 6);
    }
    // Rules are listed after the entries in request syntax: each line can
    // be written back.
    std::string listing = table.listing();
    for (size_t begin = 0, end; begin < listing.size(); begin = end + 1) {
        end = listing.find('\n', begin);
        check(end != std::string::npos);
        if (listing[begin] != '@') continue;
        fsev::ParsedWrite again = fsev::parse_write(listing.substr(begin, end - begin));
        check(again.requests.size() == 1 && again.requests[0].rule);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    constexpr uint32_t kMaxId = 3;  // small, so id wrap-around is reached
    fsev::TraceTable table(kMaxId);
    FuzzResolver resolver;
    FuzzMounts mounts;
    table.set_mounted_filesystems(&mounts);
    std::string_view input(reinterpret_cast<const char *>(data), size);
    size_t start = 0;
    while (start <= input.size()) {
        size_t end = input.find('\xff', start);
        if (end == std::string_view::npos) end = input.size();
        std::string before = table.listing();
        try {
            table.apply_write(input.substr(start, end - start), resolver);
        } catch (const fsev::RequestError &error) {
            check(error.error_number() > 0);
            check(table.listing() == before);  // all or nothing
        }
        check_table(table, kMaxId);
        start = end + 1;
    }
    try {
        fsev::parse_startup_file(input);
    } catch (const fsev::RequestError &error) {
        check(error.error_number() == EINVAL);
    }
    return 0;
}
