#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fsev {

// A threshold level as written in a request. The RFC's form counts available
// blocks; the extension also takes a share of the filesystem's size (`10%`,
// `2.5%`) or an amount of space (`20G`, `512M`, `1.5T`; K/M/G/T are powers
// of 1024). Shares and amounts become blocks only when applied to one
// filesystem (resolve()), so one rule can serve filesystems of any size.
struct Level {
    enum class Unit { blocks, percent, bytes };
    Unit unit = Unit::blocks;
    // The number as written is amount / scale (scale = 10^decimals); for
    // bytes already multiplied by the suffix. Blocks never have decimals.
    uint64_t amount = 0;
    uint64_t scale = 1;
    std::string text;  // as written, e.g. "10%"

    static Level blocks(uint64_t count) {
        return Level{Unit::blocks, count, 1, std::to_string(count)};
    }

    // Available blocks this level stands for on a filesystem of
    // `total_blocks` (statfs f_blocks, the size df shows) blocks of
    // `block_size` bytes. Rounded down: available space is at or below the
    // level exactly when the available block count is at or below the result.
    uint64_t resolve(uint64_t total_blocks, uint64_t block_size) const;
    // True when resolve() needs the filesystem's size (not plain blocks).
    bool needs_size() const { return unit != Unit::blocks; }
};

// Parses `123` (blocks), `10%` / `2.5%` (0-100, up to 6 decimals) or
// `20G` / `1.5T` (suffix K, M, G or T, up to 6 decimals, at most 2^64-1
// bytes). Returns nullopt for anything else; `why` then says what is wrong.
std::optional<Level> parse_level_text(std::string_view text, std::string &why);

}  // namespace fsev
