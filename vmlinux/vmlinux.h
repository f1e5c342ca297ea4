/* Picks the checked-in vmlinux.h for the architecture the BPF object is
 * compiled for. Add a directory per architecture (see vmlinux/README.md). */
#ifndef FSEV_VMLINUX_DISPATCH_H
#define FSEV_VMLINUX_DISPATCH_H

#if defined(__TARGET_ARCH_x86)
#include "x86/vmlinux.h"
#elif defined(__TARGET_ARCH_arm64)
#error "arm64: generate vmlinux/arm64/vmlinux.h as described in vmlinux/README.md"
#else
#error "define __TARGET_ARCH_<arch> (the build passes -D__TARGET_ARCH_x86)"
#endif

#endif
