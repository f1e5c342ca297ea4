/* SPDX-License-Identifier: MIT */
/*
 * fsev-bpf public interface: the FS_EVENT generic-netlink message.
 *
 * The numeric values are those of the 2015 "generic file system event
 * notifications" RFC, so a program written against that proposal decodes our
 * messages unchanged. Names fix the RFC's typos. Values are never reused and
 * never change meaning; additions take the next free value.
 */
#ifndef FSEV_FS_EVENT_H
#define FSEV_FS_EVENT_H

#define FS_EVENT_FAMILY_NAME "FS_EVENT"
#define FS_EVENT_MCAST_GROUP_NAME "event"
#define FS_EVENT_VERSION 1

/* Event types: the genetlink command of each message. */
enum fs_event_type {
    FS_EVENT_NONE = 0,
    FS_EVENT_INFO = 1,
    FS_EVENT_WARN = 2,
    FS_EVENT_ERR = 3,
    FS_EVENT_THRESH = 4,
    FS_EVENT_NEW_TRACE = 5, /* a trace entry was created */
};

/* Event ids: FS_EVENT_ATR_ID of each message (bit values, as in the RFC). */
#define FS_INFO_UMOUNT 0x00000001u       /* the filesystem went away */
#define FS_WARN_UNKNOWN 0x00000004u      /* unspecified warning */
#define FS_WARN_ENOSPC 0x00000008u       /* no space left for data */
#define FS_WARN_ENOSPC_META 0x00000010u  /* no space left for metadata */
#define FS_THRESH_LR_REACHED 0x00000020u /* available blocks crossed L1 */
#define FS_THRESH_UR_REACHED 0x00000040u /* available blocks crossed L2 */
#define FS_ERR_UNKNOWN 0x00000080u       /* unspecified error */
#define FS_ERR_RO_REMOUNT 0x00000100u    /* read-only because of an error */
#define FS_ERR_INTERNAL 0x00000200u      /* filesystem-specific error */
#define FS_ERR_CORRUPTED 0x00000400u     /* metadata corruption: run fsck */
/* fsev-bpf additions (not in the RFC). */
#define FS_INFO_REMOUNT_RO 0x00000800u   /* administrator remounted read-only */
#define FS_INFO_REMOUNT_RW 0x00001000u   /* administrator remounted read-write */
#define FS_ERR_SHUTDOWN 0x00002000u      /* filesystem shut down (EXT4_IOC_SHUTDOWN) */
/* At the current fill rate the filesystem reaches L2 (or full, without L2)
 * within the entry's `predict` horizon (WARN). */
#define FS_WARN_FULL_SOON 0x00004000u

/* Netlink attributes. 1-7 are the RFC's; 8 upward are fsev-bpf extensions
 * that RFC consumers ignore. */
enum fs_event_attr {
    FS_EVENT_ATR_UNSPEC = 0,
    FS_EVENT_ATR_FS_ID = 1,     /* u32: trace entry id */
    FS_EVENT_ATR_MOUNT = 2,     /* string: mount point (NEW_TRACE) */
    FS_EVENT_ATR_DEV_MAJOR = 3, /* u32 */
    FS_EVENT_ATR_DEV_MINOR = 4, /* u32 */
    FS_EVENT_ATR_ID = 5,        /* u32: event id above */
    FS_EVENT_ATR_CAUSED_ID = 6, /* u32: pid that caused it, 0 when none */
    FS_EVENT_ATR_DATA = 7,      /* u64: available blocks (THRESH) */
    FS_EVENT_ATR_DIRECTION = 8, /* u32: enum fs_event_direction (THRESH) */
    FS_EVENT_ATR_BLOCK_SIZE = 9, /* u32: bytes per block, to scale ATR_DATA (THRESH) */
    FS_EVENT_ATR_COUNT_SOURCE = 10, /* u32: enum fs_event_count_source (THRESH) */
    FS_EVENT_ATR_WRITERS = 11,      /* nested: enum fs_event_writers_attr (THRESH, ENOSPC) */
    __FS_EVENT_ATR_MAX,
};
#define FS_EVENT_ATR_MAX (__FS_EVENT_ATR_MAX - 1)

/*
 * Which attributes each message carries:
 *   NEW_TRACE           FS_ID, MOUNT
 *   INFO, WARN, ERR     FS_ID, DEV_MAJOR + DEV_MINOR (when the filesystem has
 *                       a device), ID, CAUSED_ID (0 when no task caused it)
 *   THRESH              as above, plus DATA, DIRECTION, BLOCK_SIZE and
 *                       COUNT_SOURCE
 *   THRESH, WARN ENOSPC(_META)  last, WRITERS when the filesystem is traced
 *                       for thr or warn and its writers are known
 * BLOCK_SIZE travels only with DATA, the one value it scales; it is left out
 * when the block size is not known. Attributes appear in the order above.
 * nlmsg_seq grows by one per message the daemon sends (all types together),
 * so a gap means messages were lost. nlmsg_flags is 0.
 */

/* Inside FS_EVENT_ATR_WRITERS: who took most space on the filesystem over
 * the last WINDOW seconds, most first. */
enum fs_event_writers_attr {
    FS_EVENT_WRITERS_UNSPEC = 0,
    FS_EVENT_WRITERS_WINDOW = 1,      /* u32: seconds the counts cover */
    FS_EVENT_WRITERS_WRITER = 2,      /* nested: enum fs_event_writer_attr; repeated */
    FS_EVENT_WRITERS_OTHER_BYTES = 3, /* u64: everyone not named, together */
    __FS_EVENT_WRITERS_MAX,
};

/* Inside FS_EVENT_WRITERS_WRITER: one process in one cgroup. */
enum fs_event_writer_attr {
    FS_EVENT_WRITER_UNSPEC = 0,
    FS_EVENT_WRITER_PID = 1,       /* u32: thread group id, 0 when not visible to the daemon */
    FS_EVENT_WRITER_COMM = 2,      /* string */
    FS_EVENT_WRITER_CGROUP_ID = 3, /* u64: cgroup v2 id (inode of its directory) */
    FS_EVENT_WRITER_CGROUP = 4,    /* string: cgroup v2 path, "cgroup:<id>" when unknown */
    FS_EVENT_WRITER_WORKLOAD = 5,  /* string: "container <id>", "pod <uid>", "service <unit>",
                                      "scope <unit>"; absent when the path shows none */
    FS_EVENT_WRITER_BYTES = 6,     /* u64: space taken (reserved or allocated) in the window */
    __FS_EVENT_WRITER_MAX,
};

/* FS_EVENT_ATR_DIRECTION: whether space was being taken or given back. */
enum fs_event_direction {
    FS_EVENT_DIR_NONE = 0,
    FS_EVENT_DIR_FILLING = 1, /* available blocks fell to or below the level */
    FS_EVENT_DIR_FREEING = 2, /* available blocks rose above the level */
};

/* FS_EVENT_ATR_COUNT_SOURCE: how ATR_DATA was obtained, so a consumer knows
 * how late a crossing can be reported (docs/filesystems.md). */
enum fs_event_count_source {
    FS_EVENT_COUNT_UNKNOWN = 0,
    /* Read by BPF from the filesystem's own counters at the moment the space
     * changed (ext4): reported at the crossing itself. */
    FS_EVENT_COUNT_EXACT = 1,
    /* statfs by the daemon: when the threshold was armed, or on activity of
     * a filesystem without exact hooks (XFS, btrfs, tmpfs); reported within
     * the documented latency of the crossing. */
    FS_EVENT_COUNT_STATFS = 2,
};

#endif /* FSEV_FS_EVENT_H */
