/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Questions asked of a trace entry (the traced_superblocks map value) by
 * every hook, ext4's and the other filesystems' alike, so that they agree.
 */
#ifndef FSEV_TRACE_CONFIG_BPF_H
#define FSEV_TRACE_CONFIG_BPF_H

#include "vmlinux.h"

#include "fsev/bpf_shared.h"

/* The entry is traced for thr and has levels to cross (an entry written
 * without levels, or whose levels were removed, keeps none). */
static __always_inline bool fsev_watches_thresholds(const struct fsev_trace_config *config)
{
    return config && (config->types & FSEV_TRACE_THRESH) && config->levels;
}

#endif /* FSEV_TRACE_CONFIG_BPF_H */
