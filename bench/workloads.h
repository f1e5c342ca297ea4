#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace fsev::bench {

// The two workloads of measurements 1 and 2, each run for a fixed time and
// reporting operations done. Both keep the filesystem's available count
// within a small band, so runs can repeat on one small image.

// Create a file, write 4 KiB, fsync, close; the file made 32 steps earlier
// is unlinked, so 32 stay alive. Returns files written per second.
double small_file_fsync_rate(const std::string &directory, std::chrono::duration<double> time);

// 4 KiB buffered write()s, sequential, into one file; every `cycle_bytes`
// the file is truncated to 0 and writing starts over (the dirty pages are
// dropped unwritten, so the stream stays in the page cache and ext4's
// delayed-allocation reservation path, the hottest ext4 hook). Returns MiB/s.
double buffered_stream_rate(const std::string &path, std::chrono::duration<double> time,
                            uint64_t cycle_bytes);

}  // namespace fsev::bench
