#pragma once

#include <chrono>
#include <functional>

namespace fsev::test {

// Polls `condition` every 50 ms until it holds or `limit` passes (the
// daemon reacts to the mount table and the config file asynchronously).
// Not a timing assertion: only an upper bound.
bool eventually(const std::function<bool()> &condition,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace fsev::test
