#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fsev {

// The small long-option parser both fsev-bpf and fsev-listen use: flags take
// no value; options take one as `--name VALUE` or `--name=VALUE`. Each
// option's handler checks its value and returns an error message, or "".
struct OptionTable {
    std::map<std::string, std::function<void()>> flags;
    std::map<std::string, std::function<std::string(const std::string &value)>> with_value;
};

// Applies the arguments in order; returns the first error message, or "".
std::string parse_options(const std::vector<std::string> &arguments, const OptionTable &table);

// A decimal number within [low, high], nothing else (no sign, no spaces).
std::optional<uint64_t> parse_number_in_range(const std::string &text, uint64_t low, uint64_t high);

}  // namespace fsev
