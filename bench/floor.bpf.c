// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of a traced filesystem's space hook for fsev-bench: what any
 * design that keeps its thresholds per superblock in a hash map and reads
 * ext4's own counters must do on every hook, and nothing else. Built with
 * plain loads (bpf_rdonly_cast), like the fsev.bpf.c build it is compared
 * with, so it loads only where that build does (6.2+, ext4 built in).
 *
 * far_*: read s_dev, find the entry (the bench stores one for the traced
 * filesystem), take the kept ext4_sb_info fields from it, read the two
 * counters' `count` fields and compare the result with the levels; the
 * least a hook far from its levels can do.
 * near_*: the same with the exact per-cpu sum (both counters, every
 * possible CPU) instead of the `count` fields; the least a hook near a
 * level can do while deciding exactly on every hook.
 *
 * near_* also does what any design must at a crossing: it keeps the new
 * state in the entry and submits one record per level crossed to a ring
 * buffer that the bench reads as the daemon reads ours (waiting in epoll),
 * so its submissions pay the same wake-ups.
 *
 * Neither keeps track of space in flight, counts writers, or confirms a
 * crossing with a second read: what fsev.bpf.c costs beyond these is that
 * work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "../bpf/ext4_counters.bpf.h"
#include "fsev/bpf_shared.h"
#include "fsev/threshold.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32);
    __type(value, struct fsev_trace_config);
} floor_traced SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} floor_records SEC(".maps");

static __always_inline void floor_submit(__u32 dev, __u64 available)
{
    struct fsev_record *record = bpf_ringbuf_reserve(&floor_records, sizeof(*record), 0);

    if (!record)
        return;
    record->timestamp_ns = bpf_ktime_get_ns();
    record->available_blocks = available;
    record->dev = dev;
    bpf_ringbuf_submit(record, 0);
}

/* `pending_clusters`: the change a hook that fires before ext4 applies it
 * is about to make, as fsev.bpf.c counts it; without it such a hook would
 * see each crossing one hook late. */
static __always_inline int floor_hook(struct super_block *sb, bool exact, __s64 pending_clusters)
{
    __u32 dev = sb->s_dev;
    struct fsev_trace_config *config = bpf_map_lookup_elem(&floor_traced, &dev);
    struct fsev_ext4_space space;
    __u64 available;
    __u32 bits, changed;

    if (!config)
        return 0;
    fsev_ext4_space_kept(config, sb, &space);
    available = fsev_ext4_space_available(&space, pending_clusters, exact);
    bits = fsev_reached_bits(config->levels, config->lower_level, config->upper_level,
                             available);
    changed = bits ^ config->reached;
    if (!changed || !exact)
        return changed != 0;
    config->reached = bits;
    if (changed & FSEV_LOWER_REACHED)
        floor_submit(dev, available);
    if (changed & FSEV_UPPER_REACHED)
        floor_submit(dev, available);
    return 1;
}

#define FLOOR_PROGRAMS(hook, sb_of_argument, argument_type)                                   \
    SEC("tp_btf/ext4_" #hook)                                                                 \
    int BPF_PROG(far_##hook, argument_type *argument)                                         \
    {                                                                                         \
        return argument ? floor_hook(sb_of_argument, false, 0) : 0;                           \
    }                                                                                         \
    SEC("tp_btf/ext4_" #hook)                                                                 \
    int BPF_PROG(near_##hook, argument_type *argument)                                        \
    {                                                                                         \
        return argument ? floor_hook(sb_of_argument, true, 0) : 0;                            \
    }

FLOOR_PROGRAMS(allocate_blocks, argument->inode->i_sb, struct ext4_allocation_request)
FLOOR_PROGRAMS(free_blocks, argument->i_sb, struct inode)
FLOOR_PROGRAMS(da_reserve_space, argument->i_sb, struct inode)

/* Fires before the dirty-cluster counter drops by `freed`. */
SEC("tp_btf/ext4_da_release_space")
int BPF_PROG(far_da_release_space, struct inode *inode, int freed)
{
    return inode ? floor_hook(inode->i_sb, false, freed) : 0;
}
SEC("tp_btf/ext4_da_release_space")
int BPF_PROG(near_da_release_space, struct inode *inode, int freed)
{
    return inode ? floor_hook(inode->i_sb, true, freed) : 0;
}

FLOOR_PROGRAMS(da_update_reserve_space, argument->i_sb, struct inode)
