#pragma once

#include <cstdint>
#include <optional>

#include "model/event.h"
#include "model/trace_entry.h"
#include "support/loop_ext4.h"

namespace fsev::test {

// An event as the daemon publishes one, every field set: trace 7 on device
// 7:42, caused by pid 4242, 9000 available blocks of 4096 bytes, filling,
// on /srv/data. Tests change what they look at.
Event sample_event(uint32_t type, uint32_t id);

// A trace entry for `fs` (ext4 on its loop device) with the given types and
// levels in blocks (none where not given).
TraceEntry trace_entry_for(const LoopExt4 &fs, uint32_t id, uint32_t types,
                           std::optional<uint64_t> lower = {}, std::optional<uint64_t> upper = {});

}  // namespace fsev::test
