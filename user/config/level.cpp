#include "config/level.h"

namespace fsev {

namespace {

// -Wpedantic: __int128 is a GNU extension; products of two 64-bit numbers
// need it to be exact.
__extension__ typedef unsigned __int128 Wide;

constexpr int kMaxDecimals = 6;
constexpr Wide kMax64 = UINT64_MAX;

// "12" or "12.345" into amount / scale; nullopt on anything else or overflow.
std::optional<std::pair<uint64_t, uint64_t>> parse_decimal(std::string_view text,
                                                           bool decimals_allowed,
                                                           std::string &why) {
    Wide amount = 0;
    uint64_t scale = 1;
    bool seen_digit = false, seen_point = false;
    int decimals = 0;
    for (char c : text) {
        if (c == '.' && decimals_allowed && !seen_point && seen_digit) {
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9') {
            why = "not a number";
            return std::nullopt;
        }
        seen_digit = true;
        if (seen_point && ++decimals > kMaxDecimals) {
            why = "more than " + std::to_string(kMaxDecimals) + " decimals";
            return std::nullopt;
        }
        amount = amount * 10 + static_cast<unsigned>(c - '0');
        if (seen_point) scale *= 10;
        if (amount > kMax64) {
            why = "too large";
            return std::nullopt;
        }
    }
    if (!seen_digit || (seen_point && decimals == 0)) {
        why = "not a number";
        return std::nullopt;
    }
    return std::pair{static_cast<uint64_t>(amount), scale};
}

}  // namespace

uint64_t Level::resolve(uint64_t total_blocks, uint64_t block_size) const {
    Wide result = amount;
    switch (unit) {
        case Unit::blocks:
            return amount;
        case Unit::percent:
            result = Wide(total_blocks) * amount / (Wide(scale) * 100);
            break;
        case Unit::bytes:
            result = block_size == 0 ? 0 : Wide(amount) / block_size;
            break;
    }
    return result > kMax64 ? UINT64_MAX : static_cast<uint64_t>(result);
}

std::optional<Level> parse_level_text(std::string_view text, std::string &why) {
    Level level;
    level.text = std::string(text);
    if (text.empty()) {
        why = "empty";
        return std::nullopt;
    }
    char last = text.back();
    uint64_t multiplier = 1;
    switch (last) {
        case '%':
            level.unit = Level::Unit::percent;
            break;
        case 'K':
            multiplier = 1ull << 10;
            break;
        case 'M':
            multiplier = 1ull << 20;
            break;
        case 'G':
            multiplier = 1ull << 30;
            break;
        case 'T':
            multiplier = 1ull << 40;
            break;
        default:
            break;
    }
    if (multiplier != 1) level.unit = Level::Unit::bytes;
    std::string_view number =
        level.unit == Level::Unit::blocks ? text : text.substr(0, text.size() - 1);
    auto parsed = parse_decimal(number, level.unit != Level::Unit::blocks, why);
    if (!parsed) {
        if (level.unit == Level::Unit::blocks && why == "not a number")
            why = "not a number of blocks, a percentage (10%) or an amount with K, M, G or T (20G)";
        return std::nullopt;
    }
    auto [amount, scale] = *parsed;
    switch (level.unit) {
        case Level::Unit::blocks:
            level.amount = amount;
            break;
        case Level::Unit::percent:
            if (Wide(amount) > Wide(scale) * 100) {
                why = "over 100%";
                return std::nullopt;
            }
            level.amount = amount;
            level.scale = scale;
            break;
        case Level::Unit::bytes: {
            // Kept exact as bytes: 1.5G is 1610612736 bytes.
            Wide bytes = Wide(amount) * multiplier / scale;
            if (Wide(amount) * multiplier % scale != 0) {
                why = "not a whole number of bytes";
                return std::nullopt;
            }
            if (bytes > kMax64) {
                why = "over 2^64-1 bytes";
                return std::nullopt;
            }
            level.amount = static_cast<uint64_t>(bytes);
            break;
        }
    }
    return level;
}

}  // namespace fsev
