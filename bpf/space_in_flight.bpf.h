/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Space that ext4 is moving between its two counters right now.
 *
 * statfs's free - dirty is exact only between ext4's updates. Two updates
 * are far apart:
 *
 *   delalloc writeback  ext4_mb_new_blocks() takes the extent off the
 *                       free-cluster counter (ext4_allocate_blocks fires
 *                       after), the extent tree is updated (it may need a
 *                       block of its own), and only then
 *                       ext4_da_update_reserve_space() takes the extent's
 *                       reservation off the dirty-cluster counter. In
 *                       between, free - dirty counts the extent twice.
 *   other allocations   ext4_mb_new_blocks() first claims the requested
 *                       length on the dirty-cluster counter
 *                       (ext4_request_blocks fires before), searches, and
 *                       only at the end turns the claim into the real,
 *                       possibly shorter, allocation. In between, free -
 *                       dirty is down by the whole request.
 *
 * Each such window is added back while it is open: per superblock, the
 * clusters in flight, added where a window opens and taken off where it
 * closes, read by every hook on every CPU (atomic adds, no lock). Which
 * task opened what is kept per thread, so a window closes exactly with what
 * it opened, whatever ext4 does in between (an extent-tree block, an
 * allocation given back on an error path, a failed request).
 */
#ifndef FSEV_SPACE_IN_FLIGHT_BPF_H
#define FSEV_SPACE_IN_FLIGHT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "fsev/bpf_shared.h"

/* What one thread has in flight on one superblock, in clusters. */
struct fsev_task_in_flight {
    __u32 dev;
    __u32 padding;
    __s64 claimed;   /* a non-delalloc request, claimed on the dirty counter */
    __s64 allocated; /* a delalloc extent, allocated but still reserved */
};

/* Clusters in flight per superblock (kernel dev_t): the sum of what its
 * threads have in flight. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32);
    __type(value, __s64);
} space_in_flight SEC(".maps");

/* Keyed by thread id. A thread has at most one allocation going at a time;
 * LRU so a thread that dies inside a window cannot fill the map. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, struct fsev_task_in_flight);
} task_in_flight SEC(".maps");

static __always_inline __s64 fsev_in_flight_clusters(__u32 dev)
{
    __s64 *clusters = bpf_map_lookup_elem(&space_in_flight, &dev);

    return clusters ? *(volatile __s64 *)clusters : 0;
}

static __always_inline void fsev_in_flight_add_to_superblock(__u32 dev, __s64 clusters)
{
    __s64 zero = 0, *total = bpf_map_lookup_elem(&space_in_flight, &dev);

    if (!total) {
        bpf_map_update_elem(&space_in_flight, &dev, &zero, BPF_NOEXIST);
        total = bpf_map_lookup_elem(&space_in_flight, &dev);
        if (!total)
            return;
    }
    __sync_fetch_and_add(total, clusters);
}

static __always_inline __u32 fsev_current_tid(void)
{
    return (__u32)bpf_get_current_pid_tgid();
}

/* Takes what `task` has in flight off its superblock's total. */
static __always_inline void fsev_in_flight_take_off(struct fsev_task_in_flight *task, bool claimed,
                                                    bool allocated)
{
    __s64 clusters = 0;

    if (claimed) {
        clusters += task->claimed;
        task->claimed = 0;
    }
    if (allocated) {
        clusters += task->allocated;
        task->allocated = 0;
    }
    if (clusters)
        fsev_in_flight_add_to_superblock(task->dev, -clusters);
}

/* Opens (or widens) the current thread's window on `dev`: `allocated`
 * selects the kind (a delalloc extent, or else a claim). */
static __always_inline void fsev_in_flight_open(__u32 dev, __s64 clusters, bool allocated)
{
    __u32 tid = fsev_current_tid();
    struct fsev_task_in_flight fresh = {.dev = dev};
    struct fsev_task_in_flight *task = bpf_map_lookup_elem(&task_in_flight, &tid);

    if (clusters <= 0)
        return;
    if (!task) {
        if (bpf_map_update_elem(&task_in_flight, &tid, &fresh, BPF_NOEXIST))
            return;
        task = bpf_map_lookup_elem(&task_in_flight, &tid);
        if (!task)
            return;
    } else if (task->dev != dev) {
        /* Left over from another superblock: a window that never closed. */
        fsev_in_flight_take_off(task, true, true);
        task->dev = dev;
    }
    if (allocated)
        task->allocated += clusters;
    else
        task->claimed += clusters;
    fsev_in_flight_add_to_superblock(dev, clusters);
}

/* Closes the current thread's window of one kind. */
static __always_inline void fsev_in_flight_close(bool allocated)
{
    __u32 tid = fsev_current_tid();
    struct fsev_task_in_flight *task = bpf_map_lookup_elem(&task_in_flight, &tid);

    if (!task)
        return;
    fsev_in_flight_take_off(task, !allocated, allocated);
    if (!task->allocated && !task->claimed)
        bpf_map_delete_elem(&task_in_flight, &tid);
}

#endif /* FSEV_SPACE_IN_FLIGHT_BPF_H */
