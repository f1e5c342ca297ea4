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

/* Which kernel hook produced a ring-buffer record. */
enum fsev_source {
    FSEV_SRC_ALLOCATE_BLOCKS = 1,   /* ext4_allocate_blocks: blocks taken */
    FSEV_SRC_FREE_BLOCKS = 2,       /* ext4_free_blocks: blocks given back */
    FSEV_SRC_DA_RESERVE = 3,        /* ext4_da_reserve_space: delalloc reservation */
    FSEV_SRC_DA_RELEASE = 4,        /* ext4_da_release_space: reservation dropped */
    FSEV_SRC_DA_UPDATE = 5,         /* ext4_da_update_reserve_space: reservation used */
    FSEV_SRC_ERROR = 6,             /* ext4_error */
    FSEV_SRC_SHUTDOWN = 7,          /* ext4_shutdown */
    FSEV_SRC_MAX = 8,
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
    __u32 reserved;         /* keeps the struct 8-byte aligned; zero */
    char comm[FSEV_COMM_LEN];
    char error_function[32]; /* ext4_error: kernel function that raised it */
};

#endif /* FSEV_BPF_SHARED_H */
