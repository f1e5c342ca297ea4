#pragma once

#include <memory>

#include "fsev_bench_empty.skel.h"

namespace fsev::bench {

// bench/empty.bpf.c, loaded: the floor programs the measurements compare
// ours with; destroying it detaches and unloads them.
struct EmptyDeleter {
    void operator()(fsev_bench_empty *skeleton) const { fsev_bench_empty__destroy(skeleton); }
};
using EmptyObject = std::unique_ptr<fsev_bench_empty, EmptyDeleter>;

}  // namespace fsev::bench
