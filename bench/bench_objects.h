#pragma once

#include <memory>

#include "fsev_bench_empty.skel.h"
#include "fsev_bench_floor.skel.h"

namespace fsev::bench {

// Owns a loaded skeleton of the bench's own BPF objects; destroying it
// detaches and unloads its programs.
template <typename Skeleton, void (*destroy)(Skeleton *)>
struct SkeletonDeleter {
    void operator()(Skeleton *skeleton) const { destroy(skeleton); }
};

// bench/empty.bpf.c: the floor programs the measurements compare ours with.
using EmptyObject =
    std::unique_ptr<fsev_bench_empty, SkeletonDeleter<fsev_bench_empty, fsev_bench_empty__destroy>>;
// bench/floor.bpf.c: the least a traced filesystem's space hook can do.
using FloorObject =
    std::unique_ptr<fsev_bench_floor, SkeletonDeleter<fsev_bench_floor, fsev_bench_floor__destroy>>;

}  // namespace fsev::bench
