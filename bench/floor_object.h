#pragma once

#include <memory>

#include "fsev_bench_floor.skel.h"

namespace fsev::bench {

// bench/floor.bpf.c, loaded: the least a traced filesystem's space hook can
// do, far from its levels and near one; destroying it detaches and unloads
// its programs.
struct FloorDeleter {
    void operator()(fsev_bench_floor *skeleton) const { fsev_bench_floor__destroy(skeleton); }
};
using FloorObject = std::unique_ptr<fsev_bench_floor, FloorDeleter>;

}  // namespace fsev::bench
