#include "probes/kernel_features.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace fsev {

namespace {

struct BtfDeleter {
    void operator()(btf *object) const { btf__free(object); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

constexpr const char *kTracepointPrefix = "btf_trace_";

// Tracepoints: every "btf_trace_NAME" typedef of `object` that is its own
// (split BTF also resolves the base's ids; those are read from the base).
void collect_tracepoints(const btf *object, uint32_t first_id, std::set<std::string> &out) {
    uint32_t count = btf__type_cnt(object);
    size_t prefix = std::strlen(kTracepointPrefix);
    for (uint32_t id = first_id; id < count; id++) {
        const btf_type *type = btf__type_by_id(object, id);
        if (!btf_is_typedef(type)) continue;
        const char *name = btf__name_by_offset(object, type->name_off);
        if (name && std::strncmp(name, kTracepointPrefix, prefix) == 0) out.insert(name + prefix);
    }
}

// The value of enumerator `name` in any enum of `object` (ext4's flag
// enums are anonymous, so they are found by their enumerators).
std::optional<int64_t> enumerator(const btf *object, uint32_t first_id, const char *name) {
    uint32_t count = btf__type_cnt(object);
    for (uint32_t id = first_id; id < count; id++) {
        const btf_type *type = btf__type_by_id(object, id);
        if (!btf_is_enum(type)) continue;
        const struct btf_enum *values = btf_enum(type);
        for (uint16_t i = 0; i < btf_vlen(type); i++)
            if (std::strcmp(btf__name_by_offset(object, values[i].name_off), name) == 0)
                return values[i].val;
    }
    return std::nullopt;
}

// Number of arguments of tracepoint `name` (the prototype's first parameter,
// the tracepoint's private data, is not one of them); nullopt if absent.
std::optional<int> tracepoint_arguments(const btf *object, const std::string &name) {
    int id = btf__find_by_name_kind(object, (kTracepointPrefix + name).c_str(), BTF_KIND_TYPEDEF);
    if (id < 0) return std::nullopt;
    const btf_type *type = btf__type_by_id(object, static_cast<uint32_t>(id));
    type = btf__type_by_id(object, type->type);  // pointer
    if (!type || !btf_is_ptr(type)) return std::nullopt;
    type = btf__type_by_id(object, type->type);  // function prototype
    if (!type || !btf_is_func_proto(type)) return std::nullopt;
    return static_cast<int>(btf_vlen(type)) - 1;
}

constexpr int64_t kExt4FlagsShutdownBit = 1;

bool struct_has_member(const btf *object, const char *struct_name, const char *member) {
    int id = btf__find_by_name_kind(object, struct_name, BTF_KIND_STRUCT);
    if (id < 0) return false;
    const btf_type *type = btf__type_by_id(object, static_cast<uint32_t>(id));
    const btf_member *members = btf_members(type);
    for (uint16_t i = 0; i < btf_vlen(type); i++)
        if (std::strcmp(btf__name_by_offset(object, members[i].name_off), member) == 0) return true;
    return false;
}

uint64_t bit_of(std::optional<int64_t> number) {
    return number && *number >= 0 && *number < 64 ? uint64_t{1} << *number : 0;
}

bool path_exists(const char *path) {
    return ::access(path, F_OK) == 0;
}

// BPF helpers the programs call, with the Linux version that added them.
struct RequiredHelper {
    bpf_func_id id;
    const char *name;
    const char *since;
};
constexpr RequiredHelper kRequiredHelpers[] = {
    {BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", "5.8"},
    {BPF_FUNC_loop, "bpf_loop", "5.17"},
    {BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem", "5.19"},
};

// Probed rather than inferred from the version: distributions backport.
void require_helpers(const std::string &release) {
    std::string missing;
    for (const RequiredHelper &helper : kRequiredHelpers) {
        if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, helper.id, nullptr) == 1)
            continue;
        missing += std::string(missing.empty() ? "" : ", ") + helper.name + " (Linux " +
                   helper.since + ")";
    }
    if (!missing.empty())
        throw UnsupportedKernel("kernel " + release + " lacks the BPF helper(s) " + missing +
                                ": fsev-bpf needs Linux 5.19 or later");
}

std::string kernel_release() {
    struct utsname name {};
    if (::uname(&name) != 0) return "unknown";
    return name.release;
}

}  // namespace

std::optional<std::pair<int, int>> kernel_version(const std::string &release) {
    int major = 0, minor = 0;
    if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return std::nullopt;
    return std::make_pair(major, minor);
}

KernelFeatures features_from_btf(const btf *vmlinux, const btf *ext4, std::string release) {
    KernelFeatures features;
    features.release = std::move(release);
    const btf *types = ext4 ? ext4 : vmlinux;
    uint32_t ext4_first = ext4 ? btf__type_cnt(vmlinux) : 1;

    collect_tracepoints(vmlinux, 1, features.tracepoints);
    if (ext4) collect_tracepoints(ext4, ext4_first, features.tracepoints);

    std::optional<int> reserve_arguments = tracepoint_arguments(types, "ext4_da_reserve_space");
    features.da_reserve_space_has_count = !reserve_arguments || *reserve_arguments >= 2;

    // Where ext4 records that it stopped after an error: the abort bit of
    // s_mount_flags (up to 6.4), EXT4_FLAGS_SHUTDOWN (6.5+, also set by the
    // shutdown ioctl) and EXT4_FLAGS_EMERGENCY_RO (6.15+) of s_ext4_flags.
    features.stopped_mount_flags = bit_of(enumerator(types, ext4_first, "EXT4_MF_FS_ABORTED"));
    features.stopped_ext4_flags = bit_of(enumerator(types, ext4_first, "EXT4_FLAGS_SHUTDOWN")) |
                                  bit_of(enumerator(types, ext4_first, "EXT4_FLAGS_EMERGENCY_RO"));
    // The EXT4_FLAGS_* enum is anonymous and used by no type, so some
    // kernels' BTF (Debian 13's 6.12) leave it out. EXT4_FLAGS_SHUTDOWN has
    // been bit 1 of s_ext4_flags since the field exists (4.13).
    if (!features.stopped_mount_flags && !features.stopped_ext4_flags &&
        struct_has_member(types, "ext4_sb_info", "s_ext4_flags"))
        features.stopped_ext4_flags = bit_of(kExt4FlagsShutdownBit);
    features.ext4_plain_loads =
        !ext4 && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
    return features;
}

// Tracepoints of the other filesystems fsev-bpf hooks (xfs, btrfs) where
// they are modules loaded now; one loaded later is picked up by
// Ext4Probes::load_module_programs().
void add_module_tracepoints(const btf *vmlinux, KernelFeatures &features) {
    for (const char *module : {"xfs", "btrfs"}) {
        BtfPtr object(btf__load_module_btf(module, const_cast<btf *>(vmlinux)));
        if (object) collect_tracepoints(object.get(), btf__type_cnt(vmlinux), features.tracepoints);
    }
}

std::set<std::string> module_tracepoints(const std::string &module) {
    std::set<std::string> tracepoints;
    if (!path_exists(("/sys/kernel/btf/" + module).c_str())) return tracepoints;
    BtfPtr vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) return tracepoints;
    BtfPtr object(btf__load_module_btf(module.c_str(), vmlinux.get()));
    if (object) collect_tracepoints(object.get(), btf__type_cnt(vmlinux.get()), tracepoints);
    return tracepoints;
}

KernelFeatures detect_kernel_features() {
    std::string release = kernel_release();
    BtfPtr vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux)
        throw UnsupportedKernel("kernel " + release +
                                " has no BTF (/sys/kernel/btf/vmlinux): fsev-bpf needs a kernel "
                                "built with CONFIG_DEBUG_INFO_BTF, as Debian's are");
    if (btf__find_by_name_kind(vmlinux.get(), "ext4_sb_info", BTF_KIND_STRUCT) > 0) {
        require_helpers(release);
        KernelFeatures features = features_from_btf(vmlinux.get(), nullptr, release);
        add_module_tracepoints(vmlinux.get(), features);
        return features;
    }

    // ext4 is a module: its types are in the module's split BTF.
    BtfPtr ext4(btf__load_module_btf("ext4", vmlinux.get()));
    if (ext4) {
        require_helpers(release);
        KernelFeatures features = features_from_btf(vmlinux.get(), ext4.get(), release);
        add_module_tracepoints(vmlinux.get(), features);
        return features;
    }

    auto version = kernel_version(release);
    if (version && *version < std::make_pair(5, 11))
        throw UnsupportedKernel(
            "kernel " + release +
            " builds ext4 as a module and has no BTF for modules (added in 5.11), so no "
            "program can reach ext4's types: fsev-bpf needs Linux 5.11 or later with "
            "CONFIG_DEBUG_INFO_BTF_MODULES, and 5.19 or later for its BPF helpers "
            "(Debian 12 and later have both)");
    if (!path_exists("/sys/module/ext4"))
        throw UnsupportedKernel(
            "ext4 is not loaded, so its kernel types "
            "(/sys/kernel/btf/ext4) are not there to attach to: run "
            "'modprobe ext4' and start fsev-bpf again (the shipped "
            "systemd unit does this)");
    throw UnsupportedKernel("kernel " + release +
                            " has ext4 loaded but no /sys/kernel/btf/ext4: fsev-bpf needs a "
                            "kernel built with CONFIG_DEBUG_INFO_BTF_MODULES");
}

}  // namespace fsev
