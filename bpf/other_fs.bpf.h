/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Filesystems other than ext4 (XFS, btrfs, tmpfs, ...): no exact space
 * hooks, so the daemon reads their available count with statfs, but only
 * when something here says the filesystem's space may have changed. Each
 * signal is one ring-buffer record, at most one per superblock per
 * activity_interval_ns; an idle filesystem produces none. Activity within
 * the interval is only noted (struct fsev_activity); the daemon's trailing
 * checks read that note, so the state after the last change is seen.
 *
 * The syscall-exit path also counts, per writer, the bytes written to
 * superblocks traced for thr or warn (attribution.bpf.h).
 *
 * Signals, all for superblocks traced for thresholds and not ext4:
 *   - a write-type syscall on a file of the filesystem succeeded
 *     (on_sys_exit, see fsev_written_fd()): tmpfs and XFS count reserved
 *     space at once;
 *   - page-cache pages of a tmpfs file were dropped (unlink, truncate, hole
 *     punch): tmpfs frees its space there (other filesystems drop pages on
 *     memory reclaim too, which frees no space, so they are not signalled);
 *   - XFS truncated an inode's extents (truncate, or an unlinked inode
 *     freed in the background): its free count grows at that commit;
 *   - an inode of it was written back: XFS settles delayed allocations;
 *   - a btrfs transaction committed: btrfs's statfs changes only then.
 *
 * Included by fsev.bpf.c after its helpers (fsev_reserve, fsev_is_daemon,
 * fsev_written_fd, fsev_fd_superblock).
 */
#ifndef FSEV_OTHER_FS_BPF_H
#define FSEV_OTHER_FS_BPF_H

#include "trace_config.bpf.h"

/* Set by the daemon before load: minimum time between two signals for one
 * superblock. */
const volatile __u64 activity_interval_ns = 20 * 1000 * 1000;

/* Per superblock (kernel dev_t). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32);
    __type(value, struct fsev_activity);
} activity_signals SEC(".maps");

/* fsev_space_activity() once `config`, the traced_superblocks entry of
 * `sb` (kernel dev_t `dev`), was looked up and `sb` is known not to be
 * ext4's (whose hooks run the state machine themselves). */
static __always_inline void fsev_traced_space_activity(struct super_block *sb, __u32 dev,
                                                       const struct fsev_trace_config *config)
{
    struct fsev_activity *activity, first = {};
    struct fsev_record *record;
    __u64 now, previous;

    if (!fsev_watches_thresholds(config))
        return;
    now = bpf_ktime_get_ns();
    activity = bpf_map_lookup_elem(&activity_signals, &dev);
    if (activity) {
        activity->last_activity_ns = now;
        previous = activity->last_signal_ns;
        if (now - previous < activity_interval_ns)
            return;
        /* Several CPUs may see the interval over: one of them signals. */
        if (__sync_val_compare_and_swap(&activity->last_signal_ns, previous, now) != previous)
            return;
    } else {
        first.last_signal_ns = now;
        first.last_activity_ns = now;
        if (bpf_map_update_elem(&activity_signals, &dev, &first, BPF_NOEXIST))
            return;
    }
    record = fsev_reserve(sb, FSEV_SRC_SPACE_ACTIVITY, 0, 0);
    if (!record)
        return;
    record->trace_id = config->trace_id;
    bpf_ringbuf_submit(record, 0);
}

static __always_inline void fsev_space_activity(struct super_block *sb)
{
    struct fsev_trace_config *config;
    __u32 dev;

    if (!sb || fsev_is_daemon())
        return;
    dev = BPF_CORE_READ(sb, s_dev);
    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (!config || BPF_CORE_READ(sb, s_magic) == EXT4_SUPER_MAGIC)
        return;
    fsev_traced_space_activity(sb, dev, config);
}

/* A write-type syscall failed with -ENOSPC on a filesystem that is not
 * ext4: FS_WARN_ENOSPC when the superblock is traced for warn. The count
 * is left to the daemon (statfs); ext4's counters mean nothing here. */
static __always_inline int fsev_other_fs_enospc(struct super_block *sb, long nr)
{
    struct fsev_trace_config *config;
    struct fsev_record *record;
    __u32 dev = BPF_CORE_READ(sb, s_dev);

    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (!config || !(config->types & FSEV_TRACE_WARN))
        return 0;
    record = fsev_reserve(sb, FSEV_SRC_SYSCALL_ENOSPC, 0, 0);
    if (!record)
        return 0;
    record->trace_id = config->trace_id;
    record->event_type = FS_EVENT_WARN;
    record->event_id = FS_WARN_ENOSPC;
    record->syscall_nr = nr;
    bpf_ringbuf_submit(record, 0);
    return 0;
}

#define FSEV_FALLOC_FL_KEEP_SIZE 0x01

/* The bytes a successful write-type syscall `nr` that returned `ret` took:
 * what it wrote (write, pwrite, writev, sendfile, splice,
 * copy_file_range), the length a plain fallocate reserved, none for
 * ftruncate, hole punching and the other fallocate modes. */
static __always_inline __u64 fsev_written_bytes(long nr, struct pt_regs *regs, long ret)
{
    switch (nr) { /* x86_64 syscall numbers (asm/unistd_64.h) */
    case 77: /* ftruncate */
        return 0;
    case 285: /* fallocate(fd, mode, offset, len) */
        if (regs->si & ~(unsigned long)FSEV_FALLOC_FL_KEEP_SIZE)
            return 0;
        return regs->r10;
    default:
        return ret;
    }
}

/* Set by the daemon while a filesystem without exact hooks is traced for
 * thr or warn. on_sys_exit also runs for ext4's ENOSPC warnings alone;
 * then a successful write has nothing to count or signal, and resolving
 * its fd is skipped. */
__u32 syscall_writes_wanted = 0;

/* A successful syscall (on_sys_exit): write-type calls on a traced
 * filesystem other than ext4 signal it and count the bytes to the writer.
 * An untraced filesystem pays the one lookup. */
static __always_inline int fsev_syscall_activity(struct pt_regs *regs, long ret)
{
    struct fsev_trace_config *config;
    struct super_block *sb;
    __u64 bytes;
    long nr, fd;
    __u32 dev;

    if (!*(volatile __u32 *)&syscall_writes_wanted)
        return 0;
    nr = regs->orig_ax;
    if (!fsev_written_fd(nr, regs, &fd))
        return 0;
    sb = fsev_fd_superblock(fd);
    if (!sb || fsev_is_daemon())
        return 0;
    dev = BPF_CORE_READ(sb, s_dev);
    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (!config || BPF_CORE_READ(sb, s_magic) == EXT4_SUPER_MAGIC)
        return 0; /* ext4's space hooks count and signal */
    if (count_writers && fsev_attributed(config)) {
        bytes = fsev_written_bytes(nr, regs, ret);
        if (bytes)
            fsev_attribute_units(sb, dev, bytes, 1);
    }
    fsev_traced_space_activity(sb, dev, config);
    return 0;
}

#define BTRFS_SUPER_MAGIC 0x9123683E
#define XFS_SUPER_MAGIC 0x58465342

/* Syscalls that write a file's data back: the fd, as fsev_written_fd(). */
static __always_inline bool fsev_flushed_fd(long nr, struct pt_regs *regs, long *fd)
{
    switch (nr) { /* x86_64 syscall numbers (asm/unistd_64.h) */
    case 74:  /* fsync */
    case 75:  /* fdatasync */
    case 277: /* sync_file_range */
    case 306: /* syncfs */
        *fd = (long)regs->di;
        return true;
    default:
        return false;
    }
}

/* At most one I/O error record per superblock per minute: once a
 * filesystem failed, every write fails, and one report says it. */
#define FSEV_IO_ERROR_INTERVAL_NS (60ull * 1000 * 1000 * 1000)

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32);
    __type(value, __u64); /* time of the last record */
} io_error_signals SEC(".maps");

/* A write or flush on btrfs or XFS failed with EIO or EROFS. btrfs has no
 * error tracepoint (6.1 to 6.18); what its users see of an error is this: a
 * failing disk makes the writeback of a commit fail, btrfs aborts the
 * transaction and turns itself read-only, and syncfs, fsync and later
 * writes fail. The daemon reports an error and, if btrfs is now read-only,
 * FS_ERR_RO_REMOUNT. XFS shuts down on a failed log write without passing
 * the xfs_force_shutdown tracepoint (xlog_force_shutdown()), so that
 * shutdown too is seen here only. */
static __always_inline int fsev_syscall_io_error(struct pt_regs *regs, long ret)
{
    struct fsev_trace_config *config;
    struct fsev_record *record;
    struct super_block *sb;
    __u64 now, *last;
    unsigned long magic;
    long nr, fd;
    __u32 dev;

    if (fsev_is_daemon())
        return 0;
    nr = regs->orig_ax;
    if (!fsev_written_fd(nr, regs, &fd) && !fsev_flushed_fd(nr, regs, &fd))
        return 0;
    sb = fsev_fd_superblock(fd);
    if (!sb)
        return 0;
    magic = BPF_CORE_READ(sb, s_magic);
    if (magic != BTRFS_SUPER_MAGIC && magic != XFS_SUPER_MAGIC)
        return 0;
    dev = BPF_CORE_READ(sb, s_dev);
    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (!config || !(config->types & FSEV_TRACE_ERR))
        return 0;
    now = bpf_ktime_get_ns();
    last = bpf_map_lookup_elem(&io_error_signals, &dev);
    if (last && now - *last < FSEV_IO_ERROR_INTERVAL_NS)
        return 0;
    bpf_map_update_elem(&io_error_signals, &dev, &now, BPF_ANY);
    record = fsev_reserve(sb, FSEV_SRC_SYSCALL_IO_ERROR, (__u64)-ret, 0);
    if (!record)
        return 0;
    record->trace_id = config->trace_id;
    record->event_type = FS_EVENT_ERR;
    record->event_id = FS_ERR_INTERNAL;
    record->syscall_nr = nr;
    /* btrfs turns read-only on every transaction abort; XFS never does */
    record->error_mode =
        magic == BTRFS_SUPER_MAGIC ? FSEV_ERRORS_REMOUNT_RO : FSEV_ERRORS_CONTINUE;
    bpf_ringbuf_submit(record, 0);
    return 0;
}

#define TMPFS_MAGIC 0x01021994

/* Page-cache pages of a file dropped: tmpfs gives their space back here
 * (unlink, truncate, hole punch). */
SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(on_page_cache_delete, struct folio *folio)
{
    struct super_block *sb;

    /* Tracepoint pointers may be NULL for the verifier (6.12+). */
    if (!folio)
        return 0;
    sb = BPF_CORE_READ(folio, mapping, host, i_sb);
    if (sb && BPF_CORE_READ(sb, s_magic) == TMPFS_MAGIC)
        fsev_space_activity(sb);
    return 0;
}

/* XFS gave an inode's blocks back (truncate, or inactivation of an
 * unlinked inode, which runs in the background after the unlink). */
SEC("tp_btf/xfs_itruncate_extents_end")
int BPF_PROG(on_xfs_truncated, struct xfs_inode *ip, long long new_size)
{
    if (!ip)
        return 0;
    fsev_space_activity(BPF_CORE_READ(ip, i_mount, m_super));
    return 0;
}

/* Writeback of one inode: XFS turns delayed allocations into extents. */
SEC("tp_btf/writeback_single_inode")
int BPF_PROG(on_writeback_inode, struct inode *inode, struct writeback_control *wbc,
             unsigned long nr_to_write)
{
    if (!inode)
        return 0;
    fsev_space_activity(BPF_CORE_READ(inode, i_sb));
    return 0;
}

/* btrfs updates the used bytes statfs reports when a transaction commits. */
SEC("tp_btf/btrfs_transaction_commit")
int BPF_PROG(on_btrfs_commit, const struct btrfs_fs_info *fs_info)
{
    if (!fs_info)
        return 0;
    fsev_space_activity(BPF_CORE_READ(fs_info, sb));
    return 0;
}

/* XFS shut down: the administrator (xfs_io -x -c shutdown, the goingdown
 * ioctl), an I/O error on metadata or the log, or corruption. The daemon
 * classifies by the flags. */
SEC("tp_btf/xfs_force_shutdown")
int BPF_PROG(on_xfs_shutdown, struct xfs_mount *mp, int ptag, int flags, const char *fname,
             int line_num)
{
    struct super_block *sb;
    struct fsev_trace_config *config;
    struct fsev_record *record;
    __u32 dev, trace_id = 0;

    if (!mp)
        return 0;
    sb = BPF_CORE_READ(mp, m_super);
    if (!sb)
        return 0;
    dev = BPF_CORE_READ(sb, s_dev);
    config = bpf_map_lookup_elem(&traced_superblocks, &dev);
    if (config && (config->types & FSEV_TRACE_ERR))
        trace_id = config->trace_id;
    else if (!emit_raw_records)
        return 0;
    record = fsev_reserve(sb, FSEV_SRC_XFS_SHUTDOWN, (__u32)flags, 0);
    if (!record)
        return 0;
    record->trace_id = trace_id;
    record->event_type = trace_id ? FS_EVENT_ERR : 0;
    record->error_line = line_num;
    bpf_probe_read_kernel_str(record->error_function, sizeof(record->error_function), fname);
    bpf_ringbuf_submit(record, 0);
    return 0;
}

#endif /* FSEV_OTHER_FS_BPF_H */
