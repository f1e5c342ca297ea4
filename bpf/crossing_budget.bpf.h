/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How far the space can move before a level can be crossed.
 *
 * Near a level the counters' cheap `count` fields cannot decide; the exact
 * per-cpu sum must, and it reads every CPU. But once an exact read showed
 * the count B blocks from the nearest crossing (fsev_blocks_to_a_crossing()),
 * no level can be crossed before the space has moved B blocks, up or down.
 * Each hook that runs near a level adds the size of its change to the
 * superblock's `moved` total (one atomic add); while that total is below
 * the mark the exact read set, the hook decides nothing and reads no CPU.
 * The exact sum is taken again when the budget is used up: as the count
 * nears a level the budget shrinks, and the hook whose change reaches the
 * level reads exactly, as before. Far from every level nothing changes:
 * the cheap read decides and nothing is counted.
 *
 * A budget is a fact about the read that set it, so it is set only from a
 * read that could not miss a change already counted in `moved`:
 *   - the total is taken before the read; a change counted after it is
 *     counted again by the budget (harmless: the budget ends sooner);
 *   - hooks that fire after ext4's change (ext4_da_reserve_space,
 *     ext4_allocate_blocks) add their size after the change, so a change
 *     counted before the total is in the read;
 *   - hooks that fire before ext4's change add their size before it: such
 *     a change counted before the total must have landed before the read.
 *     After the first read, nothing announced by another thread may be
 *     landing (fsev_change_may_be_landing()), and a second read, taken
 *     after that check, sets the budget;
 *   - no search started or ended (the generation) and neither read crossed
 *     a fold, as for a crossing (docs/exactness.md);
 *   - the count is on the side of every level that the state says: no
 *     crossing is left undecided.
 * It holds for the state it was set in (its two low bits) and for the
 * levels of its trace entry (the daemon writes a new entry, budget 0, when
 * they change). A hook far from every level does not count its change, so
 * it clears the budget. What no hook sees (a resize, a remount changing
 * the reserved blocks, a write to /sys/fs/ext4/<dev>/reserved_clusters, a
 * group marked corrupt) is seen by the first exact read once the budget
 * expires, FSEV_CROSSING_BUDGET_JIFFIES after it was set.
 */
#ifndef FSEV_CROSSING_BUDGET_BPF_H
#define FSEV_CROSSING_BUDGET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "announcements.bpf.h"
#include "ext4_counters.bpf.h"
#include "fsev/bpf_shared.h"
#include "fsev/threshold.h"
#include "space_in_flight.bpf.h"

/* A budget is trusted for at least one whole jiffy (4 ms at Debian's
 * HZ=250): at most a few hundred exact reads a second per superblock
 * however busy it is, and space moved behind the hooks' backs is seen
 * within milliseconds. */
#define FSEV_CROSSING_BUDGET_JIFFIES 2

/* A budget larger than this many clusters is cut to it (no levels, or a
 * level very far away): the mark cannot overflow. */
#define FSEV_CROSSING_BUDGET_MAX_CLUSTERS (1ull << 40)

static __always_inline __u64 fsev_abs(__s64 value)
{
    return value < 0 ? (__u64)-value : (__u64)value;
}

/* Adds `clusters`, the size of the current hook's change, to the moved
 * total of `total`; the total after it. */
static __always_inline __u64 fsev_space_moved(struct fsev_superblock_in_flight *total,
                                              __u64 clusters)
{
    return __sync_fetch_and_add(&total->moved, clusters) + clusters;
}

/* True while the budget of `config` rules out any crossing: the state is
 * still `reached`, the one it was set in, the moved total `moved` (the
 * current hook's change included) is below its mark, and it has not
 * expired. */
static __always_inline bool fsev_budget_holds(struct fsev_trace_config *config, __u32 reached,
                                              __u64 moved)
{
    __u64 budget = *(volatile __u64 *)&config->crossing_budget;

    if ((budget & 3) != reached || moved >= budget >> 2)
        return false;
    return bpf_jiffies64() < *(volatile __u64 *)&config->crossing_budget_until;
}

/* The space moved without being counted (a hook far from the levels, the
 * daemon's own writes): the budget no longer holds. */
static __always_inline void fsev_budget_drop(struct fsev_trace_config *config)
{
    if (*(volatile __u64 *)&config->crossing_budget)
        *(volatile __u64 *)&config->crossing_budget = 0;
}

/* An exact read, taken after the moved total was `moved_before`, showed
 * `available` blocks, whose reached bits are `reached`, the state. */
static __always_inline void fsev_budget_set(struct fsev_trace_config *config, __u32 reached,
                                            __u64 moved_before, __u64 available,
                                            __u32 cluster_bits)
{
    __u64 blocks = fsev_blocks_to_a_crossing(config->levels, config->lower_level,
                                             config->upper_level, available);
    __u64 clusters;

    cluster_bits &= 31;
    /* The count moves in whole clusters: a level `blocks` away is reached
     * after that many blocks rounded up to clusters. */
    clusters = blocks >= FSEV_CROSSING_BUDGET_MAX_CLUSTERS
                   ? FSEV_CROSSING_BUDGET_MAX_CLUSTERS
                   : (blocks + (1ull << cluster_bits) - 1) >> cluster_bits;
    *(volatile __u64 *)&config->crossing_budget_until =
        bpf_jiffies64() + FSEV_CROSSING_BUDGET_JIFFIES;
    /* Readers read the mark first: one that sees this mark sees this
     * expiry or a later one. */
    asm volatile("" ::: "memory");
    *(volatile __u64 *)&config->crossing_budget = ((moved_before + clusters) << 2) | (reached & 3);
}

/*
 * An exact read of `space` (pending_clusters and the space in flight
 * added), settled, taken after the moved total was `moved_before` and the
 * search generation `generation`, showed no crossing due in the state
 * `reached`. Sets the budget when nothing another thread announced can be
 * missing from a second read taken now (see the top of this file).
 * `held_lock`: the reservation lock the current hook runs under, or 0.
 */
static __always_inline void fsev_budget_renew(struct fsev_trace_config *config,
                                              struct fsev_superblock_in_flight *in_flight,
                                              const struct fsev_ext4_space *space,
                                              __s64 pending_clusters, __u32 reached,
                                              __u64 moved_before, __u64 generation, __u32 dev,
                                              __u64 held_lock)
{
    bool settled = true;
    __u64 available;

    if (fsev_change_may_be_landing(in_flight, dev, held_lock))
        return;
    available = fsev_ext4_space_available_settled(
        space, pending_clusters + fsev_in_flight_clusters(in_flight), true, &settled);
    if (!settled || fsev_search_generation(in_flight) != generation ||
        fsev_reached_bits(config->levels, config->lower_level, config->upper_level, available) !=
            reached)
        return;
    fsev_budget_set(config, reached, moved_before, available, space->cluster_bits);
}

#endif /* FSEV_CROSSING_BUDGET_BPF_H */
