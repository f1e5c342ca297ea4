// SPDX-License-Identifier: GPL-2.0
/*
 * Test support: holds one chosen thread inside
 * ext4_da_update_reserve_space() for a while, after fsev's hook on that
 * tracepoint and before ext4 drops the extent's reservation from its
 * dirty-cluster counter, with the inode's reservation lock held and the
 * CPU not preemptible: what a hypervisor does when it stops a virtual CPU
 * there. Attached after fsev's programs, so it runs after fsev's hook.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by the test. */
__u32 stall_tid = 0;   /* the thread to hold; 0: none */
__u64 stall_ns = 0;    /* for how long */
__u32 stalls_left = 0; /* how many of its hooks to hold */

/* Read by the test. */
__u32 stalling = 0; /* 1 while the thread is held */
__u32 stalls_done = 0;

struct spin_until {
    __u64 deadline_ns;
};

static long spin(__u32 index, void *data)
{
    struct spin_until *until = data;

    return bpf_ktime_get_ns() >= until->deadline_ns; /* 1 ends the loop */
}

SEC("tp_btf/ext4_da_update_reserve_space")
int stall_da_update_reserve_space(void *ctx)
{
    struct spin_until until;

    if (!stall_tid || (__u32)bpf_get_current_pid_tgid() != stall_tid || stalls_left == 0)
        return 0;
    stalls_left--;
    until.deadline_ns = bpf_ktime_get_ns() + stall_ns;
    *(volatile __u32 *)&stalling = 1;
    /* 1 << 23 rounds of a clock read outlast any stall the tests ask for. */
    bpf_loop(1 << 23, spin, &until, 0);
    *(volatile __u32 *)&stalling = 0;
    stalls_done++;
    return 0;
}
