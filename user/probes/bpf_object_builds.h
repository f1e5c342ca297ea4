#pragma once

struct fsev_bpf;  // the generated skeleton

namespace fsev {

// Opens the skeleton of bpf/fsev.bpf.c in one of its two builds: with
// `plain_loads`, the one that reads ext4_sb_info through bpf_rdonly_cast
// (Linux 6.2+, ext4 built in: KernelFeatures::ext4_plain_loads); otherwise
// the one that reads it with bpf_probe_read (every kernel). Both have the
// same maps, programs and globals, so one skeleton type serves both.
// nullptr with errno set on failure; free with fsev_bpf__destroy().
::fsev_bpf *open_fsev_bpf(bool plain_loads);

}  // namespace fsev
