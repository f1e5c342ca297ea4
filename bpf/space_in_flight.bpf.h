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
 * thread opened what is kept per thread, so a window closes exactly with
 * what it opened, whatever ext4 does in between (an extent-tree block, an
 * allocation given back on an error path, a failed request).
 *
 * What no tracepoint brackets: inside ext4_mb_new_blocks(), between its
 * counter updates and ext4_allocate_blocks (journal work, releasing the
 * allocation context; the thread can be preempted there). Every allocation
 * is therefore counted as "searching" from ext4_request_blocks to
 * ext4_allocate_blocks; while another thread is searching on a superblock,
 * its count is not trusted for a crossing (see fsev_space_changed()).
 */
#ifndef FSEV_SPACE_IN_FLIGHT_BPF_H
#define FSEV_SPACE_IN_FLIGHT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "fsev/bpf_shared.h"

/* What one thread has in flight on one superblock. */
struct fsev_task_in_flight {
    __u32 dev;
    __u32 searching; /* 1 between ext4_request_blocks and ext4_allocate_blocks */
    __s64 claimed;   /* clusters of a non-delalloc request, claimed on the dirty counter */
    __s64 allocated; /* clusters of a delalloc extent, allocated but still reserved */
};

/* A search open longer than this is taken for one whose end was never
 * seen (a path of ext4 without ext4_allocate_blocks): it no longer holds
 * crossings back. Real searches take micro- to milliseconds. */
#define FSEV_SEARCH_STALE_NS 1000000000ull

/* Per superblock (kernel dev_t), the sums over its threads. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32);
    __type(value, struct fsev_superblock_in_flight);
} space_in_flight SEC(".maps");

/* Keyed by thread id: a thread has at most one allocation going at a time,
 * and its entry goes when nothing of it is open. A plain hash: an LRU map
 * may evict an entry before it is full, and an evicted open window would
 * never close. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, struct fsev_task_in_flight);
} task_in_flight SEC(".maps");

static __always_inline __u32 fsev_current_tid(void)
{
    return (__u32)bpf_get_current_pid_tgid();
}

/* Threads with an entry in task_in_flight (something of theirs open): while
 * there are none, hooks skip the per-thread lookups. */
__u64 task_windows_open = 0;

static __always_inline __s64 fsev_in_flight_clusters(struct fsev_superblock_in_flight *total)
{
    return total ? *(volatile __s64 *)&total->clusters : 0;
}

/* Changes whenever a search on the superblock starts or ends, and whenever
 * clusters leave the space in flight: a count read between two equal
 * generations saw neither. */
static __always_inline __u64 fsev_search_generation(struct fsev_superblock_in_flight *total)
{
    return total ? *(volatile __u64 *)&total->generation : 0;
}

/* True when a thread other than the current one is inside
 * ext4_mb_new_blocks() on `dev` (whose sums `total` are). */
static __always_inline bool fsev_others_searching(struct fsev_superblock_in_flight *total,
                                                  __u32 dev)
{
    struct fsev_task_in_flight *task;
    __u32 tid;
    __s64 searching;

    if (!total)
        return false;
    searching = *(volatile __s64 *)&total->searching;
    if (searching <= 0)
        return false;
    if (bpf_ktime_get_ns() - *(volatile __u64 *)&total->changed_ns > FSEV_SEARCH_STALE_NS)
        return false;
    tid = fsev_current_tid();
    task = bpf_map_lookup_elem(&task_in_flight, &tid);
    if (task && task->dev == dev && task->searching)
        searching--;
    return searching > 0;
}

static __always_inline void fsev_in_flight_count_search(struct fsev_superblock_in_flight *total,
                                                        __s64 searching)
{
    __sync_fetch_and_add(&total->searching, searching);
    __sync_fetch_and_add(&total->generation, 1);
    total->changed_ns = bpf_ktime_get_ns();
}

/*
 * The order of the updates is what keeps other threads from trusting a
 * wrong count: a thread is marked searching (and the generation moves)
 * before its claim shows in the clusters in flight, and stops searching
 * only after its claim left them. A reader that saw no search and the same
 * generation before and after its reads therefore never saw a claim
 * without its search, however long this thread is held up in between (a
 * virtual CPU the hypervisor does not run stops anywhere).
 */
static __always_inline void fsev_in_flight_add_to_superblock(__u32 dev, __s64 clusters,
                                                             __s64 searching)
{
    struct fsev_superblock_in_flight zero = {};
    struct fsev_superblock_in_flight *total = bpf_map_lookup_elem(&space_in_flight, &dev);

    if (!total) {
        bpf_map_update_elem(&space_in_flight, &dev, &zero, BPF_NOEXIST);
        total = bpf_map_lookup_elem(&space_in_flight, &dev);
        if (!total)
            return;
    }
    if (searching > 0)
        fsev_in_flight_count_search(total, searching);
    if (clusters)
        __sync_fetch_and_add(&total->clusters, clusters);
    if (searching < 0)
        fsev_in_flight_count_search(total, searching);
    else if (clusters < 0)
        /* An allocated extent settles: its window closes in the hook, and
         * ext4 moves the dirty-cluster counter right after. A reader that
         * took the space in flight before the close and the counter after
         * the move counts the extent twice, too much space by its size;
         * the generation tells it. changed_ns is left alone: it dates
         * searches only. */
        __sync_fetch_and_add(&total->generation, 1);
}

/* The sums of `dev`, created when missing (NULL only when the map is full). */
static __always_inline struct fsev_superblock_in_flight *fsev_superblock_sums(__u32 dev)
{
    struct fsev_superblock_in_flight *total = bpf_map_lookup_elem(&space_in_flight, &dev);

    if (total)
        return total;
    fsev_in_flight_add_to_superblock(dev, 0, 0);
    return bpf_map_lookup_elem(&space_in_flight, &dev);
}

/*
 * Extent-tree blocks. During writeback ext4 may give a block for a new leaf
 * (the tree grows), and give it back when the leaf folds into the inode
 * again (ext4_ext_try_to_merge_up): statfs's count goes down one block and
 * up again while the filesystem fills. With a level at that block the fill
 * would report it reached, left, reached. So a level is left only when the
 * count is above it by more than the tree blocks given back since the
 * threshold state last moved (space given back beyond those leaves it).
 */
static __always_inline void fsev_metadata_returned(struct fsev_superblock_in_flight *total,
                                                   __u32 clusters)
{
    if (total && clusters)
        __sync_fetch_and_add(&total->metadata_returned, clusters);
}

static __always_inline __u32 fsev_metadata_slack(struct fsev_superblock_in_flight *total)
{
    return total ? *(volatile __u32 *)&total->metadata_returned : 0;
}

/* The threshold state moved: tree blocks given back before no longer count. */
static __always_inline void fsev_metadata_slack_reset(struct fsev_superblock_in_flight *total)
{
    if (total)
        *(volatile __u32 *)&total->metadata_returned = 0;
}

/* Takes what `task` has open off its superblock's sums: the claim and the
 * search, and the allocated extent when `allocated`. */
static __always_inline void fsev_in_flight_take_off(struct fsev_task_in_flight *task,
                                                    bool allocated)
{
    __s64 clusters = task->claimed, searching = task->searching;

    task->claimed = 0;
    task->searching = 0;
    if (allocated) {
        clusters += task->allocated;
        task->allocated = 0;
    }
    if (clusters || searching)
        fsev_in_flight_add_to_superblock(task->dev, -clusters, -searching);
}

/* The current thread's entry for `dev`, created when missing. What is left
 * over from another superblock (a window that never closed) is dropped. */
static __always_inline struct fsev_task_in_flight *fsev_task_entry(__u32 dev)
{
    __u32 tid = fsev_current_tid();
    struct fsev_task_in_flight fresh = {.dev = dev};
    struct fsev_task_in_flight *task = bpf_map_lookup_elem(&task_in_flight, &tid);

    if (task) {
        if (task->dev != dev) {
            fsev_in_flight_take_off(task, true);
            task->dev = dev;
        }
        return task;
    }
    if (bpf_map_update_elem(&task_in_flight, &tid, &fresh, BPF_NOEXIST))
        return NULL;
    __sync_fetch_and_add(&task_windows_open, 1);
    return bpf_map_lookup_elem(&task_in_flight, &tid);
}

/* ext4_request_blocks: the current thread starts searching on `dev`, having
 * claimed `claimed` clusters (0 for delalloc requests, reserved long ago). */
static __always_inline void fsev_search_started(__u32 dev, __s64 claimed)
{
    struct fsev_task_in_flight *task = fsev_task_entry(dev);

    if (!task)
        return;
    fsev_in_flight_take_off(task, false); /* an earlier request that never ended */
    task->searching = 1;
    task->claimed = claimed;
    fsev_in_flight_add_to_superblock(dev, claimed, 1);
}

static __always_inline void fsev_forget_if_empty(struct fsev_task_in_flight *task)
{
    __u32 tid;

    if (task->allocated || task->claimed || task->searching)
        return;
    tid = fsev_current_tid();
    if (bpf_map_delete_elem(&task_in_flight, &tid) == 0)
        __sync_fetch_and_add(&task_windows_open, -1);
}

/* ext4_allocate_blocks: the current thread's search ended (its claim is now
 * the allocation); a delalloc data extent of `allocated` clusters stays in
 * flight until its reservation is updated. The extent is added before the
 * search ends, so no other thread sees the count without both. */
static __always_inline void fsev_search_ended(__u32 dev, __s64 allocated, bool traced)
{
    struct fsev_task_in_flight *task;
    __u32 tid;

    if (allocated > 0 && traced) {
        task = fsev_task_entry(dev);
        if (task) {
            task->allocated += allocated;
            fsev_in_flight_add_to_superblock(dev, allocated, 0);
        }
    }
    if (!*(volatile __u64 *)&task_windows_open)
        return;
    tid = fsev_current_tid();
    task = bpf_map_lookup_elem(&task_in_flight, &tid);
    if (!task)
        return;
    fsev_in_flight_take_off(task, false);
    fsev_forget_if_empty(task);
}

/* The clusters of the current thread's allocated extent still in flight on
 * `dev`. */
static __always_inline __s64 fsev_own_allocation_in_flight(__u32 dev)
{
    struct fsev_task_in_flight *task;
    __u32 tid;

    if (!*(volatile __u64 *)&task_windows_open)
        return 0;
    tid = fsev_current_tid();
    task = bpf_map_lookup_elem(&task_in_flight, &tid);

    return task && task->dev == dev ? task->allocated : 0;
}

/* ext4_da_update_reserve_space (or the allocation given back on an error
 * path): the current thread's allocated extent is no longer in flight.
 * Called last in the hook: ext4 moves its counter right after the hook, and
 * until then the extent must stay counted. */
static __always_inline void fsev_allocation_settled(void)
{
    struct fsev_task_in_flight *task;
    __u32 tid;

    if (!*(volatile __u64 *)&task_windows_open)
        return;
    tid = fsev_current_tid();
    task = bpf_map_lookup_elem(&task_in_flight, &tid);

    if (!task || !task->allocated)
        return;
    fsev_in_flight_add_to_superblock(task->dev, -task->allocated, 0);
    task->allocated = 0;
    fsev_forget_if_empty(task);
}

#endif /* FSEV_SPACE_IN_FLIGHT_BPF_H */
