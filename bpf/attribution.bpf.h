/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who takes space: per (superblock, cgroup, process), the clusters each
 * writer reserves (delalloc) or allocates without a reservation, on
 * superblocks traced for thr or warn. Counted in the writer's own context:
 * a delalloc reservation is made by the writing task; the allocation that
 * later turns it into blocks (writeback, often a kworker) is not counted
 * again. Allocations without a reservation (O_DIRECT, fallocate,
 * nodelalloc, metadata blocks) are counted to whoever runs them.
 *
 * On XFS, btrfs and tmpfs (no space hooks of their own) the bytes each
 * successful write-type syscall wrote are counted instead, from the
 * syscall-exit program (other_fs.bpf.h); docs/attribution.md says what
 * that covers. Those entries are kept in bytes (cluster_bytes 1).
 *
 * Frees, released reservations, truncates and deletes are not subtracted,
 * from anyone: the counts say how much space each writer took, not how
 * much it holds now.
 *
 * The hot path of an existing entry is one hash lookup and one atomic add;
 * the map is LRU, so a machine with many short-lived writers loses the
 * least recently active ones, not the counting.
 *
 * Included by fsev.bpf.c after traced_superblocks and fsev_current_pid().
 */
#ifndef FSEV_ATTRIBUTION_BPF_H
#define FSEV_ATTRIBUTION_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "ext4_counters.bpf.h"
#include "fsev/bpf_shared.h"

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, FSEV_MAX_WRITERS);
    __type(key, struct fsev_writer_key);
    __type(value, struct fsev_writer_space);
} writers SEC(".maps");

/* Set by the daemon before load; off only to measure what counting costs
 * (fsev-bench). A constant for the verifier: off, the code is dropped. */
const volatile bool count_writers = true;

/* The inode number of the initial pid namespace (PROC_PID_INIT_INO): a
 * daemon there sees the kernel's own tgids, so the cheaper helper does. */
#define FSEV_INITIAL_PIDNS_INO 0xEFFFFFFCull

/* Clusters (ext4) and bytes (other filesystems) taken by writers whose
 * new entry could not be stored. */
__u64 unattributed_clusters = 0;
__u64 unattributed_bytes = 0;

static __always_inline bool fsev_attributed(const struct fsev_trace_config *config)
{
    return config && (config->types & (FSEV_TRACE_THRESH | FSEV_TRACE_WARN));
}

/* Adds `units` taken on `sb` (kernel dev_t `dev`) to the current task's
 * entry: ext4 clusters when `unit_bytes` is 0, else units of `unit_bytes`
 * bytes. `unit_bytes` is a constant at every call site. The caller reads
 * `dev`: a trusted tracepoint argument directly, a pointer found by
 * probe-reads (other_fs.bpf.h) with BPF_CORE_READ. */
static __always_inline void fsev_attribute_units(struct super_block *sb, __u32 dev, __u64 units,
                                                 __u32 unit_bytes)
{
    struct fsev_writer_key key = {};
    struct fsev_writer_space *space, fresh = {};

    key.cgroup_id = bpf_get_current_cgroup_id();
    key.dev = dev;
    /* pidns_ino is a load-time constant: one branch stays. */
    key.tgid = (pidns_ino == 0 || pidns_ino == FSEV_INITIAL_PIDNS_INO)
                   ? (__u32)(bpf_get_current_pid_tgid() >> 32)
                   : fsev_current_pid();
    space = bpf_map_lookup_elem(&writers, &key);
    if (space) {
        __sync_fetch_and_add(&space->clusters, units);
        return;
    }
    /* First space this writer takes here: the slow path names it. */
    fresh.clusters = units;
    fresh.first_ns = bpf_ktime_get_ns();
    if (unit_bytes)
        fresh.cluster_bytes = unit_bytes;
    else
        fresh.cluster_bytes = (__u32)BPF_CORE_READ(sb, s_blocksize)
                              << (BPF_CORE_READ(fsev_ext4_sb_info(sb), s_cluster_bits) & 31);
    bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
    if (bpf_map_update_elem(&writers, &key, &fresh, BPF_NOEXIST) == 0)
        return;
    /* Another CPU made it meanwhile. */
    space = bpf_map_lookup_elem(&writers, &key);
    if (space)
        __sync_fetch_and_add(&space->clusters, units);
    else if (unit_bytes)
        __sync_fetch_and_add(&unattributed_bytes, units * unit_bytes);
    else
        __sync_fetch_and_add(&unattributed_clusters, units);
}

/* Adds `clusters` of ext4 taken on `sb` to the current task's entry. */
static __always_inline void fsev_attribute_clusters(struct super_block *sb, __u64 clusters)
{
    fsev_attribute_units(sb, sb->s_dev, clusters, 0);
}

/* For fsev_space_changed(), right after its traced_superblocks lookup (so
 * an untraced superblock pays nothing more): counts delalloc reservations,
 * `blocks` being the clusters reserved. `source` is a constant at every
 * call site, so other hooks compile to nothing here. */
static __always_inline void fsev_attribute_reservation(const struct fsev_trace_config *config,
                                                       struct super_block *sb, __u32 source,
                                                       __u64 blocks)
{
    if (!count_writers || source != FSEV_SRC_DA_RESERVE || !fsev_attributed(config) || blocks == 0)
        return;
    fsev_attribute_clusters(sb, blocks);
}

/* For ext4_allocate_blocks, with the entry its hook looked up: an
 * allocation of `clusters` with ext4 allocation `flags`. One made for a
 * delalloc reservation (writeback) was counted at reservation time; a
 * failed one took nothing. */
static __always_inline void fsev_attribute_allocation(const struct fsev_trace_config *entry,
                                                      struct super_block *sb, unsigned int flags,
                                                      __u64 clusters)
{
    if (!count_writers || clusters == 0 || (flags & EXT4_MB_DELALLOC_RESERVED) ||
        !fsev_attributed(entry) || fsev_is_daemon())
        return;
    fsev_attribute_clusters(sb, clusters);
}

#endif /* FSEV_ATTRIBUTION_BPF_H */
