#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

struct btf;

namespace fsev {

// What the running kernel offers the BPF programs, read from its BTF
// (/sys/kernel/btf/vmlinux and, where ext4 is a module, /sys/kernel/btf/ext4)
// before anything is loaded, so each program is loaded in the flavour this
// kernel has and a missing piece degrades one feature, not the daemon.
struct KernelFeatures {
    std::string release;  // uname -r
    // ext4_da_reserve_space passes the number of clusters reserved (6.10+);
    // before, it passed only the inode and reserved one cluster per call.
    bool da_reserve_space_has_count = true;
    // Tracepoints (without "btf_trace_") that exist on this kernel.
    std::set<std::string> tracepoints;
    // Bits ext4 sets when it stops accepting changes after an error, as
    // this kernel numbers them (0 where the kernel has no such bit).
    uint64_t stopped_mount_flags = 0;  // ext4_sb_info.s_mount_flags
    uint64_t stopped_ext4_flags = 0;   // ext4_sb_info.s_ext4_flags
    // The programs may read ext4_sb_info with plain loads: the kernel has
    // the bpf_rdonly_cast kfunc (6.2+) and ext4 is built in (that kfunc
    // casts only to vmlinux's own types). Otherwise, as on Debian's
    // kernels, every field is a bpf_probe_read call.
    bool ext4_plain_loads = false;

    bool has_tracepoint(const std::string &name) const { return tracepoints.count(name); }
};

// Raised when the kernel cannot run fsev-bpf at all; what() says what is
// missing and what to do.
class UnsupportedKernel : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads the running kernel's BTF. Throws UnsupportedKernel when ext4's
// types cannot be reached (no kernel BTF, ext4 not loaded, or a kernel older
// than 5.11 with ext4 as a module, which has no module BTF).
KernelFeatures detect_kernel_features();

// The same from BTF objects already parsed (`ext4` is null when ext4's
// types live in vmlinux); for tests against other kernels' BTF.
KernelFeatures features_from_btf(const btf *vmlinux, const btf *ext4, std::string release);

// Tracepoints of kernel module `module` (e.g. "xfs") as its BTF shows them
// now; empty when the module is not loaded (or built in: then they are in
// vmlinux's BTF and detect_kernel_features() saw them).
std::set<std::string> module_tracepoints(const std::string &module);

// "6.1.0-56-amd64" -> {6, 1}; nullopt when it does not start with N.N.
std::optional<std::pair<int, int>> kernel_version(const std::string &release);

}  // namespace fsev
