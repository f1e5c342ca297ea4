#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/command.h"

namespace fsev::test {

// Runs `promtool check metrics` on exposition text. promtool is quiet and
// exits 0 when it has nothing to complain about.
CommandResult promtool_check_metrics(const std::string &text);

// The value of the first sample line of `name` whose labels include every
// given name="value" pair (values as they appear escaped in the text).
std::optional<double> sample_value(const std::string &text, const std::string &name,
                                   const std::vector<std::pair<std::string, std::string>> &labels);

}  // namespace fsev::test
