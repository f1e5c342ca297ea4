#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "attribution/writer_counts.h"

namespace fsev {

// The writers that took most space on one filesystem over a window.
struct TopWriters {
    std::vector<WriterCount> writers;     // most bytes first
    uint64_t other_bytes = 0;             // everyone else, together
    std::chrono::nanoseconds covered{0};  // how much of the window the snapshots cover
};

// Sliding windows over the cumulative BPF counts: the daemon adds a
// snapshot of the map every few seconds; a window's bytes are the growth
// since the snapshot that starts it. An entry that shrank (evicted from the
// LRU map and made again: another first_ns) counts what it holds now; one
// read lower with the same first_ns keeps the count it had (a read can miss
// units on their way from a CPU's slot to the entry).
class WriterWindows {
  public:
    using Clock = std::chrono::steady_clock;
    // Snapshots older than `longest` (plus one, the start of that window)
    // are dropped.
    explicit WriterWindows(std::chrono::nanoseconds longest = std::chrono::minutes(10))
        : longest_(longest) {}

    // A `periodic` snapshot stays (until too old); another one, taken to
    // answer a question now, only until the next snapshot replaces it, so
    // frequent questions do not grow the history.
    void add_snapshot(Clock::time_point when, std::vector<WriterCount> counts,
                      bool periodic = true);
    // The `k` writers with most bytes on `device` over the last `window`.
    TopWriters top(uint32_t device, std::chrono::nanoseconds window, size_t k) const;
    // Bytes each writer took on `device` since it was first seen (cumulative).
    std::vector<WriterCount> totals(uint32_t device) const;
    bool empty() const { return snapshots_.empty(); }

  private:
    struct Snapshot {
        Clock::time_point when;
        std::vector<WriterCount> counts;
        bool periodic = true;
    };
    std::chrono::nanoseconds longest_;
    std::deque<Snapshot> snapshots_;
};

}  // namespace fsev
