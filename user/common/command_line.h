#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fsev {

// The small long-option parser both fsev-bpf and fsev-listen use: flags take
// no value; options take one as `--name VALUE` or `--name=VALUE`. Each
// option's handler checks its value and returns an error message, or "".
class OptionTable {
  public:
    using Handler = std::function<std::string(const std::string &value)>;

    // A flag under each of `names` ("-v", "--verbose").
    void flag(std::initializer_list<std::string> names, std::function<void()> set);
    // An option with a value, checked and stored by `handler`.
    void value(const std::string &name, Handler handler);
    // An option whose value is a decimal number in [low, high]; any other
    // value is the error "NAME 'VALUE' is not EXPECTED".
    void number(const std::string &name, uint64_t low, uint64_t high, const std::string &expected,
                std::function<void(uint64_t)> store);

    // Applies the arguments in order; returns the first error message, or "".
    std::string parse(const std::vector<std::string> &arguments) const;

  private:
    std::map<std::string, std::function<void()>> flags_;
    std::map<std::string, Handler> with_value_;
};

// What a command line asks a program to do.
enum class CommandAction { run, help, version, error };

// The part of a parsed command line every program has.
struct CommandRequest {
    using Action = CommandAction;
    Action action = Action::run;
    std::string error;  // for Action::error: what was wrong

    // Applies `table`, with -h/--help and -V/--version added, to `arguments`.
    void parse(const std::vector<std::string> &arguments, OptionTable table);
    void fail(const std::string &message) {
        action = Action::error;
        error = message;
    }
};

// A parsed command line: the action and, to run with, the program's options.
template <typename Options>
struct ParsedArguments : CommandRequest {
    Options options;
};

// "PROGRAM VERSION\n", what -V prints.
std::string version_line(const std::string &program);

// The common main: help or version on stdout (exit 0); a command-line error
// and the usage on stderr (exit 2); otherwise `run`'s exit code, or 1 with
// "PROGRAM: what failed" on stderr when it throws.
int run_command(const CommandRequest &request, const std::string &program, const std::string &usage,
                const std::function<int()> &run);

// A decimal number within [low, high], nothing else (no sign, no spaces).
std::optional<uint64_t> parse_number_in_range(const std::string &text, uint64_t low, uint64_t high);

}  // namespace fsev
