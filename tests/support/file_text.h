#pragma once

#include <string>

namespace fsev::test {

// All of the file at `path`; empty when it cannot be read.
std::string file_text(const std::string &path);

}  // namespace fsev::test
