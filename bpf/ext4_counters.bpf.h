/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reads what statfs(2) would report as f_bavail for an ext4 superblock, from
 * the filesystem's own counters (see ext4_statfs() in fs/ext4/super.c):
 *
 *   f_bfree  = C2B(max(free_clusters - dirty_clusters, 0))
 *   f_bavail = f_bfree - (r_blocks_count + C2B(resv_clusters)), floored at 0
 *
 * free/dirty clusters are per-cpu counters. Their `count` field alone lags
 * by up to batch x nr_cpus; statfs sums the per-cpu deltas. We do the same
 * sum; bpf_per_cpu_ptr() on the counter's own `counters` pointer is refused
 * by the verifier, so each CPU's offset comes from a per-cpu map (below).
 */
#ifndef FSEV_EXT4_COUNTERS_BPF_H
#define FSEV_EXT4_COUNTERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* Upper bound for the per-cpu loop; the daemon sets nr_possible_cpus. */
#define FSEV_MAX_CPUS 1024
#define EXT4_FEATURE_INCOMPAT_64BIT 0x0080

/* Set by the daemon before load. */
const volatile __u32 nr_possible_cpus = 1;

/*
 * A one-slot per-cpu array used only to learn each CPU's per-cpu offset:
 * bpf_map_lookup_percpu_elem() returns base + offset(cpu), and the base is
 * the array's own pptrs[0]. Typed per-cpu ksyms (this_cpu_off) would be
 * simpler but need CONFIG_KALLSYMS_ALL, which distribution kernels and
 * these VMs do not all have.
 */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} percpu_offset_probe SEC(".maps");

/* The verifier forbids arithmetic on map pointers; a pointer copied through
 * the stack with a probe read comes out as a plain number. */
static __always_inline __u64 fsev_address_of(void *pointer)
{
    __u64 address = 0;

    bpf_probe_read_kernel(&address, sizeof(address), &pointer);
    return address;
}

struct fsev_cpu_sum_ctx {
    __u64 counters;    /* per-cpu base address of the s32 deltas */
    __u64 probe_base;  /* per-cpu base address of percpu_offset_probe */
    __s64 sum;
};

static long fsev_add_cpu_delta(__u32 cpu, void *data)
{
    struct fsev_cpu_sum_ctx *ctx = data;
    __u32 zero = 0;
    __s32 delta = 0;
    void *slot;

    if (cpu >= nr_possible_cpus)
        return 1; /* stop the loop */
    slot = bpf_map_lookup_percpu_elem(&percpu_offset_probe, &zero, cpu);
    if (!slot)
        return 0;
    if (bpf_probe_read_kernel(&delta, sizeof(delta),
                              (void *)(ctx->counters + (fsev_address_of(slot) - ctx->probe_base))) == 0)
        ctx->sum += delta;
    return 0;
}

/* percpu_offset_probe's per-cpu base (struct bpf_array.pptrs[0]). */
static __always_inline __u64 fsev_percpu_probe_base(void)
{
    __u64 map_address = fsev_address_of(&percpu_offset_probe), base = 0;

    bpf_probe_read_kernel(&base, sizeof(base),
                          (void *)(map_address + bpf_core_field_offset(struct bpf_array, pptrs)));
    return base;
}

/* Non-zero while a CPU holds the counter's lock (folding its delta into
 * `count`). Architectures whose spinlock has no `val` read as unlocked. */
static __always_inline __u32 fsev_percpu_counter_locked(struct percpu_counter *counter)
{
    if (!bpf_core_field_exists(counter->lock.raw_lock.val))
        return 0;
    return BPF_CORE_READ(counter, lock.raw_lock.val.counter);
}

/*
 * The exact value of a percpu_counter, as percpu_counter_sum() computes it,
 * but without its lock. A CPU folding its delta moves `count`, then its own
 * delta, under that lock; a sum read across such a fold counts the delta
 * twice or not at all. *settled is cleared when that may have happened:
 * the lock was held after `count` was read, or `count` moved before the
 * sum ended. On bare metal a fold lasts a few instructions with interrupts
 * off; on a virtual CPU the hypervisor can stop it in the middle for
 * milliseconds.
 */
static __always_inline __s64 fsev_percpu_counter_sum(struct percpu_counter *counter,
                                                    bool *settled)
{
    struct fsev_cpu_sum_ctx ctx = {
        .counters = (__u64)BPF_CORE_READ(counter, counters),
        .probe_base = fsev_percpu_probe_base(),
        .sum = BPF_CORE_READ(counter, count),
    };
    __s64 count = ctx.sum;

    if (fsev_percpu_counter_locked(counter))
        *settled = false;
    if (ctx.counters && ctx.probe_base)
        bpf_loop(FSEV_MAX_CPUS, fsev_add_cpu_delta, &ctx, 0);
    if (BPF_CORE_READ(counter, count) != count)
        *settled = false;
    return ctx.sum;
}

static __always_inline struct ext4_sb_info *fsev_ext4_sb_info(struct super_block *sb)
{
    return (struct ext4_sb_info *)BPF_CORE_READ(sb, s_fs_info);
}

/* What the available count needs besides the free and dirty counters:
 * read once per hook, however many times the counters are read. */
struct fsev_ext4_space {
    struct ext4_sb_info *sbi;
    __u32 cluster_bits;
    __u64 reserved_blocks; /* s_r_blocks_count + C2B(s_resv_clusters) */
};

static __always_inline void fsev_ext4_space_read(struct super_block *sb,
                                                 struct fsev_ext4_space *space)
{
    struct ext4_sb_info *sbi = fsev_ext4_sb_info(sb);
    struct ext4_super_block *es = BPF_CORE_READ(sbi, s_es);
    __s64 resv_clusters = BPF_CORE_READ(sbi, s_resv_clusters.counter);
    __u64 reserved = BPF_CORE_READ(es, s_r_blocks_count_lo);

    space->sbi = sbi;
    space->cluster_bits = BPF_CORE_READ(sbi, s_cluster_bits) & 63;
    if (BPF_CORE_READ(es, s_feature_incompat) & EXT4_FEATURE_INCOMPAT_64BIT)
        reserved |= (__u64)BPF_CORE_READ(es, s_r_blocks_count_hi) << 32;
    space->reserved_blocks = reserved + ((__u64)resv_clusters << space->cluster_bits);
}

/*
 * Available blocks, as statfs reports them, of the filesystem `space` was
 * read from. `pending_clusters` is a change the calling hook is about to
 * apply to free - dirty (tracepoints that fire just before ext4 updates its
 * counters); adding it here reports the value as it is once this change has
 * landed. `exact`: sum the per-cpu deltas (as statfs does) instead of
 * trusting the cheap `count` fields; *settled is then cleared when a sum
 * may have been read across a fold (see fsev_percpu_counter_sum()).
 */
static __always_inline __u64 fsev_ext4_space_available_settled(
    const struct fsev_ext4_space *space, __s64 pending_clusters, bool exact, bool *settled)
{
    struct ext4_sb_info *sbi = space->sbi;
    __s64 free, dirty, free_clusters;
    __u64 free_blocks;

    if (exact) {
        free = fsev_percpu_counter_sum(&sbi->s_freeclusters_counter, settled);
        dirty = fsev_percpu_counter_sum(&sbi->s_dirtyclusters_counter, settled);
    } else {
        free = BPF_CORE_READ(sbi, s_freeclusters_counter.count);
        dirty = BPF_CORE_READ(sbi, s_dirtyclusters_counter.count);
    }
    free_clusters = free - dirty + pending_clusters;
    if (free_clusters < 0)
        free_clusters = 0;
    free_blocks = (__u64)free_clusters << space->cluster_bits;
    return free_blocks > space->reserved_blocks ? free_blocks - space->reserved_blocks : 0;
}

static __always_inline __u64 fsev_ext4_space_available(const struct fsev_ext4_space *space,
                                                      __s64 pending_clusters, bool exact)
{
    bool settled = true;

    return fsev_ext4_space_available_settled(space, pending_clusters, exact, &settled);
}

/* The same in one go, for hooks that read the count once. */
static __always_inline __u64 fsev_ext4_available_blocks(struct super_block *sb,
                                                       __s64 pending_clusters, bool exact)
{
    struct fsev_ext4_space space;

    fsev_ext4_space_read(sb, &space);
    return fsev_ext4_space_available(&space, pending_clusters, exact);
}

#endif /* FSEV_EXT4_COUNTERS_BPF_H */
