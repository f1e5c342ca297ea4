// SPDX-License-Identifier: GPL-2.0
/*
 * fsev-bpf kernel side, on ext4 tracepoints.
 *
 * Space hooks (allocation, freeing, delayed-allocation reservations) read
 * the filesystem's available-block count at the moment it changes and run
 * the threshold state machine (include/fsev/threshold.h) for traced
 * superblocks, emitting only crossings. ext4_error, ext4_shutdown and
 * failed allocations / -ENOSPC syscalls are reported for traced
 * superblocks. With emit_raw_records set, every hook on every ext4
 * superblock is also reported as a raw record (the daemon's --print-records).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ext4_counters.bpf.h"
#include "fsev/bpf_shared.h"
#include "fsev/threshold.h"
#include "announcements.bpf.h"
#include "crossing_budget.bpf.h"
#include "space_in_flight.bpf.h"
#include "trace_config.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ext4 allocation flags (fs/ext4/ext4.h). */
#define EXT4_MB_HINT_DATA 0x0020          /* the allocation is for file data */
#define EXT4_MB_DELALLOC_RESERVED 0x0400  /* the space was reserved by delalloc */
/* sbi->s_mount_state: fast-commit replay at mount; ext4_mb_new_blocks()
 * then allocates on a path without ext4_allocate_blocks. */
#define EXT4_FC_REPLAY 0x0020
/* ext4_free_blocks() flags (fs/ext4/ext4.h): an extent-tree (or other
 * metadata) block; keep a partial first / last cluster (bigalloc), it still
 * holds other blocks. */
#define EXT4_FREE_BLOCKS_METADATA 0x0001
#define EXT4_FREE_BLOCKS_NOFREE_FIRST_CLUSTER 0x0010
#define EXT4_FREE_BLOCKS_NOFREE_LAST_CLUSTER 0x0020
/* ext4 mount options: what an error does (fs/ext4/ext4.h). */
#define EXT4_MOUNT_ERRORS_RO 0x00020
#define EXT4_MOUNT_ERRORS_PANIC 0x00040
#define ENOSPC 28
#define EIO 5
#define EROFS 30
#define EXT4_SUPER_MAGIC 0xEF53

/* Set by the daemon before load. */
const volatile __u32 daemon_tgid = 0;  /* never report the daemon's own I/O */
const volatile __u64 pidns_dev = 0;    /* daemon's pid namespace, for pids */
const volatile __u64 pidns_ino = 0;
const volatile bool emit_raw_records = false;
/* How far the cheap per-cpu `count` reads can be off, in clusters (free and
 * dirty counters together). Within this distance of a level the exact sum
 * is taken. */
const volatile __u64 approximation_margin_clusters = 0;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} records SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32); /* kernel dev_t of the superblock */
    __type(value, struct fsev_trace_config);
} traced_superblocks SEC(".maps");

/* Records the ring buffer had no room for; the daemon exports it. */
__u64 dropped_records = 0;

/* The pid of the current task as the daemon's pid namespace sees it, 0 when
 * it is not visible there. */
static __always_inline __u32 fsev_current_pid(void)
{
    struct bpf_pidns_info ns = {};

    if (pidns_ino == 0)
        return bpf_get_current_pid_tgid() >> 32;
    if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
        return 0;
    return ns.tgid;
}

static __always_inline bool fsev_is_daemon(void)
{
    return daemon_tgid && (bpf_get_current_pid_tgid() >> 32) == daemon_tgid;
}

#include "attribution.bpf.h"

/* A zeroed record of `source` about the current task, or NULL when the ring
 * buffer is full (the loss is counted). The caller fills it and submits it. */
static __always_inline struct fsev_record *fsev_reserve_task_record(__u32 source)
{
    struct fsev_record *record = bpf_ringbuf_reserve(&records, sizeof(*record), 0);

    if (!record) {
        __sync_fetch_and_add(&dropped_records, 1);
        return NULL;
    }
    __builtin_memset(record, 0, sizeof(*record));
    record->timestamp_ns = bpf_ktime_get_ns();
    record->pid = fsev_current_pid();
    record->source = source;
    bpf_get_current_comm(record->comm, sizeof(record->comm));
    return record;
}

/* The same, about the superblock `sb` too. */
static __always_inline struct fsev_record *fsev_reserve(struct super_block *sb, __u32 source,
                                                        __u64 blocks, __u64 available)
{
    struct fsev_record *record = fsev_reserve_task_record(source);

    if (!record)
        return NULL;
    record->available_blocks = available;
    record->blocks = blocks;
    record->dev = BPF_CORE_READ(sb, s_dev);
    record->block_size = BPF_CORE_READ(sb, s_blocksize);
    BPF_CORE_READ_STR_INTO(&record->fs_id, sb, s_id);
    return record;
}

/* Available blocks as they really are: ext4's counters (exact sum), the
 * change the calling hook is about to apply, and the space in flight. */
static __always_inline __u64 fsev_available_now(struct super_block *sb, __s64 pending_clusters)
{
    __u32 dev = BPF_CORE_READ(sb, s_dev);
    __s64 in_flight =
        fsev_in_flight_clusters(bpf_map_lookup_elem(&space_in_flight, &dev));

    return fsev_ext4_available_blocks(sb, pending_clusters + in_flight, true);
}

static __always_inline void fsev_emit_raw(struct super_block *sb, __u32 source, __u64 blocks,
                                          __s64 pending_clusters)
{
    struct fsev_record *record;

    record = fsev_reserve(sb, source, blocks, fsev_available_now(sb, pending_clusters));
    if (record)
        bpf_ringbuf_submit(record, 0);
}

/* A THRESH record for `crossing`, reserved but not submitted; NULL when the
 * ring buffer is full (the loss is counted). */
static __always_inline struct fsev_record *fsev_crossing_record(struct super_block *sb,
                                                               __u32 source, __u64 blocks,
                                                               __u64 available, __u32 trace_id,
                                                               const struct fsev_crossing *crossing)
{
    struct fsev_record *record = fsev_reserve(sb, source, blocks, available);

    if (!record)
        return NULL;
    record->trace_id = trace_id;
    record->event_type = FS_EVENT_THRESH;
    record->event_id = crossing->event_id;
    record->direction = crossing->direction;
    return record;
}

static __always_inline void fsev_submit_if(struct fsev_record *record, bool submit)
{
    if (submit)
        bpf_ringbuf_submit(record, 0);
    else
        bpf_ringbuf_discard(record, 0);
}

/*
 * Moves the threshold state of `config` from `reached`, the state the
 * calling hook read before it read the count, to step->reached, and
 * reports the step's crossings; does nothing when another thread moved the
 * state since (a later hook decides, on a fresh count).
 *
 * Crossings must reach the daemon in the order the state moved, whatever
 * delays a thread between its read and its change (a virtual CPU can be
 * stopped anywhere for milliseconds). Two rules give that order:
 * - The state only moves from the state the count was read in. Retrying
 *   from a newer state with the old count could undo a crossing another
 *   thread decided meanwhile on a newer count.
 * - The records are reserved before the state moves: a thread that moves
 *   it next read it after this change, so it reserves after these records,
 *   and the ring buffer hands records out in the order they were reserved.
 */
static __always_inline void fsev_decide_crossings(struct super_block *sb, __u32 source,
                                                  __u64 blocks, __u64 available,
                                                  struct fsev_trace_config *config,
                                                  __u32 reached,
                                                  const struct fsev_threshold_step *step)
{
    struct fsev_record *first, *second;
    bool moved;

    /* Each reservation is tested for NULL once, and used only on that
     * branch: verifiers before 6.2 do not know a tested ring-buffer pointer
     * stays non-NULL, and a second test leaves it unreleased on their
     * NULL branch. */
    if (step->count == 0) { /* only bits of levels no longer watched */
        __sync_val_compare_and_swap(&config->reached, reached, step->reached);
        return;
    }
    first = fsev_crossing_record(sb, source, blocks, available, config->trace_id,
                                 &step->crossings[0]);
    if (!first) {
        /* Ring buffer full: the state still moves, the loss is counted. */
        __sync_val_compare_and_swap(&config->reached, reached, step->reached);
        return;
    }
    if (step->count < 2) {
        moved = __sync_val_compare_and_swap(&config->reached, reached, step->reached) == reached;
        fsev_submit_if(first, moved);
        return;
    }
    second = fsev_crossing_record(sb, source, blocks, available, config->trace_id,
                                  &step->crossings[1]);
    if (!second) {
        /* Keeps the compiler from hoisting the swap and the first submit
         * out of both branches, which would test `second` a second time. */
        asm volatile("" ::: "memory");
        moved = __sync_val_compare_and_swap(&config->reached, reached, step->reached) == reached;
        fsev_submit_if(first, moved);
        return;
    }
    moved = __sync_val_compare_and_swap(&config->reached, reached, step->reached) == reached;
    fsev_submit_if(first, moved);
    fsev_submit_if(second, moved);
}

/* The trace entry of `dev` when thresholds are watched on it, else NULL.
 * On a filesystem nobody traces, this lookup (and reading sb->s_dev) is all
 * a space hook does. */
static __always_inline struct fsev_trace_config *
fsev_threshold_config(struct fsev_trace_config *config)
{
    return fsev_watches_thresholds(config) ? config : NULL;
}

static __always_inline struct fsev_trace_config *fsev_threshold_entry(__u32 dev)
{
    return fsev_threshold_config(bpf_map_lookup_elem(&traced_superblocks, &dev));
}

/* What the count of `sb` needs besides ext4's two counters: kept in the
 * trace entry when there is one; read in raw mode. False when neither. */
static __always_inline bool fsev_space_of(struct fsev_trace_config *config, struct super_block *sb,
                                          struct fsev_ext4_space *space)
{
    if (config) {
        fsev_ext4_space_kept(config, sb, space);
        return true;
    }
    if (emit_raw_records) {
        fsev_ext4_space_read(sb, space);
        return true;
    }
    return false;
}

/* `available` less `blocks`, floored at 0. */
static __always_inline __u64 fsev_less(__u64 available, __u64 blocks)
{
    return available > blocks ? available - blocks : 0;
}

/*
 * Something changed the space of `sb`. `config`: its trace entry when
 * thresholds are watched (else NULL: only a raw record, in raw mode);
 * `space`: from fsev_space_of(). `pending_clusters`: see
 * fsev_ext4_available_blocks(); the space in flight (space_in_flight.bpf.h)
 * is added to it. `change_clusters`: how far the change moves the count,
 * up or down (crossing_budget.bpf.h). `announces`: the hook fires before
 * ext4 applies the change (other threads do not see it yet). `held_lock`:
 * the inode's reservation lock when the hook runs under it
 * (fsev_reservation_lock()), else 0. Runs the threshold state machine.
 */
static __always_inline int fsev_space_changed(struct super_block *sb,
                                              struct fsev_trace_config *config,
                                              struct fsev_ext4_space *space, __u32 source,
                                              __u64 blocks, __s64 pending_clusters,
                                              __u64 change_clusters, bool announces,
                                              __u64 held_lock)
{
    struct fsev_superblock_in_flight *in_flight;
    struct fsev_threshold_step step;
    __u32 dev, reached;
    __u64 available, confirmation, margin, generation, moved = 0, slack = 0;
    bool settled = true;

    if (fsev_is_daemon()) {
        if (config)
            fsev_budget_drop(config);
        return 0;
    }
    if (emit_raw_records)
        fsev_emit_raw(sb, source, blocks, pending_clusters);
    if (!config)
        return 0;
    dev = sb->s_dev;
    in_flight = fsev_superblock_sums(dev);
    if (announces)
        fsev_announce_change(in_flight, dev, held_lock, space->sbi);
    /* The state is read before the count: a crossing moves the state only
     * from the state its count was read in (fsev_decide_crossings()). */
    reached = *(volatile __u32 *)&config->reached;

    /* Cheap read first (kept superblock fields, the counters' `count`).
     * Further than approximation_margin_clusters from every level it
     * decides alone, unless it shows a crossing. */
    available = fsev_ext4_space_available(
        space, pending_clusters + fsev_in_flight_clusters(in_flight), false);
    margin = approximation_margin_clusters << space->cluster_bits;
    if (!fsev_near_a_level(config->levels, config->lower_level, config->upper_level, available,
                           margin) &&
        fsev_reached_bits(config->levels, config->lower_level, config->upper_level, available) ==
            reached) {
        fsev_budget_drop(config);
        return 0;
    }
    /* Near a level: within the budget of the last exact read no level can
     * be crossed (crossing_budget.bpf.h); otherwise the exact per-cpu sum
     * decides, with the reserved blocks read fresh. */
    if (in_flight) {
        moved = fsev_space_moved(in_flight, change_clusters);
        if (fsev_budget_holds(config, reached, moved))
            return 0;
    }
    /* Another thread inside ext4_mb_new_blocks() may have moved one counter
     * and not yet the other: no crossing is decided on such a count. That
     * thread's own ext4_allocate_blocks decides, at the latest. */
    generation = fsev_search_generation(in_flight);
    if (fsev_others_searching(in_flight, dev))
        return 0;
    fsev_ext4_space_read(sb, space);
    available = fsev_ext4_space_available_settled(
        space, pending_clusters + fsev_in_flight_clusters(in_flight), true, &settled);

    /* A crossing is confirmed by a second read, space in flight included:
     * a window can close between reading the space in flight and reading
     * the counters. Both reads must agree, neither may have been read
     * across a fold of a per-cpu counter (the sums are taken without the
     * counter's lock), and no search may have started or ended meanwhile;
     * otherwise a later hook decides. */
    step = fsev_threshold_advance(reached, config->levels, config->lower_level,
                                  config->upper_level, available);
    if (step.reached == reached) {
        if (settled && in_flight)
            fsev_budget_renew(config, in_flight, space, pending_clusters, reached, moved,
                              generation, dev, held_lock);
        return 0;
    }
    /* Levels are left only above the extent-tree blocks given back since
     * the state last moved (fsev_metadata_slack()). */
    if (!(step.reached & ~reached)) {
        slack = (__u64)fsev_metadata_slack(in_flight) << space->cluster_bits;
        step = fsev_threshold_advance(reached, config->levels, config->lower_level,
                                      config->upper_level, fsev_less(available, slack));
        if (step.reached == reached)
            return 0;
    }
    confirmation = fsev_ext4_space_available_settled(
        space, pending_clusters + fsev_in_flight_clusters(in_flight), true, &settled);
    if (!settled ||
        fsev_reached_bits(config->levels, config->lower_level, config->upper_level,
                          fsev_less(confirmation, slack)) != step.reached ||
        fsev_search_generation(in_flight) != generation)
        return 0;
    /* Every change announced but not yet applied makes other threads' counts
     * too low for that time, so it can fake a level being reached (never
     * one being left): such a crossing is left to a later hook. */
    if ((step.reached & ~reached) && fsev_change_may_be_landing(in_flight, dev, held_lock))
        return 0;

    fsev_decide_crossings(sb, source, blocks, available, config, reached, &step);
    fsev_metadata_slack_reset(in_flight);
    return 0;
}

/* A hook ext4 fires under `inode`'s reservation lock, whose change needs
 * nothing but the superblock. */
static __always_inline int fsev_reservation_hook(struct inode *inode, __u32 source, __u64 blocks,
                                                 __s64 pending_clusters, bool announces)
{
    struct super_block *sb = inode->i_sb;
    __u32 dev = sb->s_dev;
    struct fsev_trace_config *entry = bpf_map_lookup_elem(&traced_superblocks, &dev);
    struct fsev_trace_config *config = fsev_threshold_config(entry);
    struct fsev_ext4_space space;

    /* Counting writers needs the entry, not thresholds (warn is enough). */
    fsev_attribute_reservation(entry, sb, source, blocks);
    if (!fsev_space_of(config, sb, &space))
        return 0;
    return fsev_space_changed(sb, config, &space, source, blocks, pending_clusters,
                              announces ? fsev_abs(pending_clusters) : blocks, announces,
                              fsev_reservation_lock(inode));
}

/* A WARN record for a superblock traced for warn; NULL when it is not (or
 * the ring buffer is full). The caller may add fields, then submits it. */
static __always_inline struct fsev_record *fsev_warning(struct super_block *sb, __u32 source,
                                                       __u32 event_id)
{
    struct fsev_trace_config *config;
    struct fsev_record *record;
    __u32 dev = BPF_CORE_READ(sb, s_dev);

    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (!config || !(config->types & FSEV_TRACE_WARN))
        return NULL;
    record = fsev_reserve(sb, source, 0, fsev_available_now(sb, 0));
    if (!record)
        return NULL;
    record->trace_id = config->trace_id;
    record->event_type = FS_EVENT_WARN;
    record->event_id = event_id;
    return record;
}

/* A failed allocation (no blocks): ENOSPC for file data, ENOSPC_META for
 * anything else (extent tree, directories, ...). */
static __always_inline void fsev_allocation_failed(struct super_block *sb, unsigned int flags)
{
    struct fsev_record *record = fsev_warning(
        sb, FSEV_SRC_ALLOCATE_BLOCKS,
        (flags & EXT4_MB_HINT_DATA) ? FS_WARN_ENOSPC : FS_WARN_ENOSPC_META);

    if (record)
        bpf_ringbuf_submit(record, 0);
}

/* Fires at the start of ext4_mb_new_blocks(). The thread is searching
 * until ext4_allocate_blocks. An allocation not reserved by delalloc first
 * claims its length on the dirty-cluster counter: that claim is in flight
 * until then too. Near full the claim may be cut short or fail without
 * ext4_allocate_blocks firing, so a request that might not fit whole is
 * neither counted nor marked as searching. */
SEC("tp_btf/ext4_request_blocks")
int BPF_PROG(on_request_blocks, struct ext4_allocation_request *ar)
{
    struct fsev_trace_config *config;
    struct fsev_ext4_space space;
    struct ext4_sb_info *sbi;
    struct super_block *sb;
    unsigned int len;
    __u64 available, wanted;
    __u32 dev;

    if (!ar) /* tracepoint pointers may be NULL for the verifier (6.12+) */
        return 0;
    sb = ar->inode->i_sb;
    len = ar->len;
    dev = sb->s_dev;

    config = fsev_threshold_entry(dev);
    if (len == 0 || !config)
        return 0;
    fsev_ext4_space_kept(config, sb, &space);
    sbi = space.sbi;
    if (FSEV_READ(FSEV_SBI(sbi), s_mount_state) & EXT4_FC_REPLAY)
        return 0;
    if (ar->flags & EXT4_MB_DELALLOC_RESERVED) {
        fsev_search_started(dev, 0);
        return 0;
    }
    /* Room as the claim will see it: other threads' claims are on the
     * counter already, so the space in flight is not added. */
    available = fsev_ext4_space_available(&space, 0, false);
    wanted = ((__u64)len + approximation_margin_clusters) << space.cluster_bits;
    if (available >= wanted)
        fsev_search_started(dev, len);
    return 0;
}

/* Fires at the end of ext4_mb_new_blocks(), after both counters were
 * updated; len (clusters) == 0 means the allocation failed. The search and
 * any claim end here. A delalloc data extent is off the free-cluster
 * counter but its reservation stays on the dirty-cluster counter until
 * ext4_da_update_reserve_space: it is in flight until then. Other blocks
 * flagged as delalloc-reserved (an extent-tree block during writeback) were
 * never reserved: they are simply used. */
SEC("tp_btf/ext4_allocate_blocks")
int BPF_PROG(on_allocate_blocks, struct ext4_allocation_request *ar, unsigned long long block)
{
    struct fsev_trace_config *entry, *config;
    struct fsev_ext4_space space;
    struct super_block *sb;
    unsigned int len, flags;
    __u32 dev;
    bool delalloc_data;

    if (!ar)
        return 0;
    sb = ar->inode->i_sb;
    len = ar->len;
    flags = ar->flags;
    dev = sb->s_dev;
    delalloc_data = (flags & EXT4_MB_DELALLOC_RESERVED) && (flags & EXT4_MB_HINT_DATA) && len > 0;

    entry = bpf_map_lookup_elem(&traced_superblocks, &dev);
    config = fsev_threshold_config(entry);
    fsev_search_ended(dev, delalloc_data ? len : 0, config != NULL);
    fsev_attribute_allocation(entry, sb, flags, len);
    if (len == 0 && !fsev_is_daemon())
        fsev_allocation_failed(sb, flags);
    /* Also after a failure: a crossing left undecided while this thread was
     * searching is decided now. */
    if (!fsev_space_of(config, sb, &space))
        return 0;
    /* A delalloc extent is in flight from now on: the count does not move
     * until its reservation is updated. */
    return fsev_space_changed(sb, config, &space, FSEV_SRC_ALLOCATE_BLOCKS, len, 0,
                              delalloc_data ? 0 : len, false, 0);
}

/* The clusters ext4_free_blocks() gives back for `count` blocks from
 * `block`: whole clusters, except partial first / last ones it is told to
 * keep (the same rounding as the kernel's). */
static __always_inline __u64 fsev_freed_clusters(__u32 cluster_bits, __u64 block, __u64 count,
                                                 int flags)
{
    __u64 ratio, overflow;

    cluster_bits &= 31;
    ratio = 1ull << cluster_bits;

    if (cluster_bits == 0)
        return count;
    overflow = block & (ratio - 1);
    if (overflow) {
        if (flags & EXT4_FREE_BLOCKS_NOFREE_FIRST_CLUSTER) {
            overflow = ratio - overflow;
            if (count <= overflow)
                return 0;
            count -= overflow;
        } else {
            count += overflow;
        }
    }
    overflow = count & (ratio - 1);
    if (overflow) {
        if (flags & EXT4_FREE_BLOCKS_NOFREE_LAST_CLUSTER) {
            if (count <= overflow)
                return 0;
            count -= overflow;
        } else {
            count += ratio - overflow;
        }
    }
    return count >> cluster_bits;
}

/* Fires before ext4 returns the blocks to the free-cluster counter. A
 * delalloc extent this thread still has in flight is being given back (an
 * error path after the allocation): once freed it is no longer in flight,
 * its reservation simply stays. */
SEC("tp_btf/ext4_free_blocks")
int BPF_PROG(on_free_blocks, struct inode *inode, __u64 block, unsigned long count, int flags)
{
    struct fsev_trace_config *config;
    struct fsev_ext4_space space;
    struct super_block *sb;
    __s64 freed, pending;
    __u32 dev;

    if (!inode)
        return 0;
    sb = inode->i_sb;
    dev = sb->s_dev;

    config = fsev_threshold_entry(dev);
    if (fsev_space_of(config, sb, &space)) {
        freed = fsev_freed_clusters(space.cluster_bits, block, count, flags);
        if (config && (flags & EXT4_FREE_BLOCKS_METADATA))
            fsev_metadata_returned(fsev_superblock_sums(dev), (__u32)freed);
        pending = freed - fsev_own_allocation_in_flight(dev);
        fsev_space_changed(sb, config, &space, FSEV_SRC_FREE_BLOCKS, count, pending,
                           fsev_abs(pending), true, 0);
    }
    fsev_allocation_settled();
    return 0;
}

/* Fires after the dirty-cluster counter went up (space is reserved). Two
 * flavours of one tracepoint; the daemon loads the one whose prototype the
 * running kernel's BTF shows (user/probes/kernel_features.cpp). */
SEC("tp_btf/ext4_da_reserve_space")
int BPF_PROG(on_da_reserve_space, struct inode *inode, int reserved)
{
    if (!inode)
        return 0;
    return fsev_reservation_hook(inode, FSEV_SRC_DA_RESERVE, reserved, 0, false);
}

/* Kernels before 6.10 reserve one cluster per call and pass only the inode
 * (commit "ext4: make ext4_da_reserve_space() reserve multi-clusters"). */
SEC("tp_btf/ext4_da_reserve_space")
int BPF_PROG(on_da_reserve_space_one_cluster, struct inode *inode)
{
    if (!inode)
        return 0;
    return fsev_reservation_hook(inode, FSEV_SRC_DA_RESERVE, 1, 0, false);
}

/* Fires before the dirty-cluster counter drops by `freed`. */
SEC("tp_btf/ext4_da_release_space")
int BPF_PROG(on_da_release_space, struct inode *inode, int freed)
{
    if (!inode)
        return 0;
    return fsev_reservation_hook(inode, FSEV_SRC_DA_RELEASE, freed, freed, true);
}

/* Fires before the dirty-cluster counter drops by `used` clusters (under
 * the inode's reservation lock, right before the drop): writeback turned a
 * reservation into the allocation made just before, in this thread, whose
 * window closes here. */
SEC("tp_btf/ext4_da_update_reserve_space")
int BPF_PROG(on_da_update_reserve_space, struct inode *inode, int used, int quota_claim)
{
    struct fsev_trace_config *config;
    struct fsev_ext4_space space;
    struct super_block *sb;
    __s64 pending;
    __u32 dev;

    if (!inode)
        return 0;
    sb = inode->i_sb;
    dev = sb->s_dev;

    /* The drop of `used` replaces this thread's extent in flight. */
    config = fsev_threshold_entry(dev);
    if (fsev_space_of(config, sb, &space)) {
        pending = used - fsev_own_allocation_in_flight(dev);
        fsev_space_changed(sb, config, &space, FSEV_SRC_DA_UPDATE, used, pending,
                           fsev_abs(pending), true, fsev_reservation_lock(inode));
    }
    fsev_allocation_settled();
    return 0;
}

/* Errors are reported for every ext4 superblock the daemon traces for ERR
 * (or all, in raw mode); the daemon classifies them (corruption or not)
 * from ext4's own error record and watches for the read-only switch. */
static __always_inline struct fsev_record *fsev_error_record(struct super_block *sb, __u32 source)
{
    struct fsev_trace_config *config;
    struct fsev_record *record;
    __u32 dev = BPF_CORE_READ(sb, s_dev);
    __u32 trace_id = 0;

    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (config && (config->types & FSEV_TRACE_ERR))
        trace_id = config->trace_id;
    else if (!emit_raw_records)
        return NULL;
    record = fsev_reserve(sb, source, 0, fsev_available_now(sb, 0));
    if (!record)
        return NULL;
    record->trace_id = trace_id;
    record->event_type = trace_id ? FS_EVENT_ERR : 0;
    return record;
}

SEC("tp_btf/ext4_error")
int BPF_PROG(on_error, struct super_block *sb, const char *function, unsigned int line)
{
    struct fsev_record *record;
    unsigned int mount_options;

    if (!sb)
        return 0;
    record = fsev_error_record(sb, FSEV_SRC_ERROR);

    if (!record)
        return 0;
    record->error_line = line;
    record->superblock = (__u64)sb;
    bpf_probe_read_kernel_str(record->error_function, sizeof(record->error_function), function);
    mount_options = BPF_CORE_READ(fsev_ext4_sb_info(sb), s_mount_opt);
    if (mount_options & EXT4_MOUNT_ERRORS_PANIC)
        record->error_mode = FSEV_ERRORS_PANIC;
    else if (mount_options & EXT4_MOUNT_ERRORS_RO)
        record->error_mode = FSEV_ERRORS_REMOUNT_RO;
    bpf_ringbuf_submit(record, 0);
    return 0;
}

SEC("tp_btf/ext4_shutdown")
int BPF_PROG(on_shutdown, struct super_block *sb, unsigned long flags)
{
    struct fsev_record *record;

    if (!sb)
        return 0;
    record = fsev_error_record(sb, FSEV_SRC_SHUTDOWN);

    if (!record)
        return 0;
    record->event_id = FS_ERR_SHUTDOWN;
    record->blocks = flags;
    bpf_ringbuf_submit(record, 0);
    return 0;
}

/*
 * Buffered writes that find no space fail in ext4_da_reserve_space() without
 * a tracepoint; the failing syscall is the only trace. Syscalls whose first
 * argument is the file written to are resolved to the file's superblock.
 */
static __always_inline struct super_block *fsev_fd_superblock(long fd)
{
    struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
    struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
    unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
    struct file *file = NULL;

    if (fd < 0 || fd >= max_fds)
        return NULL;
    if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
        return NULL;
    return BPF_CORE_READ(file, f_inode, i_sb);
}

/* Syscalls that write file data: the fd written to, read from the task's
 * syscall arguments. */
static __always_inline bool fsev_written_fd(long nr, struct pt_regs *regs, long *fd)
{
    switch (nr) { /* x86_64 syscall numbers (asm/unistd_64.h) */
    case 1:   /* write */
    case 18:  /* pwrite64 */
    case 20:  /* writev */
    case 40:  /* sendfile (out_fd) */
    case 77:  /* ftruncate */
    case 285: /* fallocate */
    case 296: /* pwritev */
    case 328: /* pwritev2 */
        *fd = (long)regs->di;
        return true;
    case 275: /* splice (fd_out) */
    case 326: /* copy_file_range (fd_out) */
        *fd = (long)regs->dx;
        return true;
    default:
        return false;
    }
}

#define AT_FDCWD -100

/* Syscalls that create a name: -ENOSPC from them means no inode or no
 * directory block could be had (metadata). Gives the directory fd and the
 * user pointer of the new name. */
static __always_inline bool fsev_creates_name(long nr, struct pt_regs *regs, long *dirfd,
                                              const char **path)
{
    *dirfd = AT_FDCWD;
    switch (nr) { /* x86_64 syscall numbers (asm/unistd_64.h) */
    case 2:   /* open */
    case 85:  /* creat */
    case 83:  /* mkdir */
    case 133: /* mknod */
        *path = (const char *)regs->di;
        return true;
    case 82: /* rename */
    case 86: /* link */
    case 88: /* symlink */
        *path = (const char *)regs->si;
        return true;
    case 257: /* openat */
    case 258: /* mkdirat */
    case 259: /* mknodat */
    case 437: /* openat2 */
        *dirfd = (long)regs->di;
        *path = (const char *)regs->si;
        return true;
    case 266: /* symlinkat */
        *dirfd = (long)regs->si;
        *path = (const char *)regs->dx;
        return true;
    case 264: /* renameat */
    case 265: /* linkat */
    case 316: /* renameat2 */
        *dirfd = (long)regs->dx;
        *path = (const char *)regs->r10;
        return true;
    default:
        return false;
    }
}

/* A name could not be created for lack of space. The path is not resolved
 * here (that needs a path walk); the daemon resolves it in the task's view
 * and reports FS_WARN_ENOSPC_META if that filesystem is traced for warn. */
static __always_inline int fsev_name_enospc(long nr, struct pt_regs *regs)
{
    struct fsev_record *record;
    const char *path = NULL;
    long dirfd;

    if (!fsev_creates_name(nr, regs, &dirfd, &path))
        return 0;
    record = fsev_reserve_task_record(FSEV_SRC_SYSCALL_ENOSPC_PATH);
    if (!record)
        return 0;
    record->syscall_nr = nr;
    record->dirfd = dirfd;
    bpf_probe_read_user_str(record->path, sizeof(record->path), path);
    bpf_ringbuf_submit(record, 0);
    return 0;
}

#include "other_fs.bpf.h"

/* Attached while some entry asks for warn, or for thresholds on a
 * filesystem without exact hooks (whose writes it signals). */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
    struct fsev_record *record;
    struct super_block *sb;
    long nr, fd;

    if (!regs)
        return 0;
    if (ret >= 0)
        return fsev_syscall_activity(regs, ret);
    if (ret == -EIO || ret == -EROFS)
        return fsev_syscall_io_error(regs, ret);
    if (ret != -ENOSPC)
        return 0;
    if (fsev_is_daemon())
        return 0;
    nr = regs->orig_ax;
    if (!fsev_written_fd(nr, regs, &fd))
        return fsev_name_enospc(nr, regs);
    sb = fsev_fd_superblock(fd);
    if (!sb)
        return 0;
    if (BPF_CORE_READ(sb, s_magic) != EXT4_SUPER_MAGIC)
        return fsev_other_fs_enospc(sb, nr);
    record = fsev_warning(sb, FSEV_SRC_SYSCALL_ENOSPC, FS_WARN_ENOSPC);
    if (!record)
        return 0;
    record->syscall_nr = nr;
    bpf_ringbuf_submit(record, 0);
    return 0;
}

/*
 * Whether ext4 stopped accepting changes after an error. The switch happens
 * just after the ext4_error tracepoint, and where it is kept moved between
 * kernels: SB_RDONLY in the superblock (before 6.1.115 / 6.12), the
 * EXT4_MF_FS_ABORTED bit of s_mount_flags (Debian's 6.1 since "ext4: don't
 * set SB_RDONLY after filesystem errors"), EXT4_FLAGS_SHUTDOWN and later
 * EXT4_FLAGS_EMERGENCY_RO in s_ext4_flags. The daemon finds those bits in
 * the running kernel's BTF (their numbers changed too) and runs this program
 * on demand with BPF_PROG_TEST_RUN, passing the superblock an error record
 * named; it is never attached.
 */
const volatile __u64 ext4_stopped_mount_flags = 0; /* bits of s_mount_flags */
const volatile __u64 ext4_stopped_ext4_flags = 0;  /* bits of s_ext4_flags */

struct ext4_sb_info___with_mount_flags {
    unsigned long s_mount_flags;
} __attribute__((preserve_access_index));

struct ext4_sb_info___with_ext4_flags {
    unsigned long s_ext4_flags;
} __attribute__((preserve_access_index));

#define SB_RDONLY 1

SEC("raw_tp")
int read_ext4_state(struct bpf_raw_tracepoint_args *ctx)
{
    struct super_block *sb = (struct super_block *)ctx->args[0];
    void *sbi = BPF_CORE_READ(sb, s_fs_info);
    unsigned long flags = 0;
    int state = 0;

    if (BPF_CORE_READ(sb, s_flags) & SB_RDONLY)
        state |= FSEV_EXT4_READ_ONLY;
    if (ext4_stopped_mount_flags &&
        bpf_core_field_exists(struct ext4_sb_info___with_mount_flags, s_mount_flags)) {
        flags = BPF_CORE_READ((struct ext4_sb_info___with_mount_flags *)sbi, s_mount_flags);
        if (flags & ext4_stopped_mount_flags)
            state |= FSEV_EXT4_STOPPED;
    }
    if (ext4_stopped_ext4_flags &&
        bpf_core_field_exists(struct ext4_sb_info___with_ext4_flags, s_ext4_flags)) {
        flags = BPF_CORE_READ((struct ext4_sb_info___with_ext4_flags *)sbi, s_ext4_flags);
        if (flags & ext4_stopped_ext4_flags)
            state |= FSEV_EXT4_STOPPED;
    }
    return state;
}
