/* SPDX-License-Identifier: MIT */
/*
 * Structures shared by the BPF programs (bpf/) and the daemon (user/).
 * Fixed-width types only, explicit padding, so both compilers lay them out
 * identically. The BPF side includes vmlinux.h first, which provides __u32.
 */
#ifndef FSEV_BPF_SHARED_H
#define FSEV_BPF_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FSEV_COMM_LEN 16
/* Capacity of the traced_superblocks map, and so of the trace table. */
#define FSEV_MAX_TRACED_SUPERBLOCKS 4096
#define FSEV_PATH_LEN 128

/* Which kernel hook produced a ring-buffer record. */
enum fsev_source {
    FSEV_SRC_ALLOCATE_BLOCKS = 1,   /* ext4_allocate_blocks: blocks taken */
    FSEV_SRC_FREE_BLOCKS = 2,       /* ext4_free_blocks: blocks given back */
    FSEV_SRC_DA_RESERVE = 3,        /* ext4_da_reserve_space: delalloc reservation */
    FSEV_SRC_DA_RELEASE = 4,        /* ext4_da_release_space: reservation dropped */
    FSEV_SRC_DA_UPDATE = 5,         /* ext4_da_update_reserve_space: reservation used */
    FSEV_SRC_ERROR = 6,             /* ext4_error */
    FSEV_SRC_SHUTDOWN = 7,          /* ext4_shutdown */
    FSEV_SRC_SYSCALL_ENOSPC = 8,    /* a write-type syscall returned -ENOSPC */
    /* A syscall that creates a name (mkdir, open O_CREAT, ...) returned
     * -ENOSPC: no room for an inode or directory block, i.e. metadata. The
     * daemon resolves `path` to its filesystem. */
    FSEV_SRC_SYSCALL_ENOSPC_PATH = 10,
    /* A traced filesystem without exact space hooks (not ext4) was written,
     * truncated, written back or committed: the daemon checks it with
     * statfs. Rate-limited per superblock in BPF (bpf/other_fs.bpf.h). */
    FSEV_SRC_SPACE_ACTIVITY = 11,
    FSEV_SRC_XFS_SHUTDOWN = 12,     /* xfs_force_shutdown; `blocks` holds its SHUTDOWN_* flags */
    /* A write or flush syscall on a btrfs or XFS traced for err failed with
     * EIO or EROFS; `blocks` holds the errno. */
    FSEV_SRC_SYSCALL_IO_ERROR = 13,
    FSEV_SRC_MAX = 14,
};

/* Event-type bits of a trace entry (the config's info,warn,err,thr). */
#define FSEV_TRACE_INFO 0x1u
#define FSEV_TRACE_WARN 0x2u
#define FSEV_TRACE_ERR 0x4u
#define FSEV_TRACE_THRESH 0x8u

/* ext4 error-handling mode at the time of an error (fsev_record.error_mode). */
enum fsev_error_mode {
    FSEV_ERRORS_CONTINUE = 0,
    FSEV_ERRORS_REMOUNT_RO = 1, /* the error turns the filesystem read-only */
    FSEV_ERRORS_PANIC = 2,
};

/*
 * Value of the traced_superblocks map, keyed by the kernel dev_t. The daemon
 * writes it from the trace table; the BPF programs update `reached` with an
 * atomic compare-and-swap so each crossing is reported exactly once.
 */
struct fsev_trace_config {
    __u64 lower_level; /* L1, available blocks */
    __u64 upper_level; /* L2, available blocks */
    __u32 trace_id;    /* FS_EVENT_ATR_FS_ID */
    __u32 types;       /* FSEV_TRACE_* bits */
    __u32 levels;      /* FSEV_HAS_LOWER | FSEV_HAS_UPPER */
    __u32 reached;     /* FSEV_LOWER_REACHED | FSEV_UPPER_REACHED */
    /* Kept by the BPF programs near a level, written as zero by the daemon
     * (bpf/crossing_budget.bpf.h): no level can be crossed before the
     * superblock's `moved` total (fsev_superblock_in_flight) reaches
     * crossing_budget >> 2, while the reached bits are still
     * crossing_budget & 3 and bpf_jiffies64() is below
     * crossing_budget_until. 0: none. Next to the fields every hook reads:
     * hooks far from the levels read it too. */
    __u64 crossing_budget;
    /* Kept by the BPF programs, written as zeros by the daemon (so every
     * write re-reads them): what the space hooks need from ext4_sb_info
     * that changes only at mount, remount or resize, read once instead of
     * through a chain of probe reads per hook (bpf/ext4_counters.bpf.h). */
    __u64 ext4_sb_info;    /* kernel address of the ext4_sb_info, 0 until read */
    __u64 reserved_blocks; /* s_r_blocks_count + C2B(s_resv_clusters) */
    __u64 fresh_until;     /* bpf_jiffies64() when they are read again */
    __u32 cluster_bits;    /* s_cluster_bits */
    __u32 padding;
    __u64 crossing_budget_until; /* bpf_jiffies64() when crossing_budget expires */
};

/*
 * Value of the space_in_flight map, keyed by the kernel dev_t: ext4 work
 * half done on one superblock (bpf/space_in_flight.bpf.h). Written only by
 * the BPF programs with atomic adds; the tests read it to check that
 * nothing stays in flight once the filesystem is quiet.
 */
struct fsev_superblock_in_flight {
    __s64 clusters;    /* claimed + allocated, not yet in both counters */
    __s64 searching;   /* threads inside ext4_mb_new_blocks() */
    __u64 generation;  /* +1 whenever a search starts or ends or clusters settle */
    __u64 changed_ns;  /* bpf_ktime_get_ns() of the last search start or end */
    /* The last hook that fired before ext4 applied its change (a free, a
     * released or updated reservation): when, and in which thread. */
    __u64 announced_ns;
    __u32 announcer_tid;
    /* Extent-tree clusters ext4 gave back since the threshold state last
     * moved: a level is left only when the count is above it by more. */
    __u32 metadata_returned;
    /* Clusters moved by the hooks that ran near a level: the sizes of their
     * changes, up and down alike, added up (a distance, never a count of
     * space). */
    __u64 moved;
};

/* One ring-buffer record: something happened on one ext4 superblock. */
struct fsev_record {
    __u64 timestamp_ns;     /* bpf_ktime_get_ns() */
    __u64 available_blocks; /* statfs f_bavail at this moment, in blocks */
    __u64 blocks;           /* blocks the hook reports changing (0 if none) */
    __u32 dev;              /* kernel dev_t of the superblock: major << 20 | minor */
    __u32 pid;              /* thread group id of the current task */
    __u32 source;           /* enum fsev_source */
    __u32 block_size;       /* bytes per block */
    __u32 error_line;       /* ext4_error: source line in the kernel */
    __u32 trace_id;         /* the trace entry, 0 for raw records */
    __u32 event_type;       /* enum fs_event_type, 0 for raw records */
    __u32 event_id;         /* FS_* id (THRESH, WARN; ERR is classified by the daemon) */
    __u32 direction;        /* enum fs_event_direction (THRESH) */
    __u32 error_mode;       /* enum fsev_error_mode (ext4_error, syscall I/O errors) */
    __u32 syscall_nr;       /* FSEV_SRC_SYSCALL_*: which syscall (x86_64 numbers) */
    __s32 dirfd;            /* FSEV_SRC_SYSCALL_ENOSPC_PATH: directory fd of `path` */
    char comm[FSEV_COMM_LEN];
    char error_function[32]; /* ext4_error: kernel function that raised it */
    char fs_id[32];          /* sb->s_id, e.g. loop0: the /sys/fs/ext4 directory */
    char path[FSEV_PATH_LEN]; /* FSEV_SRC_SYSCALL_ENOSPC_PATH: the path, as the task gave it */
    __u64 superblock; /* ext4_error: kernel address of the super_block, for read_ext4_state */
};

/* Value of the activity_signals map (kernel dev_t -> this): when BPF last
 * saw space activity on a filesystem without exact hooks, and when it last
 * signalled the daemon about it (at most once per interval). */
struct fsev_activity {
    __u64 last_signal_ns;   /* bpf_ktime_get_ns() */
    __u64 last_activity_ns; /* bpf_ktime_get_ns() */
};

/* Capacity of the writers map (LRU: the least recently active writers make
 * room for new ones). */
#define FSEV_MAX_WRITERS 8192

/* Key of the writers map: who took space on which superblock. */
struct fsev_writer_key {
    __u64 cgroup_id; /* bpf_get_current_cgroup_id(): the cgroup v2 inode number */
    __u32 dev;       /* kernel dev_t of the superblock */
    __u32 tgid;      /* thread group id as the daemon's pid namespace sees it, 0 if not */
};

/*
 * Value of the writers map: space one writer took on one superblock since
 * the entry was made (delalloc reservations and allocations not covered by
 * one), cumulative; the daemon turns snapshots into windows.
 */
struct fsev_writer_space {
    __u64 clusters;      /* added atomically by every hook run of this writer */
    __u64 first_ns;      /* bpf_ktime_get_ns() when the entry was made */
    __u32 cluster_bytes; /* bytes per cluster of the superblock */
    __u32 padding;
    char comm[FSEV_COMM_LEN]; /* comm of the thread that made the entry */
};

/*
 * Value of the writer_slots per-CPU array (one element): the writer this
 * CPU counted last and the units counted for it since, not yet added to its
 * writers-map entry (which exists: a writer takes a slot only after its
 * entry was found or made). The daemon adds `pending` to that entry's
 * clusters. A change of writer writes `begun` first and `done` last (both
 * count the changes), so a copy read from the start (`done`) to the end
 * (`begun`) is consistent when the two are equal.
 */
struct fsev_writer_slot {
    __u64 done;                 /* changes of writer finished */
    struct fsev_writer_key key; /* dev 0: no writer yet */
    __u64 pending;              /* units not yet in the writers map */
    __u32 unit_bytes;           /* 0: ext4 clusters, else bytes per unit */
    __u32 busy;                 /* a program on this CPU is using the slot */
    __u64 begun;                /* changes of writer started */
};

/* What read_ext4_state returns, as bits. */
#define FSEV_EXT4_READ_ONLY 0x1u /* SB_RDONLY: mounted or switched read-only */
#define FSEV_EXT4_STOPPED 0x2u   /* ext4 refuses changes after an error or shutdown */

#endif /* FSEV_BPF_SHARED_H */
