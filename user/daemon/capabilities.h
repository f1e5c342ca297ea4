#pragma once

#include <string>

namespace fsev {

// Drops every capability the running daemon no longer needs, from the
// effective, permitted and bounding sets, once set-up is done. Kept:
//   CAP_BPF, CAP_PERFMON   attach/detach the syscall-exit program at run time
//   CAP_SYS_ADMIN          unmount the run directory at exit (and BPF on
//                          kernels before CAP_BPF existed)
//   CAP_NET_ADMIN          send FS_EVENT netlink multicast messages
//   CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH
//                          resolve a writer's path through /proc/PID/root
// Returns the kept set as text ("cap_bpf,..."). Throws std::system_error
// when the kernel refuses the change.
std::string drop_unneeded_capabilities();

}  // namespace fsev
