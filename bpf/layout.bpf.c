// SPDX-License-Identifier: GPL-2.0
/*
 * Never loaded. Declares one object of each struct shared with the daemon so
 * that this object's BTF records how clang lays them out for BPF;
 * tests/unit/shared_layout_test.cpp compares that with the C++ layout.
 */
#include "vmlinux.h"

#include "fsev/bpf_shared.h"

struct fsev_record layout_fsev_record;
struct fsev_trace_config layout_fsev_trace_config;
struct fsev_superblock_in_flight layout_fsev_superblock_in_flight;
struct fsev_activity layout_fsev_activity;
struct fsev_writer_key layout_fsev_writer_key;
struct fsev_writer_space layout_fsev_writer_space;
struct fsev_writer_slot layout_fsev_writer_slot;
