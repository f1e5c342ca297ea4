#pragma once

#include <cstdint>
#include <string>

#include "common/unique_fd.h"
#include "support/loop_ext4.h"

namespace fsev::bench {

// Moves a filesystem's available count across one level, one block at a
// time: a 4 KiB buffered write at the end of a file reserves exactly one
// delayed-allocation block (ext4_da_reserve_space) and truncating it away
// releases it (ext4_da_release_space), so with the count parked one block
// above the level every take/give pair is two crossings, each inside one
// syscall.
class LevelCrosser {
  public:
    LevelCrosser(const test::LoopExt4 &fs, const std::string &name);
    ~LevelCrosser();

    // Writes or truncates until statfs says level + 1; false if it cannot.
    bool park_above(uint64_t level);
    void take_one_block();  // crosses down to the level
    void give_one_block();  // crosses back up

  private:
    const test::LoopExt4 &fs_;
    std::string path_;
    UniqueFd fd_;
    uint64_t size_ = 0;
};

}  // namespace fsev::bench
