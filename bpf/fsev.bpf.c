// SPDX-License-Identifier: GPL-2.0
/*
 * fsev-bpf kernel side: ext4 tracepoints that change available space or
 * report errors. Each emits one struct fsev_record to the ring buffer with
 * the superblock's available-block count read at that moment.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ext4_counters.bpf.h"
#include "fsev/bpf_shared.h"

char LICENSE[] SEC("license") = "GPL";

/* ext4's allocation flag: blocks were reserved by delayed allocation, and
 * the dirty-cluster reservation is dropped right after the allocation. */
#define EXT4_MB_DELALLOC_RESERVED 0x0400

/* Set by the daemon before load. */
const volatile __u32 daemon_tgid = 0;  /* never report the daemon's own I/O */
const volatile __u64 pidns_dev = 0;    /* daemon's pid namespace, for pids */
const volatile __u64 pidns_ino = 0;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} records SEC(".maps");

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

static __always_inline struct fsev_record *fsev_reserve(struct super_block *sb, __u32 source,
                                                        __u64 blocks, __s64 pending_clusters)
{
    struct fsev_record *record;

    if (daemon_tgid && (bpf_get_current_pid_tgid() >> 32) == daemon_tgid)
        return NULL;
    record = bpf_ringbuf_reserve(&records, sizeof(*record), 0);
    if (!record)
        return NULL;
    __builtin_memset(record, 0, sizeof(*record));
    record->timestamp_ns = bpf_ktime_get_ns();
    record->available_blocks = fsev_ext4_available_blocks(sb, pending_clusters);
    record->blocks = blocks;
    record->dev = BPF_CORE_READ(sb, s_dev);
    record->pid = fsev_current_pid();
    record->source = source;
    record->block_size = BPF_CORE_READ(sb, s_blocksize);
    bpf_get_current_comm(record->comm, sizeof(record->comm));
    return record;
}

static __always_inline int fsev_emit(struct super_block *sb, __u32 source, __u64 blocks,
                                     __s64 pending_clusters)
{
    struct fsev_record *record = fsev_reserve(sb, source, blocks, pending_clusters);

    if (record)
        bpf_ringbuf_submit(record, 0);
    return 0;
}

/* Fires after the free-cluster counter went down. For delalloc blocks the
 * matching dirty-cluster drop follows in ext4_da_update_reserve_space(), so
 * the space is not gone twice: count it as already settled. */
SEC("tp_btf/ext4_allocate_blocks")
int BPF_PROG(on_allocate_blocks, struct ext4_allocation_request *ar, unsigned long long block)
{
    struct inode *inode = BPF_CORE_READ(ar, inode);
    unsigned int len = BPF_CORE_READ(ar, len);
    __s64 pending = (BPF_CORE_READ(ar, flags) & EXT4_MB_DELALLOC_RESERVED) ? len : 0;

    return fsev_emit(BPF_CORE_READ(inode, i_sb), FSEV_SRC_ALLOCATE_BLOCKS, len, pending);
}

/* Fires before ext4 returns the blocks to the free-cluster counter. */
SEC("tp_btf/ext4_free_blocks")
int BPF_PROG(on_free_blocks, struct inode *inode, __u64 block, unsigned long count, int flags)
{
    return fsev_emit(BPF_CORE_READ(inode, i_sb), FSEV_SRC_FREE_BLOCKS, count, count);
}

/* Fires after the dirty-cluster counter went up (space is reserved). */
SEC("tp_btf/ext4_da_reserve_space")
int BPF_PROG(on_da_reserve_space, struct inode *inode, int reserved)
{
    return fsev_emit(BPF_CORE_READ(inode, i_sb), FSEV_SRC_DA_RESERVE, reserved, 0);
}

/* Fires before the dirty-cluster counter drops by `freed`. */
SEC("tp_btf/ext4_da_release_space")
int BPF_PROG(on_da_release_space, struct inode *inode, int freed)
{
    return fsev_emit(BPF_CORE_READ(inode, i_sb), FSEV_SRC_DA_RELEASE, freed, freed);
}

/* Fires before the dirty-cluster counter drops by `used` (writeback turned a
 * reservation into an allocation, already counted at allocate_blocks). */
SEC("tp_btf/ext4_da_update_reserve_space")
int BPF_PROG(on_da_update_reserve_space, struct inode *inode, int used, int quota_claim)
{
    return fsev_emit(BPF_CORE_READ(inode, i_sb), FSEV_SRC_DA_UPDATE, used, used);
}

SEC("tp_btf/ext4_error")
int BPF_PROG(on_error, struct super_block *sb, const char *function, unsigned int line)
{
    struct fsev_record *record = fsev_reserve(sb, FSEV_SRC_ERROR, 0, 0);

    if (!record)
        return 0;
    record->error_line = line;
    bpf_probe_read_kernel_str(record->error_function, sizeof(record->error_function), function);
    bpf_ringbuf_submit(record, 0);
    return 0;
}

SEC("tp_btf/ext4_shutdown")
int BPF_PROG(on_shutdown, struct super_block *sb, unsigned long flags)
{
    return fsev_emit(sb, FSEV_SRC_SHUTDOWN, 0, 0);
}
