/* SPDX-License-Identifier: MIT */
/*
 * The two-level threshold state machine, shared by the BPF programs (which
 * run it at the moment space changes) and the daemon (which runs it when a
 * threshold is armed, and in unit tests). Pure C, no helpers, no loops.
 *
 * Levels count available blocks. L1 ("lower range") is reached first while
 * filling, L2 ("upper range") is closer to full, L1 >= L2. A level is
 * "reached" while available <= level. Each change of a reached bit is one
 * crossing, reported once: filling reports L1 then L2, freeing reports L2
 * then L1 (the order in which the levels are passed).
 */
#ifndef FSEV_THRESHOLD_H
#define FSEV_THRESHOLD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "fsev/fs_event.h"

/* BPF programs cannot pass a struct by value to a function that is not
 * inlined (fsev_threshold_advance() returns one): inlined everywhere. */
#define FSEV_THRESHOLD_FUNCTION static inline __attribute__((always_inline))

/* Which levels an entry has (fsev_trace_config.levels). */
#define FSEV_HAS_LOWER 0x1u
#define FSEV_HAS_UPPER 0x2u
/* Which levels are currently reached (fsev_trace_config.reached). */
#define FSEV_LOWER_REACHED 0x1u
#define FSEV_UPPER_REACHED 0x2u

struct fsev_crossing {
    __u32 event_id;  /* FS_THRESH_LR_REACHED or FS_THRESH_UR_REACHED */
    __u32 direction; /* FS_EVENT_DIR_FILLING or FS_EVENT_DIR_FREEING */
};

struct fsev_threshold_step {
    __u32 reached;                    /* the new reached bits */
    __u32 count;                      /* crossings[0..count) happened, in order */
    struct fsev_crossing crossings[2];
};

FSEV_THRESHOLD_FUNCTION __u32 fsev_reached_bits(__u32 levels, __u64 lower, __u64 upper,
                                                __u64 available)
{
    __u32 reached = 0;

    if ((levels & FSEV_HAS_LOWER) && available <= lower)
        reached |= FSEV_LOWER_REACHED;
    if ((levels & FSEV_HAS_UPPER) && available <= upper)
        reached |= FSEV_UPPER_REACHED;
    return reached;
}

FSEV_THRESHOLD_FUNCTION void fsev_add_crossing(struct fsev_threshold_step *step, __u32 event_id,
                                               __u32 direction)
{
    if (step->count < 2) {
        step->crossings[step->count].event_id = event_id;
        step->crossings[step->count].direction = direction;
        step->count++;
    }
}

/* From the old reached bits and the available count now, the new bits and
 * the crossings between them. */
FSEV_THRESHOLD_FUNCTION struct fsev_threshold_step fsev_threshold_advance(__u32 old_reached,
                                                                          __u32 levels,
                                                                          __u64 lower,
                                                                          __u64 upper,
                                                                          __u64 available)
{
    struct fsev_threshold_step step;
    __u32 changed;

    __builtin_memset(&step, 0, sizeof(step));
    step.reached = fsev_reached_bits(levels, lower, upper, available);
    changed = step.reached ^ old_reached;
    /* Filling: L1 is passed before L2. */
    if ((changed & FSEV_LOWER_REACHED) && (step.reached & FSEV_LOWER_REACHED))
        fsev_add_crossing(&step, FS_THRESH_LR_REACHED, FS_EVENT_DIR_FILLING);
    if ((changed & FSEV_UPPER_REACHED) && (step.reached & FSEV_UPPER_REACHED))
        fsev_add_crossing(&step, FS_THRESH_UR_REACHED, FS_EVENT_DIR_FILLING);
    /* Freeing: L2 is passed before L1. */
    if ((changed & FSEV_UPPER_REACHED) && !(step.reached & FSEV_UPPER_REACHED))
        fsev_add_crossing(&step, FS_THRESH_UR_REACHED, FS_EVENT_DIR_FREEING);
    if ((changed & FSEV_LOWER_REACHED) && !(step.reached & FSEV_LOWER_REACHED))
        fsev_add_crossing(&step, FS_THRESH_LR_REACHED, FS_EVENT_DIR_FREEING);
    return step;
}

/* True when `available` is so close to a level that a reading off by up to
 * `margin` blocks could put it on the other side. */
FSEV_THRESHOLD_FUNCTION int fsev_near_a_level(__u32 levels, __u64 lower, __u64 upper,
                                              __u64 available, __u64 margin)
{
    __u64 low_edge = available > margin ? available - margin : 0;
    __u64 high_edge = available + margin;

    if ((levels & FSEV_HAS_LOWER) && lower >= low_edge && lower < high_edge)
        return 1;
    if ((levels & FSEV_HAS_UPPER) && upper >= low_edge && upper < high_edge)
        return 1;
    return 0;
}

/* The least change of `available`, in blocks, that moves its reached bit
 * of `level`: down to the level when above it, else to one block above. */
FSEV_THRESHOLD_FUNCTION __u64 fsev_blocks_to_cross(__u64 level, __u64 available)
{
    return available > level ? available - level : level - available + 1;
}

/* The least change of `available`, in blocks, up or down, that can move a
 * reached bit. ~0 when there are no levels. Only meaningful when the bits
 * of `available` are the state (fsev_reached_bits() of it). */
FSEV_THRESHOLD_FUNCTION __u64 fsev_blocks_to_a_crossing(__u32 levels, __u64 lower, __u64 upper,
                                                        __u64 available)
{
    __u64 nearest = ~0ull;

    if ((levels & FSEV_HAS_LOWER) && fsev_blocks_to_cross(lower, available) < nearest)
        nearest = fsev_blocks_to_cross(lower, available);
    if ((levels & FSEV_HAS_UPPER) && fsev_blocks_to_cross(upper, available) < nearest)
        nearest = fsev_blocks_to_cross(upper, available);
    return nearest;
}

#endif /* FSEV_THRESHOLD_H */
