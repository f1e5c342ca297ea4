#pragma once

#include <string>
#include <vector>

namespace fsev::test {

struct CommandResult {
    int exit_code = -1;  // -1 when it did not exit normally
    std::string output;  // stdout and stderr together
};

// Runs a program (searched in PATH) and waits for it.
CommandResult run_command(const std::vector<std::string> &argv);

// Runs it with `input` on its standard input.
CommandResult run_command_with_input(const std::vector<std::string> &argv,
                                     const std::string &input);

// Runs it and throws std::runtime_error naming the command and its output
// when it does not exit 0.
std::string run_checked(const std::vector<std::string> &argv);

}  // namespace fsev::test
