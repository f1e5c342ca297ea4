// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for fsev-bench: empty tp_btf programs on the tracepoints fsev-bpf
 * uses. Their run_time_ns / run_cnt is what the kernel charges for running
 * any program there (trampoline and statistics included), measured in the
 * same run as ours.
 *
 * The lookup_* programs are the floor of a design that keeps its state per
 * superblock in a hash map: they read the superblock's device from the
 * tracepoint's arguments and look it up in a map shaped like fsev-bpf's
 * traced_superblocks (never written, so every lookup misses, as on a
 * filesystem nobody traces), and do nothing else.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "fsev/bpf_shared.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/ext4_allocate_blocks")
int empty_allocate_blocks(void *ctx) { return 0; }

SEC("tp_btf/ext4_free_blocks")
int empty_free_blocks(void *ctx) { return 0; }

SEC("tp_btf/ext4_da_reserve_space")
int empty_da_reserve_space(void *ctx) { return 0; }

SEC("tp_btf/ext4_da_release_space")
int empty_da_release_space(void *ctx) { return 0; }

SEC("tp_btf/ext4_da_update_reserve_space")
int empty_da_update_reserve_space(void *ctx) { return 0; }

SEC("tp_btf/sys_exit")
int empty_sys_exit(void *ctx) { return 0; }

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, FSEV_MAX_TRACED_SUPERBLOCKS);
    __type(key, __u32);
    __type(value, struct fsev_trace_config);
} floor_superblocks SEC(".maps");

static __always_inline int lookup_superblock(struct super_block *sb)
{
    __u32 dev = sb->s_dev;

    return bpf_map_lookup_elem(&floor_superblocks, &dev) != 0;
}

SEC("tp_btf/ext4_allocate_blocks")
int BPF_PROG(lookup_allocate_blocks, struct ext4_allocation_request *ar)
{
    return ar ? lookup_superblock(ar->inode->i_sb) : 0;
}

SEC("tp_btf/ext4_free_blocks")
int BPF_PROG(lookup_free_blocks, struct inode *inode)
{
    return inode ? lookup_superblock(inode->i_sb) : 0;
}

SEC("tp_btf/ext4_da_reserve_space")
int BPF_PROG(lookup_da_reserve_space, struct inode *inode)
{
    return inode ? lookup_superblock(inode->i_sb) : 0;
}

SEC("tp_btf/ext4_da_release_space")
int BPF_PROG(lookup_da_release_space, struct inode *inode)
{
    return inode ? lookup_superblock(inode->i_sb) : 0;
}

SEC("tp_btf/ext4_da_update_reserve_space")
int BPF_PROG(lookup_da_update_reserve_space, struct inode *inode)
{
    return inode ? lookup_superblock(inode->i_sb) : 0;
}
