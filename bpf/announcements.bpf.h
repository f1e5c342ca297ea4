/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Changes a hook counts before ext4 applies them.
 *
 * ext4_free_blocks, ext4_da_release_space and ext4_da_update_reserve_space
 * fire before ext4 moves its counter. The hook counts the change; other
 * threads read the counters without it until it lands, a count too low by
 * the change, which can fake a level being reached (never one being
 * left). A level reached while another thread's change may still be
 * landing is left to a later hook (rule 4 of docs/exactness.md).
 *
 * When a change has landed:
 *   ext4_da_release_space, ext4_da_update_reserve_space
 *       ext4 moves the dirty-cluster counter before it releases the
 *       inode's i_block_reservation_lock, which it took before the
 *       tracepoint. A spin lock keeps the thread on its CPU until then, so
 *       a CPU has at most one such change pending: one slot per CPU. Until
 *       the change lands, that lock is held and that CPU's delta of the
 *       counter is what the hook saw (nothing else runs there to move
 *       it), however long the CPU is held up in between (a hypervisor
 *       stopping a virtual CPU for milliseconds). Once either differs, the
 *       change has landed. Both are needed: the lock alone can be held
 *       again by a later reservation on the same inode, or on another
 *       inode whose memory it took over; the delta alone can come back to
 *       the same value (a fold into the shared count leaves 0, as it was).
 *   ext4_free_blocks
 *       the free-cluster counter moves after the block bitmap is updated,
 *       which may sleep and move the thread to another CPU: no lock to
 *       look at. Its change is taken as landed one millisecond after the
 *       hook, the time the few instructions to the update take even with
 *       interrupts served in between.
 */
#ifndef FSEV_ANNOUNCEMENTS_BPF_H
#define FSEV_ANNOUNCEMENTS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "ext4_counters.bpf.h"
#include "space_in_flight.bpf.h"

/* How long a change without a lock to look at counts as landing. */
#define FSEV_ANNOUNCED_CHANGE_NS 1000000ull

/* A slot older than this no longer holds crossings back: no CPU is held up
 * inside a reservation update that long. */
#define FSEV_LOCKED_CHANGE_STALE_NS 1000000000ull

/* The change announced on one CPU from inside a reservation lock. A cache
 * line each: CPUs write their own slot on every reservation update. */
struct fsev_locked_change {
    __u64 lock; /* kernel address of the lock word, 0 when none */
    __u64 delta_address; /* kernel address of the CPU's dirty-counter delta, 0 if unknown */
    __u64 announced_ns;
    __u32 dev;
    __u32 tid;
    __s32 delta; /* that delta when the hook ran */
} __attribute__((aligned(64)));

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, FSEV_MAX_CPUS);
    __type(key, __u32);
    __type(value, struct fsev_locked_change);
} locked_changes SEC(".maps");

/* The kernel address of the word that is non-zero while `inode`'s
 * i_block_reservation_lock is held. 0 where the spin lock is not a queued
 * spin lock (PREEMPT_RT makes it a sleeping lock): such changes are taken
 * as landed after FSEV_ANNOUNCED_CHANGE_NS, as ext4_free_blocks's. */
static __always_inline __u64 fsev_reservation_lock(struct inode *inode)
{
    if (!bpf_core_field_exists(struct spinlock, rlock) ||
        !bpf_core_field_exists(struct qspinlock, val))
        return 0;
    return (__u64)inode - bpf_core_field_offset(struct ext4_inode_info, vfs_inode) +
           bpf_core_field_offset(struct ext4_inode_info, i_block_reservation_lock) +
           bpf_core_field_offset(struct spinlock, rlock) +
           bpf_core_field_offset(struct raw_spinlock, raw_lock) +
           bpf_core_field_offset(struct qspinlock, val);
}

/* The current thread's hook fires before ext4 applies its change on `dev`
 * (whose sums `total` are, whose ext4_sb_info `sbi` is); `held_lock`: the
 * reservation lock the hook runs under (fsev_reservation_lock()), released
 * once the change has landed, or 0 for none. */
static __always_inline void fsev_announce_change(struct fsev_superblock_in_flight *total,
                                                 __u32 dev, __u64 held_lock,
                                                 struct ext4_sb_info *sbi)
{
    struct fsev_locked_change *slot;
    __u64 delta_address;
    __u32 cpu;

    if (total) {
        total->announcer_tid = fsev_current_tid();
        total->announced_ns = bpf_ktime_get_ns();
    }
    if (!held_lock)
        return;
    cpu = bpf_get_smp_processor_id();
    slot = bpf_map_lookup_elem(&locked_changes, &cpu);
    if (!slot)
        return;
    /* Readers match the device last: a slot half rewritten reads as
     * another device's, and the per-superblock time covers that instant. */
    *(volatile __u32 *)&slot->dev = 0;
    asm volatile("" ::: "memory");
    delta_address = fsev_own_dirty_delta_address(sbi);
    slot->lock = held_lock;
    slot->delta_address = delta_address;
    slot->delta = delta_address ? fsev_read_s32(delta_address) : 0;
    slot->tid = fsev_current_tid();
    slot->announced_ns = bpf_ktime_get_ns();
    asm volatile("" ::: "memory");
    *(volatile __u32 *)&slot->dev = dev;
}

struct fsev_landing_ctx {
    __u64 now;
    __u64 held_lock;
    __u32 dev;
    __u32 tid;
    bool landing;
};

static long fsev_check_locked_change(__u32 cpu, void *data)
{
    struct fsev_landing_ctx *ctx = data;
    struct fsev_locked_change *slot;
    __u64 lock;

    if (cpu >= nr_possible_cpus)
        return 1;
    slot = bpf_map_lookup_elem(&locked_changes, &cpu);
    if (!slot)
        return 1;
    if (*(volatile __u32 *)&slot->dev != ctx->dev)
        return 0;
    /* The rest is read after the device, as fsev_announce_change() writes
     * it before. */
    asm volatile("" ::: "memory");
    if (slot->tid == ctx->tid || ctx->now - slot->announced_ns > FSEV_LOCKED_CHANGE_STALE_NS)
        return 0;
    lock = slot->lock;
    /* Held by the reader itself (a later reservation on the same inode):
     * the change under it landed before the reader took it. */
    if (lock == ctx->held_lock)
        return 0;
    /* A lock that cannot be read (read as 0) belongs to memory given back:
     * its inode, and so the change, are long gone. */
    if (fsev_read_s32(lock) == 0)
        return 0;
    if (slot->delta_address && fsev_read_s32(slot->delta_address) != slot->delta)
        return 0;
    ctx->landing = true;
    return 1;
}

/* True when a change another thread announced on `dev` (whose sums `total`
 * are) may not have landed yet: the count read now can lack it. `held_lock`:
 * the reservation lock the current hook runs under, or 0. Runs only where a
 * level is about to be reached, so its loop over the CPUs is not paid per
 * hook. */
static __always_inline bool fsev_change_may_be_landing(struct fsev_superblock_in_flight *total,
                                                       __u32 dev, __u64 held_lock)
{
    struct fsev_landing_ctx ctx = {
        .now = bpf_ktime_get_ns(),
        .held_lock = held_lock,
        .dev = dev,
        .tid = fsev_current_tid(),
    };

    if (total && total->announcer_tid != ctx.tid &&
        ctx.now - *(volatile __u64 *)&total->announced_ns < FSEV_ANNOUNCED_CHANGE_NS)
        return true;
    bpf_loop(FSEV_MAX_CPUS, fsev_check_locked_change, &ctx, 0);
    return ctx.landing;
}

#endif /* FSEV_ANNOUNCEMENTS_BPF_H */
