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
 * The hot path, a writer going on writing on the CPU it wrote on last, is
 * one per-CPU array lookup and a plain add (fsev_attribute_units); the map
 * is LRU, so a machine with many short-lived writers loses the least
 * recently active ones, not the counting.
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

/* Per CPU, the writer counted last and its units not yet in `writers`
 * (fsev_attribute_units). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct fsev_writer_slot);
} writer_slots SEC(".maps");

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

/* Adds `units` to `key`'s entry, making it (named after the current task)
 * when there is none. False when there is none and it could not be made:
 * the units went to the unattributed counters. */
static __always_inline bool fsev_add_to_writer(const struct fsev_writer_key *key,
                                               struct super_block *sb, __u64 units,
                                               __u32 unit_bytes)
{
    struct fsev_writer_space *space, fresh = {};

    space = bpf_map_lookup_elem(&writers, key);
    if (space) {
        __sync_fetch_and_add(&space->clusters, units);
        return true;
    }
    /* First space this writer takes here: the slow path names it. */
    fresh.clusters = units;
    fresh.first_ns = bpf_ktime_get_ns();
    if (unit_bytes)
        fresh.cluster_bytes = unit_bytes;
    else
        fresh.cluster_bytes =
            (__u32)BPF_CORE_READ(sb, s_blocksize)
            << (FSEV_READ(FSEV_SBI(fsev_ext4_sb_info(sb)), s_cluster_bits) & 31);
    bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
    if (bpf_map_update_elem(&writers, key, &fresh, BPF_NOEXIST) == 0)
        return true;
    /* Another CPU made it meanwhile. */
    space = bpf_map_lookup_elem(&writers, key);
    if (space) {
        __sync_fetch_and_add(&space->clusters, units);
        return true;
    }
    if (unit_bytes)
        __sync_fetch_and_add(&unattributed_bytes, units * unit_bytes);
    else
        __sync_fetch_and_add(&unattributed_clusters, units);
    return false;
}

/* The current task's cgroup (its id on the default hierarchy) and process,
 * as bpf_get_current_cgroup_id() and bpf_get_current_pid_tgid() give them:
 * the same walk (task->cgroups->dfl_cgrp->kn->id), done with plain loads
 * through the task's BTF type instead of two helper calls, which were the
 * largest part of counting a writer. Tracing programs run under RCU, as
 * the helper's walk does. */
static __always_inline void fsev_current_writer(struct fsev_writer_key *key)
{
    struct task_struct *task = bpf_get_current_task_btf();

    key->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
    /* pidns_ino is a load-time constant: one branch stays. */
    key->tgid = (pidns_ino == 0 || pidns_ino == FSEV_INITIAL_PIDNS_INO) ? (__u32)task->tgid
                                                                         : fsev_current_pid();
}

/* Stops the compiler moving memory accesses across it: the slot's fields
 * are written in the order the daemon's reader relies on. */
#define fsev_compiler_barrier() asm volatile("" ::: "memory")

/*
 * Adds `units` taken on `sb` (kernel dev_t `dev`) to the current task's
 * count: ext4 clusters when `unit_bytes` is 0, else units of `unit_bytes`
 * bytes. `unit_bytes` is a constant at every call site. The caller reads
 * `dev`: a trusted tracepoint argument directly, a pointer found by
 * probe-reads (other_fs.bpf.h) with BPF_CORE_READ.
 *
 * The writer this CPU counted last keeps a slot (writer_slots): while the
 * same writer goes on taking space on this CPU, which is what a writing
 * task does between migrations, its units are added to the slot's
 * `pending`, a plain add on this CPU's memory instead of a hash lookup and
 * an atomic add on a shared entry. Another writer first gets its units
 * into its own entry (made there if new, so comm and first_ns are its
 * own), then takes the slot; the pending units of the writer it replaces
 * are added to that writer's entry. The daemon adds every CPU's pending
 * units to the entry they belong to (user/attribution/writer_counts.cpp).
 *
 * Two programs using one CPU's slot at once would lose or misplace units:
 * the hooks run with migration disabled, so only programs on this CPU can
 * meet in the slot, but one can interrupt another (a hook run from an
 * interrupt or NMI, or, where tracepoints run preemptible such as the
 * syscall-exit one on newer kernels, another task's run). `busy` is taken
 * with a compare-and-exchange, which is atomic against all of these; a
 * program that finds it taken counts straight into the writers map.
 *
 * The daemon reads the slots from another CPU while they change. A change
 * of writer (1) writes `begun`, (2) clears `pending` and writes the new
 * key, (3) writes `done`, and only then (4) adds the old pending units to
 * the old writer's entry. x86 keeps stores in program order (this object
 * is x86-only, see other_fs.bpf.h) and the compiler barriers keep the
 * compiler from moving them, so a reader that copies a slot from `done`
 * to `begun` and finds them equal has a key and a pending count of one
 * writer; and a reader that reads the map before the slots never finds
 * units in both places: at worst, during (2)-(4), in neither, which it
 * treats as the previous snapshot (user/attribution/writer_windows.cpp).
 */
static __always_inline void fsev_attribute_units(struct super_block *sb, __u32 dev, __u64 units,
                                                 __u32 unit_bytes)
{
    struct fsev_writer_key key = {}, replaced;
    struct fsev_writer_slot *slot;
    struct fsev_writer_space *space;
    __u32 zero = 0, replaced_unit_bytes;
    __u64 replaced_units;

    fsev_current_writer(&key);
    key.dev = dev;
    slot = bpf_map_lookup_elem(&writer_slots, &zero);
    if (!slot || __sync_val_compare_and_swap(&slot->busy, 0, 1) != 0) {
        fsev_add_to_writer(&key, sb, units, unit_bytes);
        return;
    }
    fsev_compiler_barrier();
    if (slot->key.cgroup_id == key.cgroup_id && slot->key.dev == key.dev &&
        slot->key.tgid == key.tgid) {
        slot->pending += units;
        fsev_compiler_barrier();
        slot->busy = 0;
        return;
    }
    if (!fsev_add_to_writer(&key, sb, units, unit_bytes)) {
        fsev_compiler_barrier();
        slot->busy = 0;
        return;
    }
    replaced = slot->key;
    replaced_units = slot->pending;
    replaced_unit_bytes = slot->unit_bytes;
    slot->begun++;
    fsev_compiler_barrier();
    slot->pending = 0;
    slot->key = key;
    slot->unit_bytes = unit_bytes;
    fsev_compiler_barrier();
    slot->done = slot->begun;
    fsev_compiler_barrier();
    slot->busy = 0;
    if (replaced_units == 0)
        return;
    space = bpf_map_lookup_elem(&writers, &replaced);
    if (space)
        __sync_fetch_and_add(&space->clusters, replaced_units);
    else if (replaced_unit_bytes) /* evicted meanwhile: no name left for them */
        __sync_fetch_and_add(&unattributed_bytes, replaced_units * replaced_unit_bytes);
    else
        __sync_fetch_and_add(&unattributed_clusters, replaced_units);
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
