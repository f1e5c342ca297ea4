// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for fsev-bench: empty tp_btf programs on the tracepoints fsev-bpf
 * uses. Their run_time_ns / run_cnt is what the kernel charges for running
 * any program there (trampoline and statistics included), measured in the
 * same run as ours.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

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
