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

#include "fsev/bpf_shared.h"

/* Upper bound for the per-cpu loop; the daemon sets nr_possible_cpus. */
#define FSEV_MAX_CPUS 1024
#define EXT4_FEATURE_INCOMPAT_64BIT 0x0080

/* Set by the daemon before load. */
const volatile __u32 nr_possible_cpus = 1;

/*
 * Reads of ext4_sb_info and what hangs off it. sb->s_fs_info is `void *`,
 * so the verifier lets a program follow it only through bpf_probe_read
 * (a helper call per field). Built with FSEV_PLAIN_LOADS, the object casts
 * it with the bpf_rdonly_cast kfunc instead, and each field is one load the
 * JIT guards against faults. That kfunc exists from Linux 6.2 and casts only
 * to types of vmlinux's own BTF, so this build is loaded where ext4 is built
 * in (not on Debian's kernels, where it is a module); the daemon picks it
 * from the running kernel's BTF (user/probes/kernel_features.cpp). Either
 * way a bad address reads as 0.
 */
#ifdef FSEV_PLAIN_LOADS
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define FSEV_SBI(sbi)                                                                     \
    ((struct ext4_sb_info *)bpf_rdonly_cast((sbi),                                     \
                                            bpf_core_type_id_kernel(struct ext4_sb_info)))
#define FSEV_READ(pointer, field) ((pointer)->field)
#else
#define FSEV_SBI(sbi) (sbi)
#define FSEV_READ(pointer, field) BPF_CORE_READ(pointer, field)
#endif

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

/* Each CPU's per-cpu offset, learnt from percpu_offset_probe on first use
 * (offsets are fixed at boot): the exact sum then costs two reads per CPU.
 * 0 means not learnt yet (CPU 0's offset is never 0 on x86_64). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, FSEV_MAX_CPUS);
    __type(key, __u32);
    __type(value, __u64);
} percpu_offsets SEC(".maps");

/* The verifier forbids arithmetic on map pointers; a pointer copied through
 * the stack with a probe read comes out as a plain number. */
static __always_inline __u64 fsev_address_of(void *pointer)
{
    __u64 address = 0;

    bpf_probe_read_kernel(&address, sizeof(address), &pointer);
    return address;
}

#ifdef FSEV_PLAIN_LOADS
/* The s32 at kernel address `address` (a CPU's delta of a per-cpu counter),
 * one guarded load. bpf_rdonly_cast casts only to a struct, so the address
 * is taken as a struct refcount_struct, a named struct of exactly one int. */
static __always_inline __s32 fsev_read_s32(__u64 address)
{
    struct refcount_struct *word =
        bpf_rdonly_cast((void *)address, bpf_core_type_id_kernel(struct refcount_struct));

    return word->refs.counter;
}
#else
/* The same with bpf_probe_read: 0 where the address cannot be read. */
static __always_inline __s32 fsev_read_s32(__u64 address)
{
    __s32 value = 0;

    bpf_probe_read_kernel(&value, sizeof(value), (void *)address);
    return value;
}
#endif

/* percpu_offset_probe's per-cpu base (struct bpf_array.pptrs[0]). */
static __always_inline __u64 fsev_percpu_probe_base(void)
{
    __u64 map_address = fsev_address_of(&percpu_offset_probe), base = 0;

    bpf_probe_read_kernel(&base, sizeof(base),
                          (void *)(map_address + bpf_core_field_offset(struct bpf_array, pptrs)));
    return base;
}

/* Both counters free - dirty needs, summed in one pass over the CPUs. */
struct fsev_cpu_sum_ctx {
    __u64 free_counters;  /* per-cpu base address of the free-cluster s32 deltas */
    __u64 dirty_counters; /* per-cpu base address of the dirty-cluster s32 deltas */
    __s64 free;
    __s64 dirty;
};

/* `cpu`'s per-cpu offset (learnt on first use: it stays for the boot), or 0
 * when it cannot be had. */
static __always_inline __u64 fsev_cpu_offset(__u32 cpu)
{
    __u32 zero = 0;
    __u64 *known = bpf_map_lookup_elem(&percpu_offsets, &cpu), base;
    void *slot;

    if (!known)
        return 0;
    if (!*known) {
        slot = bpf_map_lookup_percpu_elem(&percpu_offset_probe, &zero, cpu);
        base = fsev_percpu_probe_base();
        if (!slot || !base)
            return 0;
        *known = fsev_address_of(slot) - base;
    }
    return *known;
}

static long fsev_add_cpu_deltas(__u32 cpu, void *data)
{
    struct fsev_cpu_sum_ctx *ctx = data;
    __u64 offset;

    if (cpu >= nr_possible_cpus)
        return 1; /* stop the loop */
    offset = fsev_cpu_offset(cpu);
    if (!offset)
        return 0;
    ctx->free += fsev_read_s32(ctx->free_counters + offset);
    ctx->dirty += fsev_read_s32(ctx->dirty_counters + offset);
    return 0;
}

/* Non-zero while a CPU holds the counter's lock (folding its delta into
 * `count`). Architectures whose spinlock has no `val` read as unlocked. */
static __always_inline __u32 fsev_percpu_counter_locked(struct percpu_counter *counter)
{
    if (!bpf_core_field_exists(counter->lock.raw_lock.val))
        return 0;
    return FSEV_READ(counter, lock.raw_lock.val.counter);
}

/*
 * The exact free - dirty, as percpu_counter_sum() computes each counter,
 * but without their locks, in one pass over the possible CPUs. A CPU
 * folding its delta moves `count`, then its own delta, under the counter's
 * lock; a sum read across such a fold counts the delta twice or not at
 * all. *settled is cleared when that may have happened: a lock was held
 * after `count` was read, or a `count` moved before the sum ended. On bare
 * metal a fold lasts a few instructions with interrupts off; on a virtual
 * CPU the hypervisor can stop it in the middle for milliseconds.
 */
static __always_inline __s64 fsev_exact_free_minus_dirty(struct ext4_sb_info *untyped_sbi,
                                                          bool *settled)
{
    struct ext4_sb_info *sbi = FSEV_SBI(untyped_sbi);
    struct fsev_cpu_sum_ctx ctx = {
        .free_counters = (__u64)FSEV_READ(sbi, s_freeclusters_counter.counters),
        .dirty_counters = (__u64)FSEV_READ(sbi, s_dirtyclusters_counter.counters),
        .free = FSEV_READ(sbi, s_freeclusters_counter.count),
        .dirty = FSEV_READ(sbi, s_dirtyclusters_counter.count),
    };
    __s64 free_count = ctx.free, dirty_count = ctx.dirty;

    if (fsev_percpu_counter_locked(&sbi->s_freeclusters_counter) ||
        fsev_percpu_counter_locked(&sbi->s_dirtyclusters_counter))
        *settled = false;
    if (ctx.free_counters && ctx.dirty_counters)
        bpf_loop(FSEV_MAX_CPUS, fsev_add_cpu_deltas, &ctx, 0);
    if (FSEV_READ(sbi, s_freeclusters_counter.count) != free_count ||
        FSEV_READ(sbi, s_dirtyclusters_counter.count) != dirty_count)
        *settled = false;
    return ctx.free - ctx.dirty;
}

static __always_inline struct ext4_sb_info *fsev_ext4_sb_info(struct super_block *sb)
{
    return (struct ext4_sb_info *)BPF_CORE_READ(sb, s_fs_info);
}

/* The kernel address of the current CPU's delta of the dirty-cluster
 * counter of `untyped_sbi`, or 0 when it cannot be had. */
static __always_inline __u64 fsev_own_dirty_delta_address(struct ext4_sb_info *untyped_sbi)
{
    struct ext4_sb_info *sbi = FSEV_SBI(untyped_sbi);
    __u64 counters = (__u64)FSEV_READ(sbi, s_dirtyclusters_counter.counters);
    __u64 offset = fsev_cpu_offset(bpf_get_smp_processor_id());

    return counters && offset ? counters + offset : 0;
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
    struct ext4_sb_info *untyped_sbi = fsev_ext4_sb_info(sb), *sbi = FSEV_SBI(untyped_sbi);
    struct ext4_super_block *es = FSEV_READ(sbi, s_es);
    __s64 resv_clusters = FSEV_READ(sbi, s_resv_clusters.counter);
    __u64 reserved = FSEV_READ(es, s_r_blocks_count_lo);

    space->sbi = untyped_sbi;
    space->cluster_bits = FSEV_READ(sbi, s_cluster_bits) & 63;
    if (FSEV_READ(es, s_feature_incompat) & EXT4_FEATURE_INCOMPAT_64BIT)
        reserved |= (__u64)FSEV_READ(es, s_r_blocks_count_hi) << 32;
    space->reserved_blocks = reserved + ((__u64)resv_clusters << space->cluster_bits);
}

/* How long, in jiffies (0.1 s at Debian's HZ=250), the reserved blocks
 * kept in a trace entry are used before they are read again. They change
 * only at remount, resize, or a write to /sys/fs/ext4/<dev>/reserved_clusters;
 * the exact reads near a level always read them fresh. (Tracing programs
 * may not call bpf_ktime_get_coarse_ns; bpf_jiffies64 reads one word.) */
#define FSEV_KEPT_SPACE_JIFFIES 25

/* What fsev_ext4_space_read() gives, kept in the trace entry `config` of
 * `sb`: plain loads, no probe-read chain, on most hooks. `sb` must come
 * from a tracepoint's typed arguments: its s_fs_info is then a plain load,
 * compared with the kept address, so a superblock mounted anew under the
 * same device number is never read through the old one's. */
static __always_inline void fsev_ext4_space_kept(struct fsev_trace_config *config,
                                                 struct super_block *sb,
                                                 struct fsev_ext4_space *space)
{
    __u64 sbi = *(volatile __u64 *)&config->ext4_sb_info;
    __u64 now = bpf_jiffies64();

    asm volatile("" ::: "memory"); /* the fields below were written before sbi */
    if (sbi && sbi == (__u64)sb->s_fs_info && now < config->fresh_until) {
        space->sbi = (struct ext4_sb_info *)sbi;
        space->cluster_bits = config->cluster_bits & 63;
        space->reserved_blocks = config->reserved_blocks;
        return;
    }
    fsev_ext4_space_read(sb, space);
    config->cluster_bits = space->cluster_bits;
    config->reserved_blocks = space->reserved_blocks;
    config->fresh_until = now + FSEV_KEPT_SPACE_JIFFIES;
    asm volatile("" ::: "memory");
    *(volatile __u64 *)&config->ext4_sb_info = (__u64)space->sbi;
}

/*
 * Available blocks, as statfs reports them, of the filesystem `space` was
 * read from. `pending_clusters` is a change the calling hook is about to
 * apply to free - dirty (tracepoints that fire just before ext4 updates its
 * counters); adding it here reports the value as it is once this change has
 * landed. `exact`: sum the per-cpu deltas (as statfs does) instead of
 * trusting the cheap `count` fields; *settled is then cleared when a sum
 * may have been read across a fold (see fsev_exact_free_minus_dirty()).
 */
static __always_inline __u64 fsev_ext4_space_available_settled(
    const struct fsev_ext4_space *space, __s64 pending_clusters, bool exact, bool *settled)
{
    struct ext4_sb_info *sbi = FSEV_SBI(space->sbi);
    __s64 free_clusters;
    __u64 free_blocks;

    if (exact)
        free_clusters = fsev_exact_free_minus_dirty(space->sbi, settled);
    else
        free_clusters = FSEV_READ(sbi, s_freeclusters_counter.count) -
                        FSEV_READ(sbi, s_dirtyclusters_counter.count);
    free_clusters += pending_clusters;
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
